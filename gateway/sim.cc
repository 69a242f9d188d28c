// `pesan sim`: a feature phone in the terminal. It dials the USSD code and sends SMS to a
// running gateway over the same HTTP callbacks an aggregator uses, and shows the SMS the
// gateway sends to the simulated phones (the demo's SMS channel is the simulator).
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "core/form.h"
#include "gateway/commands.h"

namespace pesan {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

struct Target {
  std::string host, port, base;
};

bool ParseUrl(const std::string& url, Target& t) {
  std::string rest = url;
  if (rest.starts_with("http://")) rest = rest.substr(7);
  auto slash = rest.find('/');
  t.base = slash == std::string::npos ? "" : rest.substr(slash);
  if (!t.base.empty() && t.base.back() == '/') t.base.pop_back();
  rest = rest.substr(0, slash);
  auto colon = rest.rfind(':');
  t.host = rest.substr(0, colon);
  t.port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  return !t.host.empty();
}

// One request; returns {status, body} or status 0 with the error in body.
std::pair<int, std::string> Request(const Target& t, http::verb verb, const std::string& path,
                                    const std::string& form) {
  try {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(resolver.resolve(t.host, t.port));
    http::request<http::string_body> req{verb, t.base + path, 11};
    req.set(http::field::host, t.host);
    if (verb == http::verb::post) {
      req.set(http::field::content_type, "application/x-www-form-urlencoded");
      req.body() = form;
      req.prepare_payload();
    }
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return {res.result_int(), res.body()};
  } catch (const std::exception& e) {
    return {0, e.what()};
  }
}

class Phone {
 public:
  Phone(Target t, std::string customer, std::string manager)
      : t_(std::move(t)), customer_(std::move(customer)), manager_(std::move(manager)) {}

  int Run() {
    std::cout << "Pesan phone simulator, gateway http://" << t_.host << ":" << t_.port << t_.base
              << "\n";
    Help();
    std::string line;
    while (Prompt(), std::getline(std::cin, line)) {
      if (line == "q" || line == "quit") break;
      if (line == "d" || line == "dial") {
        Dial();
      } else if (line.starts_with("s ")) {
        Sms(line.substr(2));
      } else if (line == "i" || line == "inbox") {
        Inbox(true);
      } else if (line == "m") {
        current_ = &manager_;
        std::cout << "now on the manager's phone " << manager_ << "\n";
        Inbox(true);
      } else if (line == "c") {
        current_ = &customer_;
        std::cout << "now on the customer's phone " << customer_ << "\n";
        Inbox(true);
      } else if (!line.empty()) {
        Help();
      }
    }
    return 0;
  }

 private:
  void Help() {
    std::cout << "  d          dial *123# (then type the numbers the screen offers;\n"
                 "             an empty line hangs up)\n"
                 "  s TEXT     send an SMS to the shop, e.g. s PESAN B1 2\n"
                 "  i          show this phone's SMS inbox\n"
                 "  m / c      switch to the manager's / the customer's phone\n"
                 "  q          quit\n";
  }
  void Prompt() { std::cout << "[" << *current_ << "] > " << std::flush; }

  void Dial() {
    std::mt19937_64 rng(std::random_device{}());
    std::string session = "sim" + std::to_string(rng() % 1000000000);
    std::string text;
    while (true) {
      std::string form = "sessionId=" + session + "&serviceCode=" + UrlEncode("*123#") +
                         "&phoneNumber=" + UrlEncode(*current_) +
                         "&networkCode=51010&text=" + UrlEncode(text);
      auto [status, body] = Request(t_, http::verb::post, "/ussd/africastalking", form);
      if (status != 200) {
        std::cout << "(gateway answered " << status << ": " << body << ")\n";
        return;
      }
      bool more = body.starts_with("CON ");
      std::cout << "+----------------------\n" << body.substr(4) << "\n+----------------------\n";
      if (!more) break;
      std::string input;
      std::cout << "reply (empty line hangs up)> " << std::flush;
      if (!std::getline(std::cin, input)) return;
      // A phone's red key: the session is left to time out at the gateway, as a network does.
      if (input.find_first_not_of(" \t\r") == std::string::npos) {
        std::cout << "(hung up)\n";
        return;
      }
      text += (text.empty() ? "" : "*") + input;
    }
    Inbox(false);
  }

  void Sms(const std::string& text) {
    auto [status, body] = Request(t_, http::verb::post, "/sim/sms",
                                  "from=" + UrlEncode(*current_) + "&text=" + UrlEncode(text));
    if (status != 200) {
      std::cout << "(gateway answered " << status << ": " << body << ")\n";
      return;
    }
    Inbox(false);
  }

  void Inbox(bool say_empty) {
    for (auto* phone : {&customer_, &manager_}) {
      auto [status, body] = Request(
          t_, http::verb::get,
          "/sim/inbox?phone=" + UrlEncode(*phone) + "&after=" + std::to_string(seen_[phone]), "");
      if (status != 200) {
        if (phone == current_) std::cout << "(inbox unavailable: " << status << ")\n";
        continue;
      }
      auto list = nlohmann::json::parse(body, nullptr, false);
      if (!list.is_array()) continue;
      if (phone != current_) {
        if (!list.empty()) {
          std::cout << "(" << list.size() << " new SMS on " << *phone << ", press "
                    << (phone == &manager_ ? "m" : "c") << " to see them)\n";
        }
        continue;
      }
      if (list.empty() && say_empty) std::cout << "(no new SMS)\n";
      for (const auto& m : list) {
        std::cout << "SMS> " << m.value("text", "") << "\n";
        seen_[phone] = std::max(seen_[phone], m.value("seq", 0LL));
      }
    }
  }

  Target t_;
  std::string customer_, manager_;
  std::string* current_ = &customer_;
  std::map<std::string*, long long> seen_;
};

}  // namespace

int RunSim(const std::string& url, const std::string& phone, const std::string& manager) {
  Target t;
  if (!ParseUrl(url, t)) {
    std::cerr << "pesan: --url '" << url << "' is not http://HOST:PORT\n";
    return 1;
  }
  return Phone(t, phone, manager).Run();
}

}  // namespace pesan
