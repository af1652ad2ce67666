// HTTP message values and serializers; see message.h.
#include "re6st/http/message.h"

#include <algorithm>

namespace re6st::http {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool safeFieldValue(std::string_view v) {
  return v.find_first_of("\r\n") == std::string_view::npos &&
         v.find('\0') == std::string_view::npos;
}

void put(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

void putHeaders(Bytes& out, const Headers& h, bool skipFraming) {
  for (const auto& [name, value] : h.fields()) {
    if (skipFraming &&
        (equalsIgnoreCase(name, "Content-Length") || equalsIgnoreCase(name, "Connection") ||
         equalsIgnoreCase(name, "Transfer-Encoding")))
      continue;
    if (!isToken(name) || !safeFieldValue(value)) continue;
    put(out, name);
    put(out, ": ");
    put(out, value);
    put(out, "\r\n");
  }
}

}  // namespace

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= 32 || c >= 127 ||
        std::string_view("\"(),/:;<=>?@[\\]{}").find(static_cast<char>(c)) !=
            std::string_view::npos)
      return false;
  return true;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

const std::string* Headers::find(std::string_view name) const {
  for (const auto& f : fields_)
    if (equalsIgnoreCase(f.first, name)) return &f.second;
  return nullptr;
}

std::string Headers::joined(std::string_view name) const {
  std::string out;
  for (const auto& f : fields_) {
    if (!equalsIgnoreCase(f.first, name)) continue;
    if (!out.empty()) out += ", ";
    out += f.second;
  }
  return out;
}

void Headers::set(std::string name, std::string value) {
  remove(name);
  add(std::move(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  std::erase_if(fields_, [&](const auto& f) { return equalsIgnoreCase(f.first, name); });
}

Response Response::text(int status, std::string_view body, std::string_view type) {
  Response r;
  r.status = status;
  r.headers.add("Content-Type", std::string(type));
  r.body = toBytes(body);
  return r;
}

Response Response::error(int status) {
  std::string code = std::to_string(status), phrase = reasonPhrase(status);
  std::string page =
      "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>Error response</title>\n</head>\n<body>\n<h1>Error response</h1>\n"
      "<p>Error code: " +
      code + "</p>\n<p>Message: " + phrase + ".</p>\n</body>\n</html>\n";
  return text(status, page, "text/html;charset=utf-8");
}

const char* reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

Bytes serializeResponse(const Response& r, bool keepAlive, bool headRequest, bool http10) {
  Bytes out;
  out.reserve(128 + r.body.size());
  int status = r.status >= 100 && r.status <= 999 ? r.status : 500;
  std::string reason =
      r.reason.empty() || !safeFieldValue(r.reason) ? reasonPhrase(status) : r.reason;
  put(out, "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n");
  putHeaders(out, r.headers, true);
  // RFC 9110 §8.6 / §15.3.5: no Content-Length (and no body) for 1xx, 204 and 304.
  bool bodyless = status < 200 || status == 204 || status == 304;
  if (!bodyless) put(out, "Content-Length: " + std::to_string(r.body.size()) + "\r\n");
  if (!keepAlive) put(out, "Connection: close\r\n");
  // An HTTP/1.0 client keeps the connection only when told so (RFC 9112 §C.2.2); one
  // that did not ask gets keepAlive false and a closing answer, as from Python's
  // http.server.
  if (keepAlive && http10) put(out, "Connection: keep-alive\r\n");
  put(out, "\r\n");
  if (!bodyless && !headRequest) out.insert(out.end(), r.body.begin(), r.body.end());
  return out;
}

Bytes serializeGet(std::string_view target, std::string_view host, const Headers& extra,
                   bool keepAlive) {
  Bytes out;
  put(out, "GET ");
  put(out, target);
  put(out, " HTTP/1.1\r\nHost: ");
  put(out, host);
  put(out, "\r\n");
  putHeaders(out, extra, true);
  if (!keepAlive) put(out, "Connection: close\r\n");
  put(out, "\r\n");
  return out;
}

}  // namespace re6st::http
