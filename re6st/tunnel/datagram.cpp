// The UDP carrier: one socket for every tunnel on the port. Datagrams are demultiplexed
// by source address; the first byte separates data records (0x40..0x42) from DTLS
// (content types 20..25). ClientHellos from unknown addresses go through one shared
// "gate" handshake that answers with a stateless cookie (RFC 6347 §4.2.1): a flood of
// spoofed hellos costs one HMAC each and allocates nothing, so established tunnels
// never notice it. Only a hello echoing a valid cookie gets a tunnel slot.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>

#include "re6st/base/log.h"
#include "re6st/tunnel/driver_state.h"

namespace re6st::tunnel {
namespace {

// A DTLS 1.2 record carrying a ClientHello in epoch 0 (RFC 6347 §4.1, §4.2.2):
// type 22, version, epoch 0 (bytes 3..4), …, handshake type 1 at offset 13.
bool isClientHello(ByteSpan d) {
  return d.size() >= 25 && d[0] == 22 && d[3] == 0 && d[4] == 0 && d[13] == 1;
}

// The cookie a DTLS ClientHello echoes (RFC 6347 §4.2.1), or an empty span: after the
// record header (13) and handshake header (12), client_version (2), random (32),
// session_id (1 + n), cookie (1 + n).
ByteSpan helloCookie(ByteSpan d) {
  Reader r(d);
  r.skip(13 + 12 + 2 + 32);
  r.skip(r.u8());
  ByteSpan cookie = r.take(r.u8());
  return r.ok() ? cookie : ByteSpan();
}

// Cookie-less hellos (anyone can send them, from any address) are answered at most at
// this rate, so a spoofed flood costs a bounded amount of CPU; hellos with a valid cookie
// (from peers that own their address) always pass.
constexpr double kHelloRate = 200;   // per second
constexpr double kHelloBurst = 50;

Error sysError(const std::string& what) {
  return makeError(Code::kIo, what + ": " + std::strerror(errno));
}

}  // namespace

Status Transport::openUdp() {
  int family = opt_.bind.family();
  int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return sysError("UDP socket");
  sock_ = loop::Fd(fd);
  int one = 1;
  if (family == AF_INET6) {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    // Outer fragmentation instead of PMTU black holes: the kernel fragments records
    // larger than the path MTU (rare: the TUN MTU is chosen to fit 1500).
    int pmtu = IPV6_PMTUDISC_DONT;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof pmtu);
  } else {
    int pmtu = IP_PMTUDISC_DONT;
    ::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
  }
  int size = 4 << 20;  // absorb bursts of a whole batch from many tunnels
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  // UDP GRO: the kernel may hand us a run of same-size records from one peer as one
  // buffer (split again below), which saves a trip through the stack per record.
  gro_ = ::setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
  if (::bind(fd, opt_.bind.raw(), opt_.bind.size()) < 0)
    return sysError("bind UDP " + opt_.bind.str());
  loop::SockAddr local;
  socklen_t len = sizeof(sockaddr_storage);
  ::getsockname(fd, local.raw(), &len);
  localPort_ = local.port();
  sockPoll_ = std::make_unique<loop::Poll>(loop_, fd);
  return sockPoll_->start(loop::Poll::kReadable, [this](int) { onUdpReadable(); });
}

void Transport::sendDatagram(const loop::SockAddr& to, ByteSpan data) {
  ssize_t n = ::sendto(sock_.get(), data.data(), data.size(), MSG_DONTWAIT, to.raw(), to.size());
  if (n < 0 && errno != EAGAIN) LOG_TRACE("send to " + to.str() + ": " + std::strerror(errno));
}

namespace {

// The segment size of a GRO-coalesced buffer (0: a single datagram).
size_t groSize(const msghdr& h) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
      int size = 0;
      std::memcpy(&size, CMSG_DATA(c), sizeof size);
      return size > 0 ? size_t(size) : 0;
    }
  }
  return 0;
}

}  // namespace

void Transport::onUdpReadable() {
  Buffers& b = *buf_;
  size_t batch = gro_ ? kRxBatch : kBatch;
  // Bounded work per wakeup so TUN reads and timers interleave with a busy socket.
  for (int round = 0; round < 8; ++round) {
    for (size_t i = 0; i < batch; ++i) {
      b.iov[i] = gro_ ? iovec{b.rx[i].data(), kRxSlot} : iovec{b.slots[i].data(), kSlot};
      b.msgs[i] = {};
      b.msgs[i].msg_hdr.msg_iov = &b.iov[i];
      b.msgs[i].msg_hdr.msg_iovlen = 1;
      b.msgs[i].msg_hdr.msg_name = &b.addrs[i];
      b.msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
      b.msgs[i].msg_hdr.msg_control = b.ctl[i].data();
      b.msgs[i].msg_hdr.msg_controllen = b.ctl[i].size();
    }
    int n = ::recvmmsg(sock_.get(), b.msgs.data(), unsigned(batch), MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    for (int i = 0; i < n; ++i) {
      const msghdr& h = b.msgs[i].msg_hdr;
      if (h.msg_flags & MSG_TRUNC) continue;  // larger than any record we accept
      auto from = loop::SockAddr::fromRaw(static_cast<sockaddr*>(h.msg_name), h.msg_namelen);
      if (!from) continue;
      uint8_t* data = static_cast<uint8_t*>(b.iov[i].iov_base);
      size_t len = b.msgs[i].msg_len, seg = groSize(h);
      if (seg == 0 || seg >= len) seg = len;
      for (size_t off = 0; off < len; off += seg)
        onDatagram(*from, std::span<uint8_t>(data + off, std::min(seg, len - off)));
    }
    flushCoalesced();  // before the next recvmmsg reuses the buffers
    if (size_t(n) < batch) return;
  }
}

void Transport::onDatagram(const loop::SockAddr& from, std::span<uint8_t> data) {
  auto it = byAddr_.find(from);
  Tunnel* t = it == byAddr_.end() ? nullptr : find(it->second);
  if (isRecord(data)) {
    if (t) onRecord(*t, data);
    return;
  }
  bool hello = isClientHello(data);
  if (t && hello && !t->session && t->role == Role::kInitiator) {
    // Both sides connected at once: the side with the smaller CN keeps its attempt; the
    // other answers the peer's (both apply the same rule, so exactly one survives).
    if (ownCn_ < t->wantedCn) return;
    removeTunnel(t->id, "simultaneous connection, answering the peer's", false);
    t = nullptr;
  }
  if (t && !(hello && t->session)) {
    if (!t->hs) return;
    uint64_t id = t->id;
    t->hs->handle(loop_.now(), data);
    if (Tunnel* again = find(id)) afterHandshake(*again);
    return;
  }
  // Unknown sender, or a known peer starting over (it restarted): only a hello counts.
  if (hello && opt_.listen) onGate(from, data, t);
}

bool Transport::admitHello(const loop::SockAddr& from, ByteSpan data, Time now) {
  ByteSpan cookie = helloCookie(data);
  if (!cookie.empty()) {
    Bytes id = addressKey(from);
    if (mbedtls_ssl_cookie_check(creds_->cookies(), cookie.data(), cookie.size(), id.data(),
                                 id.size()) == 0)
      return true;
  }
  double elapsed = std::chrono::duration<double>(now - helloRefill_).count();
  helloRefill_ = now;
  helloTokens_ = std::min(kHelloBurst, helloTokens_ + elapsed * kHelloRate);
  if (helloTokens_ < 1) return false;
  helloTokens_ -= 1;
  return true;
}

void Transport::onGate(const loop::SockAddr& from, ByteSpan data, Tunnel* existing) {
  Time now = loop_.now();
  if (!admitHello(from, data, now)) return;
  if (!gate_)
    gate_ = newHandshake(Role::kResponder, {}, addressKey(from));
  else
    gate_->resetForNextClient(now, addressKey(from), wall_.wallSeconds());
  gate_->handle(now, data);
  while (auto out = gate_->pollOutput()) sendDatagram(from, *out);
  if (gate_->state() != Handshake::State::kRunning) return;  // cookie sent, or garbage
  // A valid cookie: the sender owns its address. Give it a tunnel slot if one is free.
  if (handshakesInProgress() >= opt_.maxHandshakes) {
    LOG_WARNING("too many handshakes in progress, ignoring " + from.str());
    return;
  }
  if (existing) removeTunnel(existing->id, "peer reconnected");
  Tunnel& t = addTunnel(Role::kResponder, from);
  t.hs = std::move(gate_);
  LOG_DEBUG("tunnel " + std::to_string(t.id) + ": handshake from " + from.str());
  afterHandshake(t);
}

}  // namespace re6st::tunnel
