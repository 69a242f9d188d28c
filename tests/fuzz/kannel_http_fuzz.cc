// Fuzzes Kannel's HTTP interfaces: the input is a query string as Kannel (or anyone reaching the
// gateway's port) would send it, and also a URL, a sendsms answer and a text to send.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/kannel/kannel_http.h"
#include "core/gsm_text.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pesan;
  using namespace pesan::kannel;
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  if (auto fields = ParseForm(in); fields.ok()) {
    if (auto sms = ParseMoRequest(*fields); sms.ok()) {
      Check(IsValidUtf8(sms->text));
      Check(IsValidUtf8(sms->from));
      Check(IsValidUtf8(sms->to));
      Check(!sms->from.empty());
    }
    if (auto r = ParseDeliveryReport(*fields); r.ok()) {
      Check(IsValidUtf8(r->detail));
      Check(r->detail.size() < 260);
      Check(!r->provider_id.empty());
    }
    TokenMatches(*fields, "tok");
  }

  if (auto url = ParseHttpUrl(in); url.ok()) {
    Check(!url->host.empty());
    Check(url->port != 0);
    Check(!url->target.empty() && url->target[0] == '/');
  }

  // A sendsms answer: the first byte picks a status.
  const int status = size > 0 ? 100 + data[0] * 2 : 200;
  SendResult r = InterpretSendsmsAnswer(status, in.substr(size > 0 ? 1 : 0), "7");
  Check(IsValidUtf8(r.reason));
  Check((r.kind == SendResult::Kind::kAccepted) == !r.provider_id.empty());

  // Whatever the text, what smsbox decodes is the text in the coding announced.
  SendsmsParams p;
  p.username = "u";
  p.password = std::string(in.substr(0, 8));
  p.to = "+62812";
  p.text = std::string(in);
  p.dlr_mask = kDefaultDlrMask;
  p.dlr_url = BuildDlrUrl("http://127.0.0.1:8080", "/sms/kannel", 1, "t");
  auto q = ParseForm(BuildSendsmsQuery(p));
  Check(q.ok());
  const std::string* text = FindField(*q, "text");
  const std::string* coding = FindField(*q, "coding");
  Check(text && coding);
  if (*coding == "0") {
    Check(*text == p.text && IsGsm7(p.text));
  } else {
    Check(*coding == "2" && *text == Utf8ToUtf16Be(p.text));
  }
  Check(*FindField(*q, "dlr-url") == p.dlr_url);
  Check(*FindField(*q, "password") == p.password);
  return 0;
}
