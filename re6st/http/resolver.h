// Name resolution for the HTTP client without blocking the loop: getaddrinfo runs on a
// short-lived worker thread whose answer comes back through a pipe watched by a
// loop::Poll. Numeric hosts are answered immediately. The callback runs on the loop
// thread; destroying the Resolver cancels it (the worker finishes on its own).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "re6st/base/result.h"
#include "re6st/loop/loop.h"
#include "re6st/loop/sock_addr.h"

namespace re6st::http {

class Resolver {
 public:
  using Callback = std::function<void(Result<std::vector<loop::SockAddr>>)>;

  explicit Resolver(loop::Loop& loop) : loop_(loop) {}
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Resolves host (name or numeric) for TCP, IPv6 and IPv4 addresses in getaddrinfo's
  // preference order. One resolution at a time per Resolver; a new one cancels the old.
  void resolve(const std::string& host, uint16_t port, Callback cb);

 private:
  struct Shared;  // state shared with the worker thread
  void finish();

  loop::Loop& loop_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<loop::Poll> poll_;
  Callback cb_;
};

// Blocking form for startup code and tests.
Result<std::vector<loop::SockAddr>> resolveBlocking(const std::string& host, uint16_t port);

}  // namespace re6st::http
