#include "gateway/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/embedded.h"
#include "core/phone.h"
#include "core/toml_syntax.h"

namespace pesan {
namespace {

std::string Where(const std::string& origin, int line) {
  return origin + ":" + std::to_string(line) + ": ";
}

// Flattens one TOML table into a section; nested tables are returned to the caller by name.
Status Flatten(const toml::table& table, const std::string& origin, const std::string& name,
               ConfigSection& out, std::map<std::string, const toml::table*>* nested) {
  out.origin = origin;
  out.name = name;
  out.line = static_cast<int>(table.source().begin.line);
  for (const auto& [k, node] : table) {
    std::string key(k.str());
    int line = static_cast<int>(node.source().begin.line);
    ConfigValue v;
    v.line = line;
    if (auto s = node.as_string()) {
      v.value = s->get();
    } else if (auto i = node.as_integer()) {
      v.value = i->get();
    } else if (auto b = node.as_boolean()) {
      v.value = b->get();
    } else if (auto d = node.as_floating_point()) {
      v.value = d->get();
    } else if (auto a = node.as_array()) {
      std::vector<std::string> list;
      for (const auto& el : *a) {
        if (!el.as_string()) {
          return InvalidInput(Where(origin, line) + "[" + name + "] " + key +
                              ": must be a list of strings");
        }
        list.push_back(el.as_string()->get());
      }
      v.value = std::move(list);
    } else if (auto t = node.as_table(); t && nested) {
      (*nested)[key] = t;
      continue;
    } else {
      return InvalidInput(Where(origin, line) + "[" + name + "] " + key +
                          ": unsupported value type");
    }
    out.values[key] = std::move(v);
  }
  return Ok{};
}

Status ReadGateway(const ConfigSection& s, GatewaySettings& g, const std::string& dir) {
  SectionReader r(s);
  std::string listen = r.String("listen", "127.0.0.1:8080");
  auto colon = listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos && colon + 1 < listen.size()) {
    try {
      size_t used = 0;
      port = std::stoi(listen.substr(colon + 1), &used);
      if (used != listen.size() - colon - 1) port = -1;
    } catch (...) {
      port = -1;
    }
  }
  if (port < 0 || port > 65535 || colon == 0) {
    r.Fail("listen", "'" + listen + "' is not HOST:PORT");
  } else {
    g.listen_host = listen.substr(0, colon);
    if (g.listen_host.size() > 2 && g.listen_host.front() == '[') {
      g.listen_host = g.listen_host.substr(1, g.listen_host.size() - 2);
    }
    g.listen_port = static_cast<std::uint16_t>(port);
  }
  g.database = r.String("database", "pesan.db");
  if (g.database != ":memory:" && !g.database.empty() &&
      std::filesystem::path(g.database).is_relative() && !dir.empty()) {
    g.database = (std::filesystem::path(dir) / g.database).string();
  }
  g.language = r.String("language", "id");
  if (g.language != "id" && g.language != "en") {
    r.Fail("language", "must be \"id\" or \"en\", not \"" + g.language + "\"");
  }
  g.timezone = r.String("timezone", "Asia/Jakarta");
  if (auto off = UtcOffsetMinutes(g.timezone)) {
    g.utc_offset_minutes = *off;
  } else {
    r.Fail("timezone", "unknown time zone '" + g.timezone +
                           "' (use e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura or UTC+7)");
  }
  g.country_code = r.String("country_code", "62");
  if (g.country_code.empty() || g.country_code.size() > 3 ||
      !std::all_of(g.country_code.begin(), g.country_code.end(), ::isdigit)) {
    r.Fail("country_code", "must be the country's calling code in digits, e.g. \"62\"");
  }
  g.log_level = r.String("log_level", "info");
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (std::find_if(std::begin(kLevels), std::end(kLevels),
                   [&](const char* l) { return g.log_level == l; }) == std::end(kLevels)) {
    r.Fail("log_level", "must be one of trace, debug, info, warn, error, critical, off");
  }
  g.threads = static_cast<int>(r.Int("threads", 0, 0, 64));
  g.public_url = r.String("public_url", "");
  g.texts_dir = r.String("texts", "");
  if (!g.texts_dir.empty() && std::filesystem::path(g.texts_dir).is_relative() && !dir.empty()) {
    g.texts_dir = (std::filesystem::path(dir) / g.texts_dir).string();
  }
  g.session_idle = std::chrono::seconds(r.Int("session_idle_seconds", 300, 10, 86400));
  g.max_sessions = static_cast<std::size_t>(r.Int("max_sessions", 100000, 10, 10'000'000));
  g.ussd_sessions_per_hour = static_cast<int>(r.Int("ussd_sessions_per_hour", 30, 0, 100000));
  g.max_body_bytes = static_cast<std::size_t>(r.Int("max_body_bytes", 16384, 1024, 1 << 20));
  g.request_timeout = std::chrono::seconds(r.Int("request_timeout_seconds", 15, 1, 600));
  return r.Finish();
}

Status ReadShop(const ConfigSection& s, ShopConfig& shop, const std::string& dir,
                const std::string& country, bool embedded) {
  SectionReader r(s);
  shop.code = r.String("code");
  if (shop.code.empty()) r.Fail("code", "every shop needs a code, e.g. code = \"majubersama\"");
  for (char c : shop.code) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      r.Fail("code", "'" + shop.code + "' may only have letters, digits, '-' and '_'");
      break;
    }
  }
  shop.name = r.String("name", shop.code);
  for (const auto& m : r.Strings("managers")) {
    auto p = NormalizePhone(m, country);
    if (!p) {
      r.Fail("managers", "'" + m + "' is not a phone number");
    } else {
      shop.managers.push_back(*p);
    }
  }
  shop.catalog = r.String("catalog", "");
  if (auto it = s.values.find("catalog"); it != s.values.end()) shop.catalog_line = it->second.line;
  if (!shop.catalog.empty() && std::filesystem::path(shop.catalog).is_relative()) {
    shop.catalog = embedded ? "embedded:" + shop.catalog
                            : (std::filesystem::path(dir) / shop.catalog).string();
  }
  shop.info = r.String("info", "");
  if (auto it = s.values.find("info"); it != s.values.end()) shop.info_line = it->second.line;
  shop.pickup = r.Bool("pickup", false);
  shop.pin = r.String("pin", "");
  if (!shop.pin.empty() && (shop.pin.size() < 4 || shop.pin.size() > 8 ||
                            !std::all_of(shop.pin.begin(), shop.pin.end(), ::isdigit))) {
    r.Fail("pin", "must be 4 to 8 digits");
  }
  return r.Finish();
}

Status ReadCallback(const ConfigSection& s, CallbackConfig& c, AfricasTalkingConfig* at) {
  SectionReader r(s);
  c.enabled = r.Bool("enabled", true);
  c.path = r.String("path", c.path);
  if (c.path.empty() || c.path[0] != '/') r.Fail("path", "must start with '/'");
  c.token = r.String("token", "");
  c.allow = r.Strings("allow");
  if (at) at->service_code = r.String("service_code", at->service_code);
  return r.Finish();
}

}  // namespace

// ---- SectionReader

const ConfigValue* SectionReader::Take(const std::string& key) {
  used_.push_back(key);
  auto it = s_.values.find(key);
  return it == s_.values.end() ? nullptr : &it->second;
}

void SectionReader::Fail(const std::string& key, const std::string& what) {
  if (error_) return;
  auto it = s_.values.find(key);
  int line = it == s_.values.end() ? s_.line : it->second.line;
  error_ = InvalidInput(Where(s_.origin, line) + "[" + s_.name + "] " + key + ": " + what);
}

std::string SectionReader::String(const std::string& key, std::string fallback) {
  const ConfigValue* v = Take(key);
  if (!v) return fallback;
  if (auto s = std::get_if<std::string>(&v->value)) return *s;
  Fail(key, "must be a string (in quotes)");
  return fallback;
}

std::int64_t SectionReader::Int(const std::string& key, std::int64_t fallback, std::int64_t min,
                                std::int64_t max) {
  const ConfigValue* v = Take(key);
  if (!v) return fallback;
  auto i = std::get_if<std::int64_t>(&v->value);
  if (!i) {
    Fail(key, "must be a whole number");
    return fallback;
  }
  if (*i < min || *i > max) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return fallback;
  }
  return *i;
}

bool SectionReader::Bool(const std::string& key, bool fallback) {
  const ConfigValue* v = Take(key);
  if (!v) return fallback;
  if (auto b = std::get_if<bool>(&v->value)) return *b;
  Fail(key, "must be true or false");
  return fallback;
}

std::vector<std::string> SectionReader::Strings(const std::string& key) {
  const ConfigValue* v = Take(key);
  if (!v) return {};
  if (auto l = std::get_if<std::vector<std::string>>(&v->value)) return *l;
  if (auto s = std::get_if<std::string>(&v->value)) return {*s};
  Fail(key, "must be a list of strings, e.g. [\"a\", \"b\"]");
  return {};
}

std::chrono::milliseconds SectionReader::Millis(const std::string& key,
                                                std::chrono::milliseconds fallback) {
  const ConfigValue* v = Take(key);
  if (!v) return fallback;
  if (auto i = std::get_if<std::int64_t>(&v->value); i && *i >= 0) {
    return std::chrono::milliseconds(*i);
  }
  Fail(key, "must be a non-negative number of milliseconds");
  return fallback;
}

Status SectionReader::Finish() {
  if (!error_) {
    for (const auto& [k, v] : s_.values) {
      if (std::find(used_.begin(), used_.end(), k) == used_.end()) {
        // The keys this reader asked for are the section's keys.
        std::set<std::string> valid(used_.begin(), used_.end());
        std::string list;
        for (const auto& name : valid) list += (list.empty() ? "" : ", ") + name;
        error_ = InvalidInput(
            Where(s_.origin, v.line) + "[" + s_.name + "] unknown key '" + k + "' " +
            (list.empty() ? "(the section takes none)" : "(valid keys: " + list + ")"));
        break;
      }
    }
  }
  if (error_) return *error_;
  return Ok{};
}

// ---- the file

std::optional<int> UtcOffsetMinutes(std::string_view tz) {
  struct Zone {
    const char* name;
    int minutes;
  };
  // Indonesia keeps no daylight saving time: WIB UTC+7, WITA UTC+8, WIT UTC+9.
  static const Zone kZones[] = {
      {"Asia/Jakarta", 420}, {"Asia/Pontianak", 420}, {"WIB", 420},         {"Asia/Makassar", 480},
      {"WITA", 480},         {"Asia/Jayapura", 540},  {"WIT", 540},         {"UTC", 0},
      {"Etc/UTC", 0},        {"Africa/Nairobi", 180}, {"Africa/Lagos", 60}, {"Africa/Accra", 0},
  };
  for (const auto& z : kZones) {
    if (tz == z.name) return z.minutes;
  }
  // "UTC+7", "UTC-3", "+07:00", "+0530"
  std::string_view s = tz;
  if (s.starts_with("UTC")) s.remove_prefix(3);
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  int sign = s[0] == '-' ? -1 : 1;
  s.remove_prefix(1);
  int h = 0, m = 0;
  size_t i = 0;
  while (i < s.size() && i < 2 && std::isdigit(static_cast<unsigned char>(s[i])))
    h = h * 10 + (s[i++] - '0');
  if (i == 0) return std::nullopt;
  if (i < s.size() && s[i] == ':') ++i;
  size_t mstart = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
    m = m * 10 + (s[i++] - '0');
  if (i != s.size() || (i > mstart && i - mstart != 2) || h > 14 || m > 59) return std::nullopt;
  return sign * (h * 60 + m);
}

Result<Config> ParseConfig(std::string_view text, std::string origin, std::string dir) {
  Config cfg;
  cfg.origin = origin;
  cfg.dir = dir;
  const bool embedded = dir.empty();
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return InvalidInput(
        Where(origin, static_cast<int>(e.source().begin.line)) +
        TomlSyntaxError(text, e.description(), e.source().begin.line, e.source().begin.column));
  }
  cfg.africastalking.path = "/ussd/africastalking";
  cfg.hubtel.path = "/ussd/hubtel";
  cfg.hubtel.enabled = false;
  if (!root.contains("gateway")) {
    // Its defaults all the same: the database beside the config file, not in the current folder.
    ConfigSection none;
    none.origin = std::string(origin);
    none.name = "gateway";
    if (auto st = ReadGateway(none, cfg.gateway, dir); !st) return st.error();
  }

  for (const auto& [k, node] : root) {
    std::string key(k.str());
    int line = static_cast<int>(node.source().begin.line);
    if (key == "gateway" && node.is_table()) {
      ConfigSection s;
      if (auto st = Flatten(*node.as_table(), origin, "gateway", s, nullptr); !st)
        return st.error();
      if (auto st = ReadGateway(s, cfg.gateway, dir); !st) return st.error();
    } else if (key == "shops" && node.is_array_of_tables()) {
      for (const auto& el : *node.as_array()) {
        ConfigSection s;
        if (auto st = Flatten(*el.as_table(), origin, "shops", s, nullptr); !st) return st.error();
        ShopConfig shop;
        if (auto st = ReadShop(s, shop, dir, cfg.gateway.country_code, embedded); !st) {
          return st.error();
        }
        // Every channel takes its customers and managers to one shop: a second one would be
        // stored but never reached.
        if (!cfg.shops.empty()) {
          return InvalidInput(Where(origin, s.line) + "[[shops]] '" + shop.code +
                              "': a gateway serves one shop ('" + cfg.shops.front().code +
                              "'); run a gateway, with its own database, for each shop");
        }
        cfg.shops.push_back(std::move(shop));
      }
    } else if (key == "ussd" && node.is_table()) {
      ConfigSection top;
      std::map<std::string, const toml::table*> nested;
      if (auto st = Flatten(*node.as_table(), origin, "ussd", top, &nested); !st) return st.error();
      if (auto st = SectionReader(top).Finish(); !st) return st.error();
      for (const auto& [name, table] : nested) {
        ConfigSection s;
        if (auto st = Flatten(*table, origin, "ussd." + name, s, nullptr); !st) return st.error();
        if (name == "africastalking") {
          if (auto st = ReadCallback(s, cfg.africastalking, &cfg.africastalking); !st) {
            return st.error();
          }
        } else if (name == "hubtel") {
          cfg.hubtel.enabled = true;
          if (auto st = ReadCallback(s, cfg.hubtel, nullptr); !st) return st.error();
        } else {
          return InvalidInput(Where(origin, s.line) + "unknown section [ussd." + name +
                              "] (known: [ussd.africastalking], [ussd.hubtel])");
        }
      }
    } else if (key == "sms" && node.is_table()) {
      ConfigSection top;
      std::map<std::string, const toml::table*> nested;
      if (auto st = Flatten(*node.as_table(), origin, "sms", top, &nested); !st) return st.error();
      SectionReader r(top);
      cfg.sms.channel = r.String("channel", "none");
      static const char* kChannels[] = {"none", "sim", "kannel", "modem", "smpp"};
      if (std::find_if(std::begin(kChannels), std::end(kChannels), [&](const char* c) {
            return cfg.sms.channel == c;
          }) == std::end(kChannels)) {
        r.Fail("channel", "must be one of sim, kannel, modem, smpp, none");
      }
      cfg.sms.retry_min = std::chrono::seconds(r.Int("retry_min_seconds", 5, 1, 3600));
      cfg.sms.retry_max = std::chrono::seconds(r.Int("retry_max_seconds", 300, 1, 86400));
      cfg.sms.max_attempts = static_cast<int>(r.Int("max_attempts", 20, 1, 1000));
      cfg.sms.replies_per_hour = static_cast<int>(r.Int("replies_per_hour", 3, 0, 100));
      if (auto st = r.Finish(); !st) return st.error();
      for (const auto& [name, table] : nested) {
        if (name != "kannel" && name != "modem" && name != "smpp") {
          return InvalidInput(Where(origin, static_cast<int>(table->source().begin.line)) +
                              "unknown section [sms." + name +
                              "] (known: [sms.kannel], [sms.modem], [sms.smpp])");
        }
        ConfigSection s;
        if (auto st = Flatten(*table, origin, "sms." + name, s, nullptr); !st) return st.error();
        cfg.channels["sms." + name] = std::move(s);
      }
    } else {
      return InvalidInput(Where(origin, line) + "unknown section '" + key +
                          "' (known: [gateway], [[shops]], [ussd.*], [sms])");
    }
  }
  if (cfg.shops.empty()) {
    return InvalidInput(origin + ": no shop: add a [[shops]] section with code and name");
  }
  if (cfg.sms.channel != "none" && cfg.sms.channel != "sim" &&
      !cfg.channels.count("sms." + cfg.sms.channel)) {
    return InvalidInput(origin + ": [sms] channel = \"" + cfg.sms.channel + "\" needs a [sms." +
                        cfg.sms.channel + "] section");
  }
  return cfg;
}

Result<Config> LoadConfig(const std::string& path) {
  if (path.empty()) {
    auto demo = EmbeddedFile("demo.toml");
    if (!demo) return Internal("built-in demo.toml missing");
    return ParseConfig(*demo, "built-in demo.toml", "");
  }
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return NotFound("config file " + path + " does not exist");
  }
  if (status.type() == std::filesystem::file_type::directory) {
    return InvalidInput(path + " is a folder, not a config file");
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidInput(path + ": cannot read the file" +
                        (errno != 0 ? std::string(": ") + std::strerror(errno) : ""));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto dir = std::filesystem::absolute(path).parent_path().string();
  return ParseConfig(ss.str(), path, dir);
}

}  // namespace pesan
