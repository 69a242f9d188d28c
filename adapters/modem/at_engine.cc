#include "adapters/modem/at_engine.h"

#include <spdlog/spdlog.h>
#include <strings.h>

#include <boost/asio/post.hpp>

namespace pesan::modem {

std::shared_ptr<AtEngine> AtEngine::Create(boost::asio::any_io_executor ex,
                                           std::unique_ptr<ByteStream> stream, Options options,
                                           std::shared_ptr<spdlog::logger> log) {
  return std::shared_ptr<AtEngine>(
      new AtEngine(std::move(ex), std::move(stream), options, std::move(log)));
}

AtEngine::AtEngine(boost::asio::any_io_executor ex, std::unique_ptr<ByteStream> stream,
                   Options options, std::shared_ptr<spdlog::logger> log)
    : ex_(ex), stream_(std::move(stream)), options_(options), log_(std::move(log)), timer_(ex) {}

AtEngine::~AtEngine() {
  if (stream_) stream_->Close();
}

void AtEngine::Start() {
  if (started_ || closed_) return;
  started_ = true;
  DoRead();
  MaybeStartNext();
}

void AtEngine::Post(AtCallback cb, Result<AtReply> r) {
  boost::asio::post(ex_, [cb = std::move(cb), r = std::move(r)]() mutable { cb(std::move(r)); });
}

void AtEngine::Send(AtCommand cmd, AtCallback cb) {
  if (closed_) {
    Post(std::move(cb), Unavailable("modem link closed"));
    return;
  }
  if (queue_.size() >= options_.max_queue) {
    Post(std::move(cb), Unavailable("AT command queue full"));
    return;
  }
  queue_.push_back(Pending{std::move(cmd), std::move(cb), {}, false});
  MaybeStartNext();
}

void AtEngine::Close() { CloseWith(Unavailable("modem link closed")); }

void AtEngine::CloseWith(const Error& current_error) {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  if (stream_) stream_->Close();
  if (current_) {
    Post(std::move(current_->cb), current_error);
    current_.reset();
  }
  while (!queue_.empty()) {
    Post(std::move(queue_.front().cb), Unavailable("modem link closed"));
    queue_.pop_front();
  }
}

void AtEngine::Fail(const Error& e) {
  if (closed_) return;
  log_->warn("modem link failed: {}", e.message);
  CloseWith(e);
  if (auto h = on_closed_) h(e);
}

AtContext AtEngine::Context() const {
  AtContext ctx;
  if (current_) {
    ctx.command_pending = true;
    ctx.response_prefix = current_->cmd.response_prefix;
    ctx.expect_prompt = !current_->cmd.pdu.empty() && !current_->pdu_sent;
  }
  return ctx;
}

void AtEngine::MaybeStartNext() {
  if (!started_ || closed_ || current_ || queue_.empty()) return;
  current_ = std::move(queue_.front());
  queue_.pop_front();
  uint64_t seq = ++command_seq_;
  log_->debug("modem <- {}", current_->cmd.text);
  Write(current_->cmd.text + "\r");
  timer_.expires_after(current_->cmd.timeout);
  timer_.async_wait([self = shared_from_this(), seq](const boost::system::error_code& ec) {
    if (ec || self->closed_ || !self->current_ || self->command_seq_ != seq) return;
    if (self->current_->cmd.may_go_unanswered && self->current_->cmd.pdu.empty()) {
      self->log_->debug("modem: no answer to {}", self->current_->cmd.text);
      self->Complete(Error{ErrorCode::kTimeout, "no answer to " + self->current_->cmd.text});
      return;
    }
    self->Fail({ErrorCode::kTimeout, "no answer to " + self->current_->cmd.text + " in " +
                                         std::to_string(self->current_->cmd.timeout.count()) +
                                         " ms"});
  });
}

void AtEngine::Write(std::string data) {
  writes_.push_back(std::move(data));
  if (!writing_) DoWrite();
}

void AtEngine::DoWrite() {
  if (closed_ || writes_.empty()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  const std::string& front = writes_.front();
  stream_->AsyncWrite(boost::asio::buffer(front),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        if (self->closed_) return;
                        if (ec) {
                          self->Fail(Unavailable("write to modem failed: " + ec.message()));
                          return;
                        }
                        self->writes_.pop_front();
                        self->DoWrite();
                      });
}

void AtEngine::DoRead() {
  stream_->AsyncReadSome(boost::asio::buffer(read_buf_),
                         [self = shared_from_this()](const boost::system::error_code& ec,
                                                     size_t n) { self->OnRead(ec, n); });
}

void AtEngine::OnRead(const boost::system::error_code& ec, size_t n) {
  if (closed_) return;
  if (ec) {
    Fail(Unavailable("read from modem failed: " + ec.message()));
    return;
  }
  // Feed one line at a time so that each line is classified against the command in flight
  // at that moment (a final result code may complete it in the middle of the chunk).
  std::string_view data(read_buf_.data(), n);
  std::vector<AtEvent> events;
  while (!data.empty() && !closed_) {
    size_t end = data.find_first_of("\r\n>");
    size_t take = end == std::string_view::npos ? data.size() : end + 1;
    events.clear();
    parser_.Feed(data.substr(0, take), Context(), &events);
    data.remove_prefix(take);
    for (auto& ev : events) {
      if (closed_) break;
      HandleEvent(ev);
    }
  }
  if (!closed_) DoRead();
}

void AtEngine::HandleEvent(AtEvent& ev) {
  switch (ev.kind) {
    case AtEvent::Kind::kPrompt:
      if (current_ && !current_->cmd.pdu.empty() && !current_->pdu_sent) {
        current_->pdu_sent = true;
        log_->debug("modem <- PDU ({} hex chars) + Ctrl-Z", current_->cmd.pdu.size());
        // 27.005 §3.5.1: the PDU is ended by <ctrl-Z> (IRA 26), not by CR.
        Write(current_->cmd.pdu + "\x1A");
      }
      return;
    case AtEvent::Kind::kFinal:
      if (!current_) {
        log_->debug("modem -> {} (no command in flight, ignored)", ev.line);
        return;
      }
      log_->debug("modem -> {}", ev.line);
      Complete(AtReply{ev.final, std::move(current_->lines)});
      return;
    case AtEvent::Kind::kInfo:
      if (current_) {
        // Echo (ATE1, before our ATE0 takes effect) repeats the command: not an answer.
        if (strcasecmp(ev.line.c_str(), current_->cmd.text.c_str()) == 0) return;
        log_->debug("modem -> {}", ev.line);
        current_->lines.push_back(std::move(ev.line));
        return;
      }
      [[fallthrough]];
    case AtEvent::Kind::kUnsolicited:
      log_->debug("modem -> {}{}", ev.line, ev.pdu.empty() ? "" : " (+PDU)");
      if (on_urc_) on_urc_(ev);
      return;
  }
}

void AtEngine::Complete(Result<AtReply> r) {
  timer_.cancel();
  ++command_seq_;
  AtCallback cb = std::move(current_->cb);
  current_.reset();
  cb(std::move(r));
  MaybeStartNext();
}

}  // namespace pesan::modem
