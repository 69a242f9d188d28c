#include "gateway/sms_service.h"

#include <spdlog/spdlog.h>

#include "core/phone.h"

namespace pesan {

SmsService::SmsService(ShopRegistry& shops, const Voice& voice, DbWriter& writer,
                       const Clock& clock, SmsOptions options)
    : shops_(shops),
      voice_(voice),
      writer_(writer),
      clock_(clock),
      opt_(options),
      guard_(std::make_shared<SmsGuard>(options.replies_per_hour)) {}

void SmsService::Receive(const std::string& channel, InboundSms sms,
                         std::function<void(bool)> done) {
  auto shop = shops_.Default();
  const SystemTime now = clock_.Now();
  if (sms.text.size() > opt_.max_text) {
    size_t cut = opt_.max_text;  // never inside a UTF-8 sequence
    while (cut > 0 && (static_cast<unsigned char>(sms.text[cut]) & 0xC0) == 0x80) --cut;
    sms.text.resize(cut);
  }
  auto phone = NormalizePhone(sms.from, opt_.country_code);
  const bool automatic = !phone || LooksAutomatic(sms.from, sms.text);
  // The key that makes a re-delivery of the same message a no-op. Without a provider id, the
  // sender and text within dedupe_window: the key names the window the message fell in, and
  // the one before is checked too, so that a re-delivery just after a window's end is still
  // recognised (two messages are one when at most 1-2 windows apart).
  std::string key, previous;
  if (!sms.provider_id.empty()) {
    key = "sms:" + channel + ":" + sms.provider_id;
  } else {
    auto window = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()) /
                  opt_.dedupe_window;
    auto fingerprint = [&](long long w) {
      return "sms:" + channel + ":" + sms.from + ":" + std::to_string(w) + ":" +
             std::to_string(std::hash<std::string>{}(sms.text));
    };
    key = fingerprint(window);
    previous = fingerprint(window - 1);
  }
  writer_.Submit(
      [this, shop, sms = std::move(sms), phone, automatic, key, previous, now](Store& s) -> Status {
        auto fresh = s.RememberInbound(key, now);
        if (!fresh) return fresh.error();
        if (*fresh && !previous.empty()) {
          // Remembering the previous window's key too is harmless: no later message falls in
          // that window.
          fresh = s.RememberInbound(previous, now);
          if (!fresh) return fresh.error();
        }
        if (!*fresh) {
          spdlog::info("sms: a message from {} seen before, ignored", MaskPhone(sms.from));
          return Ok{};
        }
        if (automatic) {
          spdlog::info("sms: {} looks automatic, not answered", MaskPhone(sms.from));
          return Ok{};
        }
        SmsEffects effects;
        auto st = HandleSms(s, voice_, *shop, *phone, sms.text, opt_.default_language, *guard_, now,
                            effects);
        if (st && effects.shop_changed) shops_.MarkDirty(shop->shop.id);
        return st;
      },
      [done = std::move(done)](Status st) {
        if (!st) spdlog::error("sms: not recorded: {}", st.error().message);
        done(st.ok());
      });
}

}  // namespace pesan
