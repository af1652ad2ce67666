// The TCP carrier: one listener, one connection per tunnel. TLS 1.2 runs over the
// stream first; afterwards the stream carries our records, each framed by a 16-bit
// big-endian length. Writes that the kernel cannot take are queued; past
// kStreamBackpressure the tunnel stops reading its TUN until the queue drains.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "re6st/base/log.h"
#include "re6st/tunnel/driver_state.h"

namespace re6st::tunnel {
namespace {

Error sysError(const std::string& what) {
  return makeError(Code::kIo, what + ": " + std::strerror(errno));
}

void tuneStream(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

Status Transport::openListener() {
  int fd = ::socket(opt_.bind.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return sysError("TCP socket");
  sock_ = loop::Fd(fd);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (opt_.bind.isV6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd, opt_.bind.raw(), opt_.bind.size()) < 0)
    return sysError("bind TCP " + opt_.bind.str());
  loop::SockAddr local;
  socklen_t len = sizeof(sockaddr_storage);
  ::getsockname(fd, local.raw(), &len);
  localPort_ = local.port();
  if (!opt_.listen) return {};
  if (::listen(fd, 128) < 0) return sysError("listen TCP " + opt_.bind.str());
  sockPoll_ = std::make_unique<loop::Poll>(loop_, fd);
  return sockPoll_->start(loop::Poll::kReadable, [this](int) { onAccept(); });
}

void Transport::onAccept() {
  for (int k = 0; k < 64; ++k) {
    loop::SockAddr from;
    socklen_t len = sizeof(sockaddr_storage);
    int fd = ::accept4(sock_.get(), from.raw(), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    loop::Fd owned(fd);
    if (handshakesInProgress() >= opt_.maxHandshakes) {
      LOG_WARNING("too many handshakes in progress, refusing " + from.str());
      continue;
    }
    tuneStream(fd);
    Tunnel& t = addTunnel(Role::kResponder, from);
    t.fd = std::move(owned);
    t.hs = newHandshake(Role::kResponder, {}, {});
    uint64_t id = t.id;
    t.fdPoll = std::make_unique<loop::Poll>(loop_, fd);
    t.pollEvents = loop::Poll::kReadable;
    auto st = t.fdPoll->start(loop::Poll::kReadable, [this, id](int ev) { onStreamEvent(id, ev); });
    LOG_DEBUG("tunnel " + std::to_string(id) + ": accepted " + from.str() + " fd " + std::to_string(fd) +
              (st ? "" : " poll: " + st.error().message));
  }
}

Status Transport::startConnect(Tunnel& t) {
  int fd = ::socket(t.remote.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return sysError("TCP socket");
  t.fd = loop::Fd(fd);
  tuneStream(fd);
  if (::connect(fd, t.remote.raw(), t.remote.size()) < 0 && errno != EINPROGRESS)
    return sysError("connect to " + t.remote.str());
  t.connecting = true;
  // The handshake object exists from the start so its deadline bounds the connect too.
  t.hs = newHandshake(Role::kInitiator, t.wantedCn, {});
  uint64_t id = t.id;
  t.fdPoll = std::make_unique<loop::Poll>(loop_, fd);
  t.pollEvents = loop::Poll::kWritable;
  LOG_DEBUG("tunnel " + std::to_string(id) + ": TCP connecting on fd " + std::to_string(fd));
  return t.fdPoll->start(loop::Poll::kWritable, [this, id](int ev) { onStreamEvent(id, ev); });
}

void Transport::onStreamEvent(uint64_t id, int events) {
  Tunnel* t = find(id);
  if (!t) return;
  if (events == 0) return removeTunnel(id, "connection error", false);
  if (!t->failure.empty()) return removeTunnel(id, t->failure, false);
  if (t->connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(t->fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return removeTunnel(id, std::string("connect: ") + std::strerror(err), false);
    t->connecting = false;
    LOG_DEBUG("tunnel " + std::to_string(id) + ": TCP connected (fd " + std::to_string(t->fd.get()) + ")");
    watchStream(*t, loop::Poll::kReadable);
    return afterHandshake(*t);  // sends the ClientHello made at connect time
  }
  if (events & loop::Poll::kWritable) {
    streamFlush(*t);
    if (!t->failure.empty()) return removeTunnel(id, t->failure, false);
  }
  if (!(events & loop::Poll::kReadable)) return;
  Buffers& b = *buf_;
  for (int k = 0; k < 16; ++k) {
    ssize_t n = ::read(t->fd.get(), b.big.data(), b.big.size());
    if (n == 0) return removeTunnel(id, "connection closed by peer", false);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      return removeTunnel(id, std::string("read: ") + std::strerror(errno), false);
    }
    if (!t->session)
      LOG_DEBUG("tunnel " + std::to_string(id) + ": " + std::to_string(n) + " handshake bytes");
    onStreamBytes(*t, std::span<uint8_t>(b.big.data(), size_t(n)));
    if (!(t = find(id))) return;
  }
}

void Transport::onStreamBytes(Tunnel& t, std::span<uint8_t> data) {
  uint64_t id = t.id;
  if (!t.session) {
    if (!t.hs) return;
    t.hs->handle(loop_.now(), data);
    return afterHandshake(t);  // leftover records are fed back by establish()
  }
  t.rx.insert(t.rx.end(), data.begin(), data.end());
  size_t pos = 0;
  while (t.rx.size() - pos >= 2) {
    size_t len = size_t(t.rx[pos]) << 8 | t.rx[pos + 1];
    if (len < kOverhead) {
      flushCoalesced();
      return removeTunnel(id, "malformed record frame", false);
    }
    if (t.rx.size() - pos - 2 < len) break;
    onRecord(t, std::span<uint8_t>(t.rx.data() + pos + 2, len));
    if (!find(id)) return flushCoalesced();  // drops what pointed into the freed t.rx
    pos += 2 + len;
  }
  flushCoalesced();  // before t.rx moves
  t.rx.erase(t.rx.begin(), t.rx.begin() + long(pos));
}

void Transport::watchStream(Tunnel& t, int events) {
  if (t.pollEvents == events || !t.fdPoll) return;  // epoll_ctl only on a change
  t.pollEvents = events;
  uint64_t id = t.id;
  (void)t.fdPoll->start(events, [this, id](int ev) { onStreamEvent(id, ev); });
}

// Never removes the tunnel (callers still hold it): a failure is recorded and acted on
// by the next event or tick.
void Transport::streamFlush(Tunnel& t) {
  if (!t.failure.empty()) return;
  while (t.txOff < t.tx.size()) {
    ssize_t n = ::send(t.fd.get(), t.tx.data() + t.txOff, t.tx.size() - t.txOff,
                       MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      t.failure = std::string("write: ") + std::strerror(errno);
      t.tx.clear();
      t.txOff = 0;
      return;
    }
    t.txOff += size_t(n);
  }
  uint64_t id = t.id;
  if (t.txOff == t.tx.size()) {
    t.tx.clear();
    t.txOff = 0;
    watchStream(t, loop::Poll::kReadable);
    if (t.tunPaused && t.tunPoll) {
      t.tunPaused = false;
      (void)t.tunPoll->start(loop::Poll::kReadable, [this, id](int) { onTunReadable(id); });
    }
    return;
  }
  if (t.txOff > (1 << 16)) {  // drop what was written, keep the tail
    t.tx.erase(t.tx.begin(), t.tx.begin() + long(t.txOff));
    t.txOff = 0;
  }
  watchStream(t, loop::Poll::kReadable | loop::Poll::kWritable);
  if (t.tx.size() - t.txOff > kStreamBackpressure && t.tunPoll && !t.tunPaused) {
    t.tunPaused = true;
    t.tunPoll->stop();
  }
}

void Transport::streamSend(Tunnel& t, ByteSpan data, bool flush) {
  if (t.connecting || !t.fd.valid()) return;
  t.tx.insert(t.tx.end(), data.begin(), data.end());
  if (flush) streamFlush(t);
}

}  // namespace re6st::tunnel
