#include "gateway/channels.h"

#include <spdlog/spdlog.h>

#include "adapters/kannel/kannel_channel.h"
#include "adapters/sim/sim_channel.h"

namespace pesan {
namespace {

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
  if (auto st = kannel::ValidateConfig(k); !st) {
    return InvalidInput(s.origin + ":" + std::to_string(s.line) + ": [sms.kannel] " +
                        st.error().message);
  }
  return k;
}

}  // namespace

Result<BuiltChannel> BuildChannel(const Config& config, boost::asio::io_context& ioc,
                                  ChannelEvents events, const Clock& clock, HttpServer& http) {
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
  return InvalidInput(config.origin + ": [sms] channel \"" + name +
                      "\" is not available in this build");
}

}  // namespace pesan
