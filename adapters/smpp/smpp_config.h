// Reads SmppConfig from the [sms.smpp] table of the configuration file.
//
//   [sms.smpp]
//   host = "127.0.0.1"            port = 2775
//   system_id = "shopgw"          password = "secret"      system_type = ""
//   source_addr = "TOKOKU"        window = 10              max_per_second = 50
//   ussd = false                  ussd_service_type = "USSD"
//   enquire_link_interval = "30s" response_timeout = "10s"
//   reconnect_backoff_min = "1s"  reconnect_backoff_max = "60s"
//   throttle_pause = "1s"         throttle_retries = 5
//   use_message_payload = false   registered_delivery = true   fold_to_gsm = true
//   concat_timeout = "10m"        receipt_memory = "72h"
//
// Every key is optional (the defaults of SmppConfig); an unknown key or a value of the wrong type
// is an error that names the key. Durations are strings with a unit ("500ms", "30s", "10m",
// "72h") or integers in seconds.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <string_view>

#include "adapters/smpp/smpp_channel.h"
#include "core/result.h"

namespace pesan::smpp {

Result<SmppConfig> ParseSmppConfig(const toml::table& section);

// "500ms", "30s", "10m", "72h" (no unit: seconds).
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace pesan::smpp
