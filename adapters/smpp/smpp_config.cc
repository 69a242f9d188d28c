#include "adapters/smpp/smpp_config.h"

#include <charconv>
#include <functional>
#include <map>
#include <string>

namespace pesan::smpp {

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  long long n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end == text.data() || n < 0) {
    return InvalidInput("duration \"" + std::string(text) + "\": expected a number and a unit");
  }
  std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s" || unit.empty()) return std::chrono::milliseconds(n * 1000);
  if (unit == "m" || unit == "min") return std::chrono::milliseconds(n * 60'000);
  if (unit == "h") return std::chrono::milliseconds(n * 3'600'000);
  return InvalidInput("duration \"" + std::string(text) + "\": unit must be ms, s, m or h");
}

Result<SmppConfig> ParseSmppConfig(const toml::table& section) {
  SmppConfig c;
  std::string error;
  auto fail = [&](const std::string& key, const std::string& why) {
    if (error.empty()) error = "[sms.smpp] " + key + ": " + why;
  };
  auto str = [&](std::string& out) {
    return [&out, &fail](const std::string& key, const toml::node& n) {
      if (auto v = n.value<std::string>(); v && n.is_string())
        out = *v;
      else
        fail(key, "expected a string");
    };
  };
  auto boolean = [&](bool& out) {
    return [&out, &fail](const std::string& key, const toml::node& n) {
      if (n.is_boolean())
        out = *n.value<bool>();
      else
        fail(key, "expected true or false");
    };
  };
  auto integer = [&](int& out, long long lo, long long hi) {
    return [&out, lo, hi, &fail](const std::string& key, const toml::node& n) {
      auto v = n.is_integer() ? n.value<long long>() : std::nullopt;
      if (!v || *v < lo || *v > hi) {
        fail(key, "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
      } else {
        out = static_cast<int>(*v);
      }
    };
  };
  auto duration = [&](auto& out) {
    return [&out, &fail](const std::string& key, const toml::node& n) {
      Result<std::chrono::milliseconds> d = InvalidInput("expected a duration such as \"30s\"");
      if (n.is_integer()) d = std::chrono::milliseconds(*n.value<long long>() * 1000);
      if (n.is_string()) d = ParseDuration(*n.value<std::string>());
      if (!d.ok())
        fail(key, d.error().message);
      else
        out = std::chrono::duration_cast<std::remove_reference_t<decltype(out)>>(d.value());
    };
  };
  int port = c.port;
  std::map<std::string, std::function<void(const std::string&, const toml::node&)>> keys = {
      {"host", str(c.host)},
      {"port", integer(port, 1, 65535)},
      {"system_id", str(c.system_id)},
      {"password", str(c.password)},
      {"system_type", str(c.system_type)},
      {"source_addr", str(c.source_addr)},
      {"window", integer(c.window, 1, 1000)},
      {"max_per_second", integer(c.max_per_second, 0, 100000)},
      {"ussd", boolean(c.ussd)},
      {"ussd_service_type", str(c.ussd_service_type)},
      {"enquire_link_interval", duration(c.enquire_link_interval)},
      {"response_timeout", duration(c.response_timeout)},
      {"reconnect_backoff_min", duration(c.reconnect_backoff_min)},
      {"reconnect_backoff_max", duration(c.reconnect_backoff_max)},
      {"throttle_pause", duration(c.throttle_pause)},
      {"throttle_retries", integer(c.throttle_retries, 0, 1000)},
      {"use_message_payload", boolean(c.use_message_payload)},
      {"registered_delivery", boolean(c.registered_delivery)},
      {"fold_to_gsm", boolean(c.fold_to_gsm)},
      {"concat_timeout", duration(c.concat_timeout)},
      {"receipt_memory", duration(c.receipt_memory)},
  };
  for (const auto& [k, node] : section) {
    std::string key(k.str());
    auto it = keys.find(key);
    if (it == keys.end()) {
      std::string valid;
      for (const auto& [name, read] : keys) valid += (valid.empty() ? "" : ", ") + name;
      if (error.empty()) error = "[sms.smpp] unknown key '" + key + "' (valid keys: " + valid + ")";
      continue;
    }
    it->second(key, node);
  }
  c.port = static_cast<uint16_t>(port);
  if (error.empty() && c.host.empty()) fail("host", "must not be empty");
  if (error.empty() && c.system_id.size() > 15)
    fail("system_id", "at most 15 characters (SMPP 3.4 §5.2.1)");
  if (error.empty() && c.password.size() > 8)
    fail("password", "at most 8 characters (SMPP 3.4 §5.2.2)");
  if (error.empty() && c.system_type.size() > 12)
    fail("system_type", "at most 12 characters (SMPP 3.4 §5.2.3)");
  if (error.empty() && c.source_addr.size() > 20)
    fail("source_addr", "at most 20 characters (SMPP 3.4 §5.2.8)");
  if (error.empty() && c.reconnect_backoff_min > c.reconnect_backoff_max) {
    fail("reconnect_backoff_min", "greater than reconnect_backoff_max");
  }
  if (error.empty() && c.response_timeout.count() == 0) fail("response_timeout", "must not be 0");
  if (error.empty() && c.enquire_link_interval.count() == 0)
    fail("enquire_link_interval", "must not be 0");
  if (!error.empty()) return InvalidInput(error);
  return c;
}

}  // namespace pesan::smpp
