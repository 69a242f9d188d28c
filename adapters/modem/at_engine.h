// The asynchronous AT engine: one command in flight over a ByteStream (ITU-T V.250 §5.2.1 — a
// new command only after the previous final result code), a bounded queue behind it, a
// deadline per command, unsolicited result codes to a handler, and the +CMGS prompt dance
// (3GPP TS 27.005 §3.5.1: command, "> ", PDU, Ctrl-Z).
//
// Threading: not thread-safe. Create it, call it and destroy it on one executor (a strand or a
// single-threaded io_context): every callback runs there. Lifetime: shared; pending operations
// keep it alive, Close() ends them.
//
// Failure policy: a read or write error, end of stream or a command that misses its deadline
// (unless it says it may go unanswered) closes the engine (a hung or vanished modem cannot be
// trusted to answer the next command in order); every pending callback then gets an Error and the
// closed handler runs once.
#pragma once

#include <array>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/modem/at_parser.h"
#include "adapters/modem/byte_stream.h"
#include "core/result.h"

namespace spdlog {
class logger;
}

namespace pesan::modem {

struct AtCommand {
  std::string text;             // without the trailing CR, e.g. "AT+CMGL=4"
  std::string response_prefix;  // information lines start with this, e.g. "+CMGL:"
  std::string pdu;              // +CMGS/+CMGW: the hex PDU sent after the prompt
  std::chrono::milliseconds timeout{5000};
  // A wake-up "AT" that a sleeping modem may swallow (PROTOCOLS.md §3.2 step 1): its timeout
  // is reported to its callback but does not close the engine. Not for commands with a PDU.
  bool may_go_unanswered = false;
};

struct AtReply {
  FinalResult final;               // OK, ERROR, +CMS ERROR: n ...
  std::vector<std::string> lines;  // information lines, echo removed
};

// kTimeout: no final result in time; kUnavailable: the engine closed or its queue is full.
using AtCallback = std::function<void(Result<AtReply>)>;

class AtEngine : public std::enable_shared_from_this<AtEngine> {
 public:
  struct Options {
    size_t max_queue = 32;  // commands waiting behind the one in flight
  };
  static std::shared_ptr<AtEngine> Create(boost::asio::any_io_executor ex,
                                          std::unique_ptr<ByteStream> stream, Options options,
                                          std::shared_ptr<spdlog::logger> log);
  ~AtEngine();

  // Unsolicited result codes (and stray lines arriving with no command in flight).
  void SetUnsolicitedHandler(std::function<void(const AtEvent&)> h) { on_urc_ = std::move(h); }
  // Runs once when the engine closes by itself (stream error, EOF, timeout), not after Close().
  void SetClosedHandler(std::function<void(const Error&)> h) { on_closed_ = std::move(h); }

  // Starts reading. Call once.
  void Start();
  // Queues a command; `cb` runs exactly once (never from inside this call).
  void Send(AtCommand cmd, AtCallback cb);
  // Closes the stream; pending callbacks get kUnavailable. Idempotent.
  void Close();

  bool closed() const { return closed_; }
  size_t queued() const { return queue_.size() + (current_ ? 1 : 0); }

 private:
  struct Pending {
    AtCommand cmd;
    AtCallback cb;
    std::vector<std::string> lines;
    bool pdu_sent = false;
  };

  AtEngine(boost::asio::any_io_executor ex, std::unique_ptr<ByteStream> stream, Options options,
           std::shared_ptr<spdlog::logger> log);
  void DoRead();
  void OnRead(const boost::system::error_code& ec, size_t n);
  void HandleEvent(AtEvent& ev);
  void MaybeStartNext();
  void Write(std::string data);
  void DoWrite();
  void Complete(Result<AtReply> r);
  void Fail(const Error& e);                   // closes and notifies the closed handler
  void CloseWith(const Error& current_error);  // the command in flight gets `current_error`
  AtContext Context() const;
  void Post(AtCallback cb, Result<AtReply> r);

  boost::asio::any_io_executor ex_;
  std::unique_ptr<ByteStream> stream_;
  Options options_;
  std::shared_ptr<spdlog::logger> log_;
  AtParser parser_;
  std::array<char, 512> read_buf_{};
  std::deque<std::string> writes_;
  bool writing_ = false;
  std::deque<Pending> queue_;
  std::optional<Pending> current_;
  boost::asio::steady_timer timer_;
  uint64_t command_seq_ = 0;  // tells a stale timer from the current command's
  bool started_ = false;
  bool closed_ = false;
  std::function<void(const AtEvent&)> on_urc_;
  std::function<void(const Error&)> on_closed_;
};

}  // namespace pesan::modem
