// The [sms.modem] section of the config, read into the modem channel's settings.
#pragma once

#include "adapters/modem/modem_channel.h"
#include "gateway/config.h"

namespace pesan {

Result<modem::ModemConfig> ReadModemSettings(const Config& config);

}  // namespace pesan
