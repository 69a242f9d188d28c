// Builds the configured SMS channel and registers the HTTP routes it needs (Kannel posts MO
// messages and delivery reports to the gateway). The one place that knows every channel type.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "core/channel.h"
#include "gateway/config.h"
#include "gateway/http_server.h"

namespace pesan {

class SimChannel;

struct BuiltChannel {
  std::unique_ptr<SmsChannel> channel;  // null for channel = "none"
  SimChannel* sim = nullptr;            // set for channel = "sim"
};

// USSD sessions arriving through a channel (SMPP with ussd = true): one input at a time.
struct ChannelUssd {
  // key: unique per session; opening: the first hop (input = what was dialled after the code);
  // answer(text, end) exactly once.
  std::function<void(const std::string& key, const std::string& phone, const std::string& input,
                     bool opening, std::function<void(std::string, bool)> answer)>
      hop;
  std::function<void(const std::string& key)> release;
};

// Reads the channel's [sms.<name>] section and builds it on `ioc`; routes go on `http`.
Result<BuiltChannel> BuildChannel(const Config& config, boost::asio::io_context& ioc,
                                  ChannelEvents events, const Clock& clock, HttpServer& http,
                                  ChannelUssd ussd);

}  // namespace pesan
