// HTTP/1.1 messages (RFC 9112) as plain values: Headers (ordered, case-insensitive
// lookup), Request (what the parser produces), Response (what handlers return) and the
// response serializer. No I/O; the parser and the server/client drivers use these.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/http/query.h"

namespace re6st::http {

// ASCII case-insensitive comparison (RFC 9110 §5.1: field names are case-insensitive).
bool equalsIgnoreCase(std::string_view a, std::string_view b);
// RFC 9110 §5.6.2 token (field names, methods): non-empty, visible ASCII, no delimiters.
bool isToken(std::string_view s);

class Headers {
 public:
  // The first value of field name, or nullptr. Use findAll/joined for repeated fields.
  const std::string* find(std::string_view name) const;
  // All values of name joined with ", " (RFC 9110 §5.3); empty string when absent.
  std::string joined(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  void add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }
  // Replaces every field called name with one field.
  void set(std::string name, std::string value);
  void remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  std::string method;       // "GET", as sent (http_parser validates the token)
  std::string target;       // raw request-target, percent-encoding untouched ("/hello?x=%2F")
  std::string path;         // target up to '?', still raw
  std::string rawQuery;     // target after the first '?', raw ("" when absent)
  Query query;              // parsed rawQuery (empty when queryError is set)
  bool queryError = false;  // rawQuery is not a strict form-encoded query
  Headers headers;
  Bytes body;
  int versionMajor = 1;
  int versionMinor = 1;
  bool keepAlive = true;  // the connection may carry another request after this one
};

struct Response {
  int status = 200;
  std::string reason;  // empty: the standard phrase for status
  Headers headers;
  Bytes body;

  static Response text(int status, std::string_view body, std::string_view type = "text/plain");
  // A short HTML error page like Python's BaseHTTPRequestHandler.send_error.
  static Response error(int status);
};

// RFC 9110 §15 reason phrase ("Not Found"), "Unknown" for unlisted codes.
const char* reasonPhrase(int status);

// Serializes an HTTP/1.1 status line, the headers, Content-Length (omitted for 1xx, 204
// and 304, which carry no body, RFC 9110 §8.6), "Connection: close" when !keepAlive, and
// the body. A Content-Length or Connection header in r is replaced. Header values with
// CR or LF are dropped (response splitting).
// http10: the request was HTTP/1.0, so a kept connection is announced with
// "Connection: keep-alive".
Bytes serializeResponse(const Response& r, bool keepAlive, bool headRequest = false,
                        bool http10 = false);

// A GET request for a client: "GET target HTTP/1.1", Host, then extra headers.
Bytes serializeGet(std::string_view target, std::string_view host, const Headers& extra,
                   bool keepAlive);

}  // namespace re6st::http
