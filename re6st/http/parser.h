// Sans-I/O HTTP/1.1 framing (h11 style) on top of http-parser: feed received bytes, pull
// complete messages one at a time. Pipelined requests stay buffered until the caller asks
// for the next one, so responses go out in order. Limits turn hostile input into a status
// (400 malformed, 413 body too large, 431 request line/headers too large), never a crash.
// Not thread-safe; one parser per connection. Neither copyable nor movable.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "re6st/base/bytes.h"
#include "re6st/http/message.h"

namespace re6st::http {

struct Limits {
  size_t maxHeaderBytes = 16 * 1024;  // request line + all header lines
  size_t maxHeaders = 64;             // number of header fields
  size_t maxBodyBytes = 64 * 1024;    // decoded body (Content-Length or chunked)
};

namespace detail {
struct Framer;  // http_parser state + the message being built (parser.cpp)
}

class RequestParser {
 public:
  enum class Kind { kNeedData, kRequest, kError, kClosed };
  struct Event {
    Kind kind = Kind::kNeedData;
    Request request;    // kRequest
    int status = 0;     // kError: the status to answer with (400, 413, 431)
    std::string error;  // kError: why, for the log
  };

  explicit RequestParser(Limits limits = {});
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Appends received bytes; nothing is parsed until next().
  void feed(ByteSpan data);
  // The peer closed its sending side: a partial request becomes an error (400).
  void feedEof();
  // Parses buffered bytes up to the end of the next complete request.
  // kNeedData: feed more. kRequest: one request (the next one stays buffered).
  // kError: framing is lost, answer event.status and close. kClosed: the peer is done
  // (EOF between requests, or the previous request asked to close / upgrade).
  Event next();

  // Bytes fed but not yet parsed (pipelined requests): drivers stop reading above a bound.
  size_t buffered() const { return buffer_.size() - pos_; }
  // True when no byte of a next request has been seen: idle vs. slow-client timeouts.
  bool betweenRequests() const;

 private:
  std::unique_ptr<detail::Framer> framer_;
  Bytes buffer_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool done_ = false;  // closed or failed: every next() repeats the last outcome
  Event last_;
};

// Client side: parses responses to GET requests (bodies framed by Content-Length,
// chunked encoding or the end of the connection).
class ResponseParser {
 public:
  enum class Kind { kNeedData, kResponse, kError };
  struct Event {
    Kind kind = Kind::kNeedData;
    Response response;
    bool keepAlive = false;  // the connection can carry another request
    std::string error;
  };

  explicit ResponseParser(size_t maxBodyBytes = 16 << 20, size_t maxHeaderBytes = 64 * 1024);
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Feeds bytes (or EOF with an empty span and eof=true) and returns the outcome so far.
  Event feed(ByteSpan data, bool eof = false);

 private:
  std::unique_ptr<detail::Framer> framer_;
  bool done_ = false;
};

}  // namespace re6st::http
