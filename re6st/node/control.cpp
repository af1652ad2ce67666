// ControlServer and controlRequest over AF_UNIX stream sockets (see control.h).
#include "re6st/node/control.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace re6st::node {

struct ControlServer::Client {
  loop::Fd fd;
  std::unique_ptr<loop::Poll> poll;
  std::string in;
  std::string out;           // answers not yet accepted by the socket
  bool closeAfterOut = false;
};

namespace {

Result<sockaddr_un> unixAddress(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof a.sun_path)
    return makeError(Code::kInvalid, "control socket path too long or empty: '" + path + "'");
  std::memcpy(a.sun_path, path.data(), path.size());
  return a;
}

Error sysError(const std::string& what) {
  return makeError(Code::kIo, what + ": " + std::strerror(errno));
}

// Blocking write for the client side (controlRequest); the server never blocks.
void writeAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, 1000) > 0) continue;
      }
      return;  // a client that does not read loses its answer
    }
    off += static_cast<size_t>(n);
  }
}

}  // namespace

ControlServer::ControlServer(loop::Loop& loop, Handler handler)
    : loop_(loop), handler_(std::move(handler)) {}

ControlServer::~ControlServer() {
  clients_.clear();
  poll_.reset();
  if (fd_.valid() && !path_.empty()) ::unlink(path_.c_str());
}

Status ControlServer::listen(const std::string& path) {
  auto addr = unixAddress(path);
  if (!addr.ok()) return addr.error();
  loop::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sysError("control socket");
  ::unlink(path.c_str());
  mode_t old = ::umask(077);
  int rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof *addr);
  ::umask(old);
  if (rc != 0) return sysError("bind " + path);
  if (::listen(fd.get(), 16) != 0) return sysError("listen " + path);
  fd_ = std::move(fd);
  path_ = path;
  poll_ = std::make_unique<loop::Poll>(loop_, fd_.get());
  return poll_->start(loop::Poll::kReadable, [this](int) { accept(); });
}

void ControlServer::accept() {
  for (;;) {
    int c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) return;
    if (clients_.size() >= kMaxClients) {
      ::close(c);
      continue;
    }
    auto client = std::make_unique<Client>();
    client->fd = loop::Fd(c);
    client->poll = std::make_unique<loop::Poll>(loop_, c);
    clients_[c] = std::move(client);
    watch(c);
  }
}

void ControlServer::watch(int fd) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  int events = it->second->out.empty() ? loop::Poll::kReadable
                                       : loop::Poll::kReadable | loop::Poll::kWritable;
  (void)it->second->poll->start(events, [this, fd](int ev) {
    if (ev & loop::Poll::kWritable) flush(fd);
    if (ev & loop::Poll::kReadable) onClientReadable(fd);
  });
}

// Sends what the socket accepts now; the rest waits for writability. A client that lets
// more than kMaxPendingAnswer pile up is dropped, so it cannot grow the node's memory.
void ControlServer::flush(int fd) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  while (!c.out.empty()) {
    ssize_t n = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      drop(fd);
      return;
    }
    c.out.erase(0, static_cast<size_t>(n));
  }
  if (c.out.empty() && c.closeAfterOut) {
    drop(fd);
    return;
  }
  if (c.out.size() > kMaxPendingAnswer) {
    drop(fd);
    return;
  }
  watch(fd);
}

void ControlServer::onClientReadable(int fd) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  Client& c = *it->second;
  if (c.closeAfterOut) return;
  char buf[4096];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    drop(fd);
    return;
  }
  c.in.append(buf, static_cast<size_t>(n));
  size_t nl;
  while ((nl = c.in.find('\n')) != std::string::npos) {
    std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    c.out += answer(line).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  if (c.in.size() > kMaxRequest) {
    c.in.clear();
    c.out += "{\"error\":\"request too large\"}\n";
    c.closeAfterOut = true;
  }
  flush(fd);
}

nlohmann::json ControlServer::answer(const std::string& line) {
  auto request = nlohmann::json::parse(line, nullptr, false);
  if (request.is_discarded() || !request.is_object() || !request.contains("cmd") ||
      !request["cmd"].is_string())
    return {{"error", "bad request: want one JSON object with a string \"cmd\" per line"}};
  try {
    return handler_(request);
  } catch (const std::exception& e) {  // a handler bug must not take the node down
    return {{"error", std::string("internal error: ") + e.what()}};
  }
}

void ControlServer::drop(int fd) { clients_.erase(fd); }

Result<nlohmann::json> controlRequest(const std::string& path, const nlohmann::json& request,
                                      int timeoutMs) {
  auto addr = unixAddress(path);
  if (!addr.ok()) return addr.error();
  loop::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sysError("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) != 0)
    return sysError(path + " (is the node running?)");
  writeAll(fd.get(), request.dump() + "\n");
  std::string in;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (in.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return makeError(Code::kTimeout, path + ": no answer");
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[65536];
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) return makeError(Code::kIo, path + ": connection closed without an answer");
    in.append(buf, static_cast<size_t>(n));
    if (in.size() > 64 * 1024 * 1024) return makeError(Code::kInvalid, path + ": answer too large");
  }
  auto j = nlohmann::json::parse(in.substr(0, in.find('\n')), nullptr, false);
  if (j.is_discarded()) return makeError(Code::kInvalid, path + ": answer is not JSON");
  return j;
}

}  // namespace re6st::node
