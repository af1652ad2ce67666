// HTTP framing on http-parser 2.9 (Debian's libhttp-parser); see parser.h.
// http-parser does the RFC 9112 grammar (request line, field syntax, chunked coding,
// Content-Length vs Transfer-Encoding conflicts); the Framer collects one message at a
// time, enforces our size limits in the callbacks and pauses at each message end so that
// pipelined requests are handed out one by one.
#include "re6st/http/parser.h"

#include <http_parser.h>

#include <climits>

namespace re6st::http {
namespace detail {

struct Framer {
  http_parser parser{};
  Limits limits;
  // The message being built.
  std::string url, reason, field, value;
  Headers headers;
  Bytes body;
  size_t headerBytes = 0;
  bool inValue = false;
  bool inMessage = false;
  bool complete = false;
  // Set by a callback that rejects the message (413, 431): http-parser then stops with
  // HPE_CB_*, and the status says why.
  int errorStatus = 0;
  std::string errorText;

  Framer(http_parser_type type, Limits l) : limits(l) {
    http_parser_init(&parser, type);
    parser.data = this;
  }
  int fail(int status, std::string text) {
    errorStatus = status;
    errorText = std::move(text);
    return -1;
  }
  int countHeaderBytes(size_t n) {
    headerBytes += n;
    if (headerBytes > limits.maxHeaderBytes) return fail(431, "request line or headers too large");
    return 0;
  }
  // Stores the header being read. Non-strict http-parser lets spaces into field names;
  // RFC 9112 §5.1 wants those rejected with 400 (request smuggling).
  int flushHeader() {
    if (field.empty() && !inValue) return 0;
    if (!isToken(field)) return fail(400, "malformed HTTP: invalid header field name");
    size_t b = value.find_first_not_of(" \t"), e = value.find_last_not_of(" \t");
    headers.add(std::move(field),
                b == std::string::npos ? std::string() : value.substr(b, e - b + 1));
    field.clear();
    value.clear();
    inValue = false;
    return 0;
  }
  void reset() {
    url.clear();
    reason.clear();
    field.clear();
    value.clear();
    headers = Headers();
    body.clear();
    headerBytes = 0;
    inValue = false;
    complete = false;
  }
};

namespace {

Framer& framerOf(http_parser* p) { return *static_cast<Framer*>(p->data); }

int onMessageBegin(http_parser* p) {
  Framer& f = framerOf(p);
  f.reset();
  f.inMessage = true;
  return 0;
}

int onUrl(http_parser* p, const char* at, size_t n) {
  Framer& f = framerOf(p);
  if (f.countHeaderBytes(n)) return -1;
  f.url.append(at, n);
  return 0;
}

int onStatus(http_parser* p, const char* at, size_t n) {
  Framer& f = framerOf(p);
  if (f.countHeaderBytes(n)) return -1;
  f.reason.append(at, n);
  return 0;
}

int onHeaderField(http_parser* p, const char* at, size_t n) {
  Framer& f = framerOf(p);
  if (f.countHeaderBytes(n)) return -1;
  if (f.inValue && f.flushHeader()) return -1;
  if (f.field.empty() && f.headers.size() >= f.limits.maxHeaders)
    return f.fail(431, "too many header fields");
  f.field.append(at, n);
  return 0;
}

int onHeaderValue(http_parser* p, const char* at, size_t n) {
  Framer& f = framerOf(p);
  if (f.countHeaderBytes(n)) return -1;
  f.inValue = true;
  f.value.append(at, n);
  return 0;
}

int onHeadersComplete(http_parser* p) {
  Framer& f = framerOf(p);
  if (f.flushHeader()) return -1;
  // content_length is ULLONG_MAX when the message has no Content-Length.
  if (p->content_length != ULLONG_MAX && p->content_length > f.limits.maxBodyBytes)
    return f.fail(413, "body too large (Content-Length " + std::to_string(p->content_length) + ")");
  return 0;
}

int onBody(http_parser* p, const char* at, size_t n) {
  Framer& f = framerOf(p);
  if (f.body.size() + n > f.limits.maxBodyBytes) return f.fail(413, "body too large");
  f.body.insert(f.body.end(), at, at + n);
  return 0;
}

int onMessageComplete(http_parser* p) {
  Framer& f = framerOf(p);
  if (f.flushHeader()) return -1;  // trailer fields of a chunked body
  f.complete = true;
  f.inMessage = false;
  http_parser_pause(p, 1);  // hand this message out before parsing the next one
  return 0;
}

const http_parser_settings kSettings = [] {
  http_parser_settings s{};
  s.on_message_begin = onMessageBegin;
  s.on_url = onUrl;
  s.on_status = onStatus;
  s.on_header_field = onHeaderField;
  s.on_header_value = onHeaderValue;
  s.on_headers_complete = onHeadersComplete;
  s.on_body = onBody;
  s.on_message_complete = onMessageComplete;
  return s;
}();

// Runs http-parser over data (an empty span signals EOF) and clears a pause.
size_t execute(Framer& f, ByteSpan data) {
  size_t n = http_parser_execute(&f.parser, &kSettings, reinterpret_cast<const char*>(data.data()),
                                 data.size());
  if (HTTP_PARSER_ERRNO(&f.parser) == HPE_PAUSED) http_parser_pause(&f.parser, 0);
  return n;
}

// The status and text for a framing error after execute() stopped short.
std::pair<int, std::string> describeError(const Framer& f) {
  if (f.errorStatus) return {f.errorStatus, f.errorText};
  auto err = static_cast<http_errno>(HTTP_PARSER_ERRNO(&f.parser));
  int status = err == HPE_HEADER_OVERFLOW ? 431 : 400;
  return {status, std::string("malformed HTTP: ") + http_errno_description(err)};
}

Request takeRequest(Framer& f) {
  Request r;
  r.method = http_method_str(static_cast<http_method>(f.parser.method));
  r.target = std::move(f.url);
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.rawQuery = r.target.substr(q + 1);
  auto query = parseQuery(r.rawQuery);
  if (query)
    r.query = std::move(*query);
  else
    r.queryError = true;
  r.headers = std::move(f.headers);
  r.body = std::move(f.body);
  r.versionMajor = f.parser.http_major;
  r.versionMinor = f.parser.http_minor;
  r.keepAlive = http_should_keep_alive(&f.parser) != 0 && !f.parser.upgrade;
  f.reset();
  return r;
}

}  // namespace
}  // namespace detail

using detail::Framer;

RequestParser::RequestParser(Limits limits)
    : framer_(std::make_unique<Framer>(HTTP_REQUEST, limits)) {}
RequestParser::~RequestParser() = default;

void RequestParser::feed(ByteSpan data) {
  if (done_) return;  // nothing after a close or an error is ever parsed
  buffer_.insert(buffer_.end(), data.begin(), data.end());
}

void RequestParser::feedEof() { eof_ = true; }

bool RequestParser::betweenRequests() const { return !framer_->inMessage && buffered() == 0; }

RequestParser::Event RequestParser::next() {
  if (done_) return last_;
  Framer& f = *framer_;
  while (buffered() > 0) {
    size_t avail = buffered();
    size_t n = detail::execute(f, ByteSpan(buffer_).subspan(pos_, avail));
    pos_ += n;
    if (f.complete) {
      Event e{Kind::kRequest, detail::takeRequest(f), 0, {}};
      // After "Connection: close", HTTP/1.0 without keep-alive or an Upgrade, the
      // connection carries nothing more (RFC 9112 §9.6).
      if (!e.request.keepAlive) {
        done_ = true;
        last_ = Event{Kind::kClosed, {}, 0, "connection closed after request"};
      }
      return e;
    }
    if (HTTP_PARSER_ERRNO(&f.parser) != HPE_OK || n < avail) {
      auto [status, text] = detail::describeError(f);
      done_ = true;
      last_ = Event{Kind::kError, {}, status, text};
      return last_;
    }
  }
  buffer_.clear();
  pos_ = 0;
  if (!eof_) return Event{};
  done_ = true;
  last_ = f.inMessage ? Event{Kind::kError, {}, 400, "connection closed in the middle of a request"}
                      : Event{Kind::kClosed, {}, 0, "peer closed the connection"};
  return last_;
}

ResponseParser::ResponseParser(size_t maxBodyBytes, size_t maxHeaderBytes)
    : framer_(std::make_unique<Framer>(HTTP_RESPONSE, Limits{maxHeaderBytes, 256, maxBodyBytes})) {}
ResponseParser::~ResponseParser() = default;

ResponseParser::Event ResponseParser::feed(ByteSpan data, bool eof) {
  Framer& f = *framer_;
  if (done_) return Event{Kind::kError, {}, false, "response already complete"};
  size_t n = data.empty() ? 0 : detail::execute(f, data);
  // Bytes after a complete response are ignored: we never pipeline requests.
  if (!f.complete && HTTP_PARSER_ERRNO(&f.parser) == HPE_OK && n == data.size() && eof)
    detail::execute(f, {});  // EOF ends a body without Content-Length (RFC 9112 §6.3)
  if (f.complete) {
    done_ = true;
    Event e{Kind::kResponse, {}, http_should_keep_alive(&f.parser) != 0 && !eof, {}};
    e.response.status = f.parser.status_code;
    e.response.reason = std::move(f.reason);
    e.response.headers = std::move(f.headers);
    e.response.body = std::move(f.body);
    return e;
  }
  if (HTTP_PARSER_ERRNO(&f.parser) != HPE_OK || n < data.size()) {
    done_ = true;
    auto [status, text] = detail::describeError(f);
    (void)status;
    return Event{Kind::kError, {}, false, text};
  }
  if (eof) {
    done_ = true;
    return Event{Kind::kError, {}, false, "connection closed before the response ended"};
  }
  return Event{};
}

}  // namespace re6st::http
