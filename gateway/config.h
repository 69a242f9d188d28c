// The gateway's configuration: one TOML file parsed once into typed, validated structs.
// Unknown keys and wrong types are errors naming the file, the line and what is wrong.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/result.h"

namespace pesan {

// One [section] of the file as plain values with their line numbers, for a component's own
// reader (SectionReader below) to take what it knows and reject the rest.
struct ConfigValue {
  std::variant<std::string, std::int64_t, bool, double, std::vector<std::string>> value;
  int line = 0;
};
struct ConfigSection {
  std::string origin;  // file name for messages
  std::string name;    // "sms.kannel"
  int line = 0;
  std::map<std::string, ConfigValue> values;
};

// Reads typed values out of a section; the first problem (wrong type, out of range, unknown
// key at Finish) is kept and returned by Finish() as "file:line: [section] key: what".
class SectionReader {
 public:
  explicit SectionReader(const ConfigSection& section) : s_(section) {}
  std::string String(const std::string& key, std::string fallback = "");
  std::int64_t Int(const std::string& key, std::int64_t fallback, std::int64_t min,
                   std::int64_t max);
  bool Bool(const std::string& key, bool fallback);
  std::vector<std::string> Strings(const std::string& key);
  std::chrono::milliseconds Millis(const std::string& key, std::chrono::milliseconds fallback);
  bool Has(const std::string& key) const { return s_.values.count(key) != 0; }
  // Records a problem with the value of `key` (for checks the reader cannot make).
  void Fail(const std::string& key, const std::string& what);
  Status Finish();

 private:
  const ConfigValue* Take(const std::string& key);
  const ConfigSection& s_;
  std::vector<std::string> used_;
  std::optional<Error> error_;
};

struct GatewaySettings {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string database = "pesan.db";  // resolved against the config file's folder
  std::string language = "id";        // for customers who chose none
  std::string timezone = "Asia/Jakarta";
  int utc_offset_minutes = 7 * 60;  // from timezone
  std::string country_code = "62";  // for national phone numbers
  std::string log_level = "info";
  int threads = 0;         // network threads; 0 = one per core
  std::string public_url;  // how peers reach this gateway (delivery report URLs)
  std::string texts_dir;   // optional folder with texts.<lang>.toml overriding the built-in ones
  std::chrono::seconds session_idle{300};
  std::size_t max_sessions = 100000;
  int ussd_sessions_per_hour = 30;  // new USSD sessions one number may open; 0 = no limit
  std::size_t max_body_bytes = 16 * 1024;
  std::chrono::seconds request_timeout{15};
};

struct ShopConfig {
  std::string code;
  std::string name;
  std::vector<std::string> managers;  // E.164
  std::string catalog;                // absolute path, or "embedded:<name>", or ""
  int catalog_line = 0;               // the line of `catalog =` in the file, for messages
  std::string info;
  int info_line = 0;  // the line of `info =`, for messages
  bool pickup = false;
  std::string pin;
};

struct CallbackConfig {  // an HTTP callback of an aggregator
  bool enabled = true;
  std::string path;
  std::string token;               // when set, requests must carry ?token=<value>
  std::vector<std::string> allow;  // source addresses allowed; empty = any
};

struct AfricasTalkingConfig : CallbackConfig {
  std::string service_code = "*123#";
};

struct SmsSettings {
  std::string channel = "none";  // "sim", "kannel", "modem", "smpp" or "none"
  std::chrono::seconds retry_min{5};
  std::chrono::seconds retry_max{300};
  int max_attempts = 20;
  int replies_per_hour = 3;  // help/error replies to one unknown-command sender
};

struct Config {
  std::string origin;  // the file it came from, or "built-in demo.toml"
  std::string dir;     // the folder relative paths are resolved against
  GatewaySettings gateway;
  std::vector<ShopConfig> shops;
  AfricasTalkingConfig africastalking;
  CallbackConfig hubtel;
  SmsSettings sms;
  // The channel sections ("sms.kannel", "sms.modem", "sms.smpp"), for the channels' readers.
  std::map<std::string, ConfigSection> channels;
};

// Parses TOML text; `origin` names it in errors and `dir` resolves relative paths.
Result<Config> ParseConfig(std::string_view toml_text, std::string origin, std::string dir);
// Reads and parses a file; "" means the built-in demo configuration.
Result<Config> LoadConfig(const std::string& path);

// UTC offset of a time zone name ("Asia/Jakarta", "WIB", "UTC+7", "+07:00").
std::optional<int> UtcOffsetMinutes(std::string_view tz);

}  // namespace pesan
