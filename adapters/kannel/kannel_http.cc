#include "adapters/kannel/kannel_http.h"

#include <algorithm>
#include <charconv>

#include "core/gsm_text.h"
#include "core/phone.h"
#include "core/text_util.h"

namespace pesan::kannel {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::optional<long long> ParseInteger(std::string_view s) {
  s = Trim(s);
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// Bytes that are not valid UTF-8 keep what is readable: invalid sequences become U+FFFD.
std::string LenientUtf8(std::string_view bytes) {
  return IsValidUtf8(bytes) ? std::string(bytes) : EncodeUtf8(DecodeUtf8(bytes));
}

std::string Latin1ToUtf8(std::string_view bytes) {
  std::u32string cps;
  cps.reserve(bytes.size());
  for (unsigned char c : bytes) cps.push_back(c);
  return EncodeUtf8(cps);
}

// WINDOWS-1252 differs from ISO-8859-1 in 0x80..0x9F (WHATWG Encoding, index-windows-1252; the
// five unassigned bytes map to the C1 controls of the same value).
std::string Windows1252ToUtf8(std::string_view bytes) {
  static constexpr char16_t kHigh[32] = {
      0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
      0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
      0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
  std::u32string cps;
  cps.reserve(bytes.size());
  for (unsigned char c : bytes) cps.push_back(c >= 0x80 && c < 0xA0 ? kHigh[c - 0x80] : c);
  return EncodeUtf8(cps);
}

Result<std::string> DecodeMoText(const std::string& text, const std::string* coding,
                                 const std::string* charset) {
  std::string_view cs = charset ? Trim(*charset) : std::string_view();
  if (coding && !Trim(*coding).empty()) {
    auto c = ParseInteger(*coding);
    if (!c || *c < -1 || *c > 2) return InvalidInput("coding: unknown value '" + *coding + "'");
    // 23.038 §6.2.3: UCS-2 user data, which Kannel passes on as UTF-16BE.
    if (*c == 2) return Utf16BeToUtf8(text);
  }
  if (cs.empty() || EqualsIgnoreCase(cs, "UTF-8") || EqualsIgnoreCase(cs, "UTF8") ||
      EqualsIgnoreCase(cs, "GSM")) {
    return LenientUtf8(text);
  }
  if (EqualsIgnoreCase(cs, "UTF-16BE") || EqualsIgnoreCase(cs, "UCS-2") ||
      EqualsIgnoreCase(cs, "UCS2")) {
    return Utf16BeToUtf8(text);
  }
  if (EqualsIgnoreCase(cs, "ISO-8859-1") || EqualsIgnoreCase(cs, "LATIN1") ||
      EqualsIgnoreCase(cs, "ISO8859-1")) {
    return Latin1ToUtf8(text);
  }
  if (EqualsIgnoreCase(cs, "WINDOWS-1252") || EqualsIgnoreCase(cs, "CP1252")) {
    return Windows1252ToUtf8(text);
  }
  if (EqualsIgnoreCase(cs, "8-BIT") || EqualsIgnoreCase(cs, "binary")) {
    return IsValidUtf8(text) ? text : Latin1ToUtf8(text);
  }
  if (IsValidUtf8(text)) return text;
  return InvalidInput("charset: cannot read text in '" + std::string(cs) + "'");
}

const char* DlrTypeName(int type) {
  switch (type) {
    case kDlrDelivered:
      return "delivered";
    case kDlrUndelivered:
      return "not delivered";
    case kDlrBuffered:
      return "buffered on SMSC";
    case kDlrSmscAccepted:
      return "accepted by SMSC";
    case kDlrSmscRejected:
      return "rejected by SMSC";
  }
  return "unknown";
}

constexpr size_t kMaxDetail = 200;

}  // namespace

Result<InboundSms> ParseMoRequest(const FormFields& fields, std::string_view country_code) {
  const std::string* from = FindField(fields, "from");
  if (!from) return InvalidInput("from: missing");
  if (Trim(*from).empty()) return InvalidInput("from: empty");
  const std::string* text = FindField(fields, "text");
  if (!text) return InvalidInput("text: missing");
  auto decoded = DecodeMoText(*text, FindField(fields, "coding"), FindField(fields, "charset"));
  if (!decoded.ok()) return decoded.error();

  InboundSms sms;
  auto e164 = NormalizePhone(*from, country_code);
  sms.from = e164.ok() ? std::move(*e164) : LenientUtf8(Trim(*from));
  if (const std::string* to = FindField(fields, "to")) sms.to = LenientUtf8(Trim(*to));
  if (const std::string* id = FindField(fields, "id")) sms.provider_id = LenientUtf8(Trim(*id));
  sms.text = std::move(*decoded);
  return sms;
}

std::string BuildDlrUrl(std::string_view base, std::string_view path, long long outbox_id,
                        std::string_view token) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string url(base);
  if (path.empty() || path.front() != '/') url += '/';
  url += path;
  while (!url.empty() && url.back() == '/') url.pop_back();
  // Kannel replaces %d (event), %A (SMSC answer), %T (time) and %F (SMSC message id).
  url += "/dlr?id=" + std::to_string(outbox_id) + "&st=%d&ans=%A&ts=%T&fid=%F";
  if (!token.empty()) url += "&token=" + std::string(token);
  return url;
}

DeliveryState DlrTypeToState(int dlr_type) {
  switch (dlr_type) {
    case kDlrDelivered:
      return DeliveryState::kDelivered;
    case kDlrUndelivered:
    case kDlrSmscRejected:
      return DeliveryState::kFailed;
    default:
      return DeliveryState::kPending;
  }
}

Result<DeliveryReport> ParseDeliveryReport(const FormFields& fields) {
  const std::string* id = FindField(fields, "id");
  if (!id) return InvalidInput("id: missing");
  auto outbox_id = ParseInteger(*id);
  if (!outbox_id || *outbox_id <= 0) return InvalidInput("id: not an outbox id");
  const std::string* st = FindField(fields, "st");
  if (!st) return InvalidInput("st: missing");
  auto type = ParseInteger(*st);
  if (!type || (*type != kDlrDelivered && *type != kDlrUndelivered && *type != kDlrBuffered &&
                *type != kDlrSmscAccepted && *type != kDlrSmscRejected)) {
    return InvalidInput("st: unknown DLR type '" + LenientUtf8(st->substr(0, 20)) + "'");
  }
  DeliveryReport r;
  r.provider_id = std::to_string(*outbox_id);
  r.state = DlrTypeToState(static_cast<int>(*type));
  r.detail = "kannel " + std::to_string(*type) + " " + DlrTypeName(static_cast<int>(*type));
  if (const std::string* ans = FindField(fields, "ans"); ans && !Trim(*ans).empty()) {
    std::string a = LenientUtf8(Trim(*ans));
    if (a.size() > kMaxDetail) {
      a.resize(kMaxDetail);
      a = LenientUtf8(a);  // a cut through a character
    }
    r.detail += ": " + a;
  }
  return r;
}

std::string BuildSendsmsQuery(const SendsmsParams& p) {
  std::string q = "username=" + UrlEncode(p.username) + "&password=" + UrlEncode(p.password);
  if (!p.from.empty()) q += "&from=" + UrlEncode(p.from);
  q += "&to=" + UrlEncode(p.to);
  if (IsGsm7(p.text)) {
    q += "&text=" + UrlEncode(p.text) + "&coding=0&charset=UTF-8";
  } else {
    q += "&text=" + UrlEncode(Utf8ToUtf16Be(p.text)) + "&coding=2&charset=UTF-16BE";
  }
  if (p.dlr_mask != 0 && !p.dlr_url.empty()) {
    q += "&dlr-mask=" + std::to_string(p.dlr_mask) + "&dlr-url=" + UrlEncode(p.dlr_url);
  }
  return q;
}

std::string BuildSendsmsUrl(std::string_view sendsms_url, const SendsmsParams& p) {
  std::string url(sendsms_url);
  url += url.find('?') == std::string::npos ? '?' : '&';
  return url + BuildSendsmsQuery(p);
}

SendResult InterpretSendsmsAnswer(int http_status, std::string_view body,
                                  std::string_view provider_id) {
  std::string_view b = Trim(body);
  if (b.size() > kMaxDetail) b = b.substr(0, kMaxDetail);
  SendResult r;
  r.reason = "kannel " + std::to_string(http_status) + (b.empty() ? "" : ": " + LenientUtf8(b));
  if (http_status >= 200 && http_status < 300) {
    // "0: Accepted for delivery"; "3: Queued for later delivery" (Kannel holds it until an
    // SMSC is up: sending it again would duplicate it).
    r.kind = SendResult::Kind::kAccepted;
    r.provider_id = std::string(provider_id);
    return r;
  }
  // Our username/password refused: a setup fault, not the message's. Nothing was taken in;
  // held back like a link that is down, it costs no tries and goes once the password is right.
  if (http_status == 401 ||
      (http_status == 403 && b.find("Authorization failed") != std::string_view::npos)) {
    r.kind = SendResult::Kind::kNotReady;
    r.reason += " (" + std::string(kCredentialsRefused) + ")";
    return r;
  }
  if (http_status >= 500 || http_status == 408 || http_status == 429 || http_status < 200 ||
      (http_status >= 300 && http_status < 400)) {
    r.kind = SendResult::Kind::kRetry;
    return r;
  }
  r.kind = SendResult::Kind::kFailed;
  return r;
}

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || !EqualsIgnoreCase(url.substr(0, kScheme.size()), kScheme)) {
    return InvalidInput("url: only http:// is supported");
  }
  url.remove_prefix(kScheme.size());
  size_t end = url.find_first_of("/?#");
  std::string_view authority = url.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view() : url.substr(end);
  if (authority.find('@') != std::string_view::npos) return InvalidInput("url: userinfo");
  HttpUrl out;
  std::string_view host = authority;
  if (StartsWith(authority, "[")) {  // IPv6 literal
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidInput("url: unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') return InvalidInput("url: bad host");
  } else {
    size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    authority = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (host.empty()) return InvalidInput("url: no host");
  if (!authority.empty()) {  // ":port"
    auto port = ParseInteger(authority.substr(1));
    if (!port || *port < 1 || *port > 65535 || authority.size() > 6 ||
        !std::all_of(authority.begin() + 1, authority.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return InvalidInput("url: bad port");
    }
    out.port = static_cast<uint16_t>(*port);
  }
  out.host = std::string(host);
  size_t hash = rest.find('#');
  rest = rest.substr(0, hash);
  out.target = rest.empty() || rest.front() != '/' ? "/" + std::string(rest) : std::string(rest);
  return out;
}

Status ValidateToken(std::string_view token) {
  for (char c : token) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != '~') {
      return InvalidInput("token: only letters, digits, '-', '_', '.' and '~' are allowed");
    }
  }
  return Ok{};
}

bool TokenMatches(const FormFields& fields, std::string_view token) {
  if (token.empty()) return true;
  const std::string* got = FindField(fields, "token");
  if (!got) return false;
  // Constant time over the expected token's length.
  unsigned diff = got->size() != token.size();
  for (size_t i = 0; i < token.size(); ++i) {
    char g = i < got->size() ? (*got)[i] : 0;
    diff |= static_cast<unsigned char>(g ^ token[i]);
  }
  return diff == 0;
}

}  // namespace pesan::kannel
