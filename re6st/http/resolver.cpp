// Resolver; see resolver.h.
#include "re6st/http/resolver.h"

#include <fcntl.h>
#include <netdb.h>
#include <unistd.h>

#include <mutex>
#include <thread>

namespace re6st::http {

struct Resolver::Shared {
  std::mutex mutex;
  std::string host;
  uint16_t port = 0;
  Result<std::vector<loop::SockAddr>> result = makeError(Code::kInternal, "pending");
  loop::Fd readEnd, writeEnd;
};

Result<std::vector<loop::SockAddr>> resolveBlocking(const std::string& host, uint16_t port) {
  if (auto numeric = loop::SockAddr::parse(host, port); numeric.ok())
    return std::vector<loop::SockAddr>{*numeric};
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) return makeError(Code::kNotFound, "resolve " + host + ": " + gai_strerror(rc));
  std::vector<loop::SockAddr> out;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    auto s = loop::SockAddr::fromRaw(a->ai_addr, a->ai_addrlen);
    if (!s.ok()) continue;
    s->setPort(port);
    bool dup = false;
    for (const auto& o : out) dup = dup || o == *s;
    if (!dup) out.push_back(*s);
  }
  freeaddrinfo(res);
  if (out.empty()) return makeError(Code::kNotFound, "resolve " + host + ": no address");
  return out;
}

Resolver::~Resolver() {
  poll_.reset();
  shared_.reset();  // the worker keeps its own reference until it is done
}

void Resolver::resolve(const std::string& host, uint16_t port, Callback cb) {
  poll_.reset();
  shared_.reset();
  cb_ = std::move(cb);
  if (auto numeric = loop::SockAddr::parse(host, port); numeric.ok()) {
    auto c = std::move(cb_);
    c(std::vector<loop::SockAddr>{*numeric});
    return;
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    auto c = std::move(cb_);
    c(makeError(Code::kIo, "pipe for resolver"));
    return;
  }
  shared_ = std::make_shared<Shared>();
  shared_->host = host;
  shared_->port = port;
  shared_->readEnd = loop::Fd(fds[0]);
  shared_->writeEnd = loop::Fd(fds[1]);
  poll_ = std::make_unique<loop::Poll>(loop_, fds[0]);
  (void)poll_->start(loop::Poll::kReadable, [this](int) { finish(); });
  std::thread([s = shared_] {
    auto r = resolveBlocking(s->host, s->port);
    std::lock_guard<std::mutex> lock(s->mutex);
    s->result = std::move(r);
    char one = 1;
    (void)!write(s->writeEnd.get(), &one, 1);
  }).detach();
}

void Resolver::finish() {
  if (!shared_) return;
  Result<std::vector<loop::SockAddr>> r = makeError(Code::kInternal, "resolver");
  {
    std::lock_guard<std::mutex> lock(shared_->mutex);
    r = std::move(shared_->result);
  }
  poll_->stop();
  auto cb = std::move(cb_);
  cb_ = nullptr;
  // The Poll and the pipe stay until the next resolve() or destruction: we are inside
  // the Poll's own callback here.
  if (cb) cb(std::move(r));
}

}  // namespace re6st::http
