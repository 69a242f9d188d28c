// Builds the configured SMS channel and registers the HTTP routes it needs (Kannel posts MO
// messages and delivery reports to the gateway). The one place that knows every channel type.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "core/channel.h"
#include "gateway/config.h"
#include "gateway/http_server.h"

namespace pesan {

class SimChannel;

struct BuiltChannel {
  std::unique_ptr<SmsChannel> channel;  // null for channel = "none"
  SimChannel* sim = nullptr;            // set for channel = "sim"
};

// Reads the channel's [sms.<name>] section and builds it on `ioc`; routes go on `http`.
Result<BuiltChannel> BuildChannel(const Config& config, boost::asio::io_context& ioc,
                                  ChannelEvents events, const Clock& clock, HttpServer& http);

}  // namespace pesan
