// The shop by SMS: what a text from a customer or a manager does, and the replies it causes.
// HandleSms runs inside the writer's transaction: every change and every reply of one inbound
// text commit together, or not at all.
#pragma once

#include <deque>
#include <map>
#include <string>

#include "core/channel.h"
#include "core/store.h"
#include "menus/shop_actions.h"
#include "menus/ussd/ussd_menu.h"

namespace pesan {

// Caps help and error replies to texts that are not commands, per sender, so that two
// auto-responders cannot talk to each other forever; and locks a manager number out after
// repeated wrong PINs. Used from the writer thread only.
class SmsGuard {
 public:
  SmsGuard(int replies_per_hour, int pin_attempts = 5,
           std::chrono::minutes lockout = std::chrono::minutes(15))
      : replies_per_hour_(replies_per_hour), pin_attempts_(pin_attempts), lockout_(lockout) {}
  // True if one more help/error reply may go to `phone` now (and counts it). A manager, who runs
  // the shop by SMS and mistypes now and then, gets kManagerRepliesPerHour (or the configured
  // figure when higher; none when it is 0); a cap all the same, against a phone that answers
  // every SMS by itself.
  bool AllowReply(const std::string& phone, SystemTime now, bool manager = false);
  static constexpr int kManagerRepliesPerHour = 12;
  // How long `phone` stays locked out after too many wrong PINs, in whole minutes rounded up;
  // zero when it is not locked.
  std::chrono::minutes PinLockLeft(const std::string& phone, SystemTime now) const;
  // Records a wrong PIN; true when this attempt locked the number.
  bool PinFailed(const std::string& phone, SystemTime now);
  void PinPassed(const std::string& phone) { pin_.erase(phone); }

 private:
  struct Pin {
    int fails = 0;
    SystemTime locked_until{};
  };
  int replies_per_hour_;
  int pin_attempts_;
  std::chrono::minutes lockout_;
  std::map<std::string, std::deque<SystemTime>> replies_;
  std::map<std::string, Pin> pin_;
};

struct SmsEffects {
  bool shop_changed = false;  // products or the shop's state changed: refresh the menus' view
};

// `from` is E.164. A customer is answered in the language chosen on the USSD menu; without one,
// in the language of the text's keyword ("ORDER B1 2" in English, "PESAN B1 2" in Indonesian),
// and for keywords both languages share or text that is no command, in `customer_language`, the
// gateway's default. Managers are answered in Voice::manager_language. The customer of an order
// a manager moves (OK, KIRIM, SELESAI, TOLAK) is told in NewsLanguage: the language they chose,
// else the one they ordered in, else `customer_language`.
// `repeated`: the text repeats the sender's last message on a channel without message ids, so it
// may be the same message delivered again. A manager's command is handled again (a manager who
// sends STOK B1 30 twice wants the stock at 30, whatever sold in between), except a relative
// stock change, done once and the manager told so; otherwise only a question (HARGA, STATUS,
// BANTUAN) or an address is handled again, never an order, a cancellation or a YA.
Status HandleSms(Store& store, const Voice& voice, const ussd::ShopView& shop,
                 const std::string& from, const std::string& text,
                 const std::string& customer_language, SmsGuard& guard, SystemTime now,
                 SmsEffects& effects, bool repeated = false);

// Whether a sender looks like another machine (operator notices, short codes, alphanumeric
// senders) or a text like an auto-responder's: such texts are never answered.
bool LooksAutomatic(const std::string& raw_from, const std::string& text);

}  // namespace pesan
