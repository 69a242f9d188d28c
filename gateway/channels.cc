#include "gateway/channels.h"

#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include "adapters/hubtel/hubtel_ussd.h"
#include "adapters/kannel/kannel_channel.h"
#include "adapters/modem/modem_channel.h"
#include "adapters/sim/sim_channel.h"
#include "adapters/smpp/smpp_config.h"
#include "gateway/modem_settings.h"

namespace pesan {
namespace {

// An adapter's "key: what is wrong" (or "[section] key: ..."), as "file:line: [section] key:
// what is wrong" with the line of that key (the section's when the key is not in the file).
Error SectionError(const ConfigSection& s, std::string message) {
  const std::string prefix = "[" + s.name + "] ";
  if (message.starts_with(prefix)) message.erase(0, prefix.size());
  int line = s.line;
  constexpr std::string_view kUnknown = "unknown key '";
  if (message.starts_with(kUnknown)) {
    auto end = message.find('\'', kUnknown.size());
    if (auto it = s.values.find(message.substr(kUnknown.size(), end - kUnknown.size()));
        it != s.values.end()) {
      line = it->second.line;
    }
  } else if (auto colon = message.find(':'); colon != std::string::npos) {
    if (auto it = s.values.find(message.substr(0, colon)); it != s.values.end()) {
      line = it->second.line;
    }
  }
  return InvalidInput(s.origin + ":" + std::to_string(line) + ": " + prefix + message);
}

Result<kannel::KannelConfig> ReadKannel(const Config& config) {
  const ConfigSection& s = config.channels.at("sms.kannel");
  SectionReader r(s);
  kannel::KannelConfig k;
  k.path = r.String("path", k.path);
  k.sendsms_url = r.String("sendsms_url", k.sendsms_url);
  k.username = r.String("username");
  k.password = r.String("password");
  k.sender = r.String("sender");
  k.token = r.String("token");
  k.dlr_url = r.String("dlr_url", config.gateway.public_url);
  k.dlr_mask = static_cast<int>(r.Int("dlr_mask", k.dlr_mask, 0, 31));
  k.request_timeout = r.Millis("request_timeout_ms", k.request_timeout);
  k.max_in_flight = static_cast<size_t>(r.Int("max_in_flight", 8, 1, 256));
  k.country_code = config.gateway.country_code;
  if (auto st = r.Finish(); !st) return st.error();
  if (auto st = kannel::ValidateConfig(k); !st) return SectionError(s, st.error().message);
  return k;
}

// The section as a TOML table, for readers that take one.
toml::table ToToml(const ConfigSection& s) {
  toml::table t;
  for (const auto& entry : s.values) {
    const std::string& key = entry.first;  // named, not bound: lambdas capture it (clang 14)
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            toml::array a;
            for (const auto& e : x) a.push_back(e);
            t.insert(key, std::move(a));
          } else {
            t.insert(key, x);
          }
        },
        entry.second.value);
  }
  return t;
}

Result<smpp::SmppConfig> ReadSmpp(const Config& config) {
  const ConfigSection& s = config.channels.at("sms.smpp");
  auto parsed = smpp::ParseSmppConfig(ToToml(s));
  if (!parsed) return SectionError(s, parsed.error().message);
  return parsed;
}

}  // namespace

Result<BuiltChannel> BuildChannel(const Config& config, boost::asio::io_context& ioc,
                                  ChannelEvents events, const Clock& clock, HttpServer& http,
                                  ChannelUssd ussd) {
  BuiltChannel out;
  const std::string& name = config.sms.channel;
  if (name == "none") return out;
  if (name == "sim") {
    auto sim = std::make_unique<SimChannel>();
    out.sim = sim.get();
    out.channel = std::move(sim);
    return out;
  }
  if (name == "kannel") {
    auto k = ReadKannel(config);
    if (!k) return k.error();
    std::string path = k->path;
    auto channel = std::make_unique<kannel::KannelChannel>(ioc, std::move(*k), std::move(events),
                                                           clock, spdlog::default_logger());
    auto* raw = channel.get();
    auto handler = [raw](const HttpRequest& req, HttpReply reply) {
      std::string target = req.path + (req.query.empty() ? "" : "?" + req.query);
      raw->HandleHttpRequest(target, req.body, [reply](kannel::HttpAnswer a) {
        reply({a.status, "text/plain; charset=utf-8", a.body});
      });
    };
    http.Route(path, handler);
    http.Route(path + "/dlr", handler);
    out.channel = std::move(channel);
    return out;
  }
  if (name == "modem") {
    auto m = ReadModemSettings(config);
    if (!m) return m.error();
    out.channel = std::make_unique<modem::ModemChannel>(ioc, std::move(*m), std::move(events),
                                                        clock, spdlog::default_logger());
    return out;
  }
  if (name == "smpp") {
    auto c = ReadSmpp(config);
    if (!c) return c.error();
    smpp::SmppUssdHandler handler;
    if (c->ussd && ussd.hop) {
      handler = [ussd](smpp::SmppUssdRequest req, smpp::SmppUssdAnswer answer) {
        const std::string key = "smpp:" + req.session_key;
        switch (req.phase) {
          case smpp::SmppUssdRequest::Phase::kRelease:
            ussd.release(key);
            return;
          case smpp::SmppUssdRequest::Phase::kBegin:
            ussd.hop(key, req.phone, hubtel::InputsOfDialString(req.text), true, std::move(answer));
            return;
          case smpp::SmppUssdRequest::Phase::kContinue:
            ussd.hop(key, req.phone, req.text, false, std::move(answer));
            return;
        }
      };
    }
    out.channel = std::make_unique<smpp::SmppChannel>(ioc, std::move(*c), std::move(events),
                                                      spdlog::default_logger(), clock, handler);
    return out;
  }
  return InvalidInput(config.origin + ": [sms] channel \"" + name +
                      "\" is not available in this build");
}

}  // namespace pesan
