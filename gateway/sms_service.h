// Inbound SMS from every channel: de-duplicated (the same provider id, or the same text as the
// sender's last message within a short window, is handled once), then handled by the shop's SMS
// conversation (menus/sms_shop.h) in one writer transaction with everything it causes. `done(true)`
// only after that commit, so a channel acknowledges nothing that could still be lost.
#pragma once

#include <functional>
#include <memory>

#include "core/channel.h"
#include "gateway/db_writer.h"
#include "gateway/shop_registry.h"
#include "menus/sms_shop.h"

namespace pesan {

struct SmsOptions {
  std::string default_language = "id";
  std::string country_code = "62";
  int replies_per_hour = 3;
  std::size_t max_text = 2000;              // longer texts are cut here (about 13 segments)
  std::chrono::seconds dedupe_window{600};  // a sender's last text again, no provider id
};

class SmsService {
 public:
  SmsService(ShopRegistry& shops, const Voice& voice, DbWriter& writer, const Clock& clock,
             SmsOptions options);

  // `channel` names the source for de-duplication keys ("kannel", "modem", ...).
  void Receive(const std::string& channel, InboundSms sms, std::function<void(bool)> done);

 private:
  ShopRegistry& shops_;
  const Voice& voice_;
  DbWriter& writer_;
  const Clock& clock_;
  SmsOptions opt_;
  std::shared_ptr<SmsGuard> guard_;  // writer thread only
};

}  // namespace pesan
