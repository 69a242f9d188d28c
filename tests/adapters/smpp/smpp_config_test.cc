#include "adapters/smpp/smpp_config.h"

#include <gtest/gtest.h>

namespace pesan::smpp {
namespace {

using namespace std::chrono_literals;

Result<SmppConfig> Parse(std::string_view text) {
  toml::table t = toml::parse(text);
  return ParseSmppConfig(*t["sms"]["smpp"].as_table());
}

TEST(SmppConfig, ReadsEveryKey) {
  auto c = Parse(R"(
[sms.smpp]
host = "smsc.local"
port = 2776
system_id = "shopgw"
password = "secret"
system_type = "VMA"
source_addr = "TOKOKU"
window = 20
max_per_second = 30
ussd = true
ussd_service_type = "USS"
enquire_link_interval = "45s"
response_timeout = 5
reconnect_backoff_min = "500ms"
reconnect_backoff_max = "2m"
throttle_pause = "2s"
throttle_retries = 3
use_message_payload = true
registered_delivery = false
fold_to_gsm = false
concat_timeout = "15m"
receipt_memory = "48h"
)");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->host, "smsc.local");
  EXPECT_EQ(c->port, 2776);
  EXPECT_EQ(c->system_id, "shopgw");
  EXPECT_EQ(c->password, "secret");
  EXPECT_EQ(c->system_type, "VMA");
  EXPECT_EQ(c->source_addr, "TOKOKU");
  EXPECT_EQ(c->window, 20);
  EXPECT_EQ(c->max_per_second, 30);
  EXPECT_TRUE(c->ussd);
  EXPECT_EQ(c->ussd_service_type, "USS");
  EXPECT_EQ(c->enquire_link_interval, 45s);
  EXPECT_EQ(c->response_timeout, 5s);
  EXPECT_EQ(c->reconnect_backoff_min, 500ms);
  EXPECT_EQ(c->reconnect_backoff_max, 2min);
  EXPECT_EQ(c->throttle_pause, 2s);
  EXPECT_EQ(c->throttle_retries, 3);
  EXPECT_TRUE(c->use_message_payload);
  EXPECT_FALSE(c->registered_delivery);
  EXPECT_FALSE(c->fold_to_gsm);
  EXPECT_EQ(c->concat_timeout, 15min);
  EXPECT_EQ(c->receipt_memory, 48h);
}

TEST(SmppConfig, DefaultsAndErrors) {
  auto c = Parse("[sms.smpp]\nsystem_id = \"x\"\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->window, 10);
  EXPECT_EQ(c->max_per_second, 50);
  EXPECT_FALSE(c->ussd);
  EXPECT_FALSE(c->use_message_payload);

  auto e = Parse("[sms.smpp]\nwindoww = 3\n");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message,
            "[sms.smpp] unknown key 'windoww' (valid keys: concat_timeout, enquire_link_interval, "
            "fold_to_gsm, host, max_per_second, password, port, receipt_memory, "
            "reconnect_backoff_max, reconnect_backoff_min, registered_delivery, response_timeout, "
            "source_addr, system_id, system_type, throttle_pause, throttle_retries, "
            "use_message_payload, ussd, ussd_service_type, window)");
  e = Parse("[sms.smpp]\nwindow = \"10\"\n");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message, "[sms.smpp] window: expected an integer from 1 to 1000");
  e = Parse("[sms.smpp]\nresponse_timeout = \"10 parsecs\"\n");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("response_timeout"), std::string::npos);
  e = Parse("[sms.smpp]\npassword = \"much_too_long\"\n");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("at most 8"), std::string::npos);
  e = Parse("[sms.smpp]\nport = 70000\n");
  ASSERT_FALSE(e.ok());
  EXPECT_FALSE(ParseDuration("5x").ok());
  EXPECT_EQ(ParseDuration("250ms").value(), 250ms);
}

}  // namespace
}  // namespace pesan::smpp
