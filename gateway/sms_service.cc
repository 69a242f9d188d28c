#include "gateway/sms_service.h"

#include <spdlog/spdlog.h>

#include "core/phone.h"

namespace pesan {
namespace {

// FNV-1a, 64 bits: the same on every platform and build, as the fingerprints are stored.
std::uint64_t Fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

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
  // A re-delivery of a message already handled is a no-op. With a provider id, the id says
  // so. Without one (SMPP, a modem, the simulator), a message repeating the sender's last one
  // within dedupe_window may be the same message delivered again, or sent again on purpose; a
  // repeat after another message (TUTUP, BUKA, TUTUP) is a new one. HandleSms decides what a
  // repeat may do (a question is answered again, an order is not placed twice).
  std::string key = sms.provider_id.empty() ? "sms:" + channel + ":from:" + sms.from
                                            : "sms:" + channel + ":" + sms.provider_id;
  const std::uint64_t fingerprint = sms.provider_id.empty() ? Fnv1a(sms.text) : 0;
  writer_.Submit(
      [this, shop, sms = std::move(sms), phone, automatic, key, fingerprint,
       now](Store& s) -> Status {
        auto fresh = sms.provider_id.empty()
                         ? s.RememberInboundText(key, fingerprint, now, opt_.dedupe_window)
                         : s.RememberInbound(key, now);
        if (!fresh) return fresh.error();
        if (!*fresh && !sms.provider_id.empty()) {
          spdlog::info("sms: a message from {} seen before, ignored", MaskPhone(sms.from));
          return Ok{};
        }
        if (!*fresh) spdlog::info("sms: a message from {} repeats its last", MaskPhone(sms.from));
        if (automatic) {
          spdlog::info("sms: {} looks automatic, not answered", MaskPhone(sms.from));
          return Ok{};
        }
        SmsEffects effects;
        auto st = HandleSms(s, voice_, *shop, *phone, sms.text, opt_.default_language, *guard_, now,
                            effects, !*fresh);
        if (st && effects.shop_changed) shops_.MarkDirty(shop->shop.id);
        return st;
      },
      [done = std::move(done)](Status st) {
        if (!st) spdlog::error("sms: not recorded: {}", st.error().message);
        done(st.ok());
      });
}

}  // namespace pesan
