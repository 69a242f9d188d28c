#include <boost/asio/serial_port.hpp>
#include <boost/asio/write.hpp>

#include "adapters/modem/byte_stream.h"

namespace pesan::modem {
namespace {

class SerialStream final : public ByteStream {
 public:
  explicit SerialStream(boost::asio::serial_port port) : port_(std::move(port)) {}
  ~SerialStream() override { Close(); }

  void AsyncReadSome(boost::asio::mutable_buffer buf, Handler h) override {
    port_.async_read_some(buf, std::move(h));
  }
  void AsyncWrite(boost::asio::const_buffer data, Handler h) override {
    boost::asio::async_write(port_, data, std::move(h));
  }
  void Close() override {
    boost::system::error_code ec;
    port_.close(ec);
  }

 private:
  boost::asio::serial_port port_;
};

}  // namespace

Result<std::unique_ptr<ByteStream>> OpenSerial(boost::asio::any_io_executor ex,
                                               const std::string& device, unsigned baud) {
  boost::asio::serial_port port(ex);
  boost::system::error_code ec;
  // Asio puts the line in raw mode on open (no echo, no canonical input, no CR/NL mapping).
  port.open(device, ec);
  if (ec) {
    std::string why = "cannot open " + device + ": " + ec.message();
    namespace errc = boost::system::errc;
    if (ec == errc::no_such_file_or_directory || ec == errc::no_such_device ||
        ec == errc::no_such_device_or_address) {
      return NotFound(std::move(why));
    }
    return Unavailable(std::move(why));
  }
  using SP = boost::asio::serial_port_base;
  port.set_option(SP::baud_rate(baud), ec);
  if (ec)
    return Unavailable("cannot set " + std::to_string(baud) + " baud on " + device + ": " +
                       ec.message());
  // Options a pseudo-terminal may refuse are not worth failing over.
  port.set_option(SP::character_size(8), ec);
  port.set_option(SP::parity(SP::parity::none), ec);
  port.set_option(SP::stop_bits(SP::stop_bits::one), ec);
  port.set_option(SP::flow_control(SP::flow_control::none), ec);
  return std::unique_ptr<ByteStream>(new SerialStream(std::move(port)));
}

}  // namespace pesan::modem
