// The byte-stream seam under the AT engine: a serial port for real modems (and for the modem
// emulator's pseudo-terminal), anything else in tests.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"

namespace pesan::modem {

class ByteStream {
 public:
  using Handler = std::function<void(const boost::system::error_code&, std::size_t)>;
  virtual ~ByteStream() = default;
  // Reads at least one byte into `buf`; the buffer must stay valid until `h` runs. Errors
  // (EOF, EIO when a USB modem vanishes) end the stream. `h` runs on the stream's executor.
  virtual void AsyncReadSome(boost::asio::mutable_buffer buf, Handler h) = 0;
  // Writes all of `data`, which must stay valid until `h` runs.
  virtual void AsyncWrite(boost::asio::const_buffer data, Handler h) = 0;
  // Closes the device; pending operations complete with operation_aborted.
  virtual void Close() = 0;
};

// Opens a serial device (8N1, no flow control, raw) at `baud`. Completions run on `ex`. A
// device that is not there (no such path, or a node without its device: unplugged) is
// NotFound; any other failure (permissions, busy) is Unavailable.
Result<std::unique_ptr<ByteStream>> OpenSerial(boost::asio::any_io_executor ex,
                                               const std::string& device, unsigned baud);

}  // namespace pesan::modem
