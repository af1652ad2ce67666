// Asynchronous HTTP GET client on re6st/loop (http:// and https:// with TLS 1.2 verified
// against a CA file and the host name), one connection per request ("Connection:
// close"), with an overall timeout; and fetch(), a blocking wrapper for `re6st conf`.
// Loop thread only. Redirects are not followed (re6st-registry never sends them).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "re6st/base/clock.h"
#include "re6st/base/result.h"
#include "re6st/http/message.h"
#include "re6st/http/tls.h"
#include "re6st/http/url.h"
#include "re6st/loop/loop.h"

namespace re6st::http {

struct ClientOptions {
  Duration timeout = seconds(30);        // resolve + connect + TLS + response
  std::string caFile = kSystemCaBundle;  // https only
  size_t maxBodyBytes = 16 << 20;
  Headers headers;  // extra request headers (User-Agent, Re6stHMAC)
};

class Exchange;

class Client {
 public:
  using Callback = std::function<void(Result<Response>)>;

  explicit Client(loop::Loop& loop);
  ~Client();  // pending requests are abandoned; their callbacks never run
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Starts a GET. cb runs exactly once (on the loop thread, never inside get()) with the
  // response — whatever its status — or an error (kInvalid URL, kNotFound name, kIo
  // connection, kCrypto TLS, kProtocol bad HTTP, kTimeout). Returns an id for cancel().
  uint64_t get(const std::string& url, Callback cb, ClientOptions options = {});
  uint64_t get(const Url& url, Callback cb, ClientOptions options = {});
  // Abandons a request: its callback will not run.
  void cancel(uint64_t id);
  size_t active() const { return exchanges_.size(); }

 private:
  friend class Exchange;
  void retire(uint64_t id);

  loop::Loop& loop_;
  std::map<uint64_t, std::unique_ptr<Exchange>> exchanges_;
  std::vector<std::unique_ptr<Exchange>> retired_;
  loop::Timer reaper_;
  uint64_t nextId_ = 1;
};

// Blocking GET on a private loop: for command-line tools (re6st conf) and tests.
Result<Response> fetch(const std::string& url, Duration timeout, ClientOptions options = {});

}  // namespace re6st::http
