// ControlQuery: a non-blocking AF_UNIX client for one JSON line (see control_query.h).
#include "re6st/registry/control_query.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

namespace re6st::registry {

ControlQuery::ControlQuery(loop::Loop& loop) : loop_(loop), timer_(loop) {}

ControlQuery::~ControlQuery() { poll_.reset(); }

void ControlQuery::ask(const std::string& path, const nlohmann::json& request, Duration timeout,
                       Done done) {
  done_ = std::move(done);
  path_ = path;
  out_ = request.dump() + "\n";
  in_.clear();
  auto fail = [&](const std::string& why) {
    // Report from the loop, not from inside ask() (the caller may not be ready for it).
    timer_.start(Duration(0), [this, why] { finish(makeError(Code::kIo, path_ + ": " + why)); });
  };
  poll_.reset();  // a previous query's handle, before its fd is replaced below
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path)
    return fail("control socket path too long or empty");
  std::memcpy(a.sun_path, path.data(), path.size());
  fd_ = loop::Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd_.valid()) return fail(std::strerror(errno));
  // A local stream connect completes at once or, with a full backlog, reports EAGAIN:
  // then writability says when the server accepted us.
  if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EAGAIN &&
      errno != EINPROGRESS)
    return fail(std::strerror(errno));
  poll_ = std::make_unique<loop::Poll>(loop_, fd_.get());
  if (!poll_->start(loop::Poll::kReadable | loop::Poll::kWritable,
                    [this](int ev) { onEvents(ev); }))
    return fail("cannot watch the control socket");
  timer_.start(timeout, [this] { finish(makeError(Code::kTimeout, path_ + ": no answer")); });
}

void ControlQuery::onEvents(int events) {
  if (events == 0) return finish(makeError(Code::kIo, path_ + ": socket error"));
  if ((events & loop::Poll::kWritable) && !out_.empty()) {
    ssize_t n = ::send(fd_.get(), out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return finish(makeError(Code::kIo, path_ + ": " + std::strerror(errno)));
    if (n > 0) out_.erase(0, size_t(n));
    if (out_.empty()) (void)poll_->start(loop::Poll::kReadable, [this](int ev) { onEvents(ev); });
  }
  if (!(events & loop::Poll::kReadable)) return;
  char buf[65536];
  ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) return finish(makeError(Code::kIo, path_ + ": connection closed without an answer"));
  in_.append(buf, size_t(n));
  size_t nl = in_.find('\n');
  if (nl == std::string::npos) {
    if (in_.size() > kMaxAnswer) finish(makeError(Code::kInvalid, path_ + ": answer too large"));
    return;
  }
  auto j = nlohmann::json::parse(in_.substr(0, nl), nullptr, false);
  if (j.is_discarded()) return finish(makeError(Code::kInvalid, path_ + ": answer is not JSON"));
  finish(std::move(j));
}

void ControlQuery::finish(Result<nlohmann::json> r) {
  timer_.stop();
  // The poll handle goes before its fd closes: libuv must not keep watching a number
  // the kernel may hand out again (a stale watcher aborts the loop or mutes the new fd).
  // Destroying it inside its own callback is safe (loop::Poll copies the callback).
  poll_.reset();
  fd_ = loop::Fd();
  in_.clear();
  if (!done_) return;
  Done done = std::move(done_);
  done_ = nullptr;
  done(std::move(r));  // may destroy this object: nothing after
}

}  // namespace re6st::registry
