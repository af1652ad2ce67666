// Udp: recvmsg with packet info, non-blocking sendto. See udp.h.
#include "re6st/loop/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace re6st::loop {
namespace {

Error sysError(const std::string& what) {
  return makeError(Code::kIo, what + ": " + std::strerror(errno));
}

}  // namespace

Udp::Udp(Loop& loop) : loop_(loop), buf_(65536) {}
Udp::~Udp() { poll_.reset(); }

Status Udp::bind(const SockAddr& local, const UdpOptions& o) {
  int fam = local.family();
  Fd fd(::socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return sysError("socket");
  int one = 1;
  if (o.reuseAddr) setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fam == AF_INET6) {
    int v6only = o.v6only ? 1 : 0;
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    setsockopt(fd.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    if (o.freebind) setsockopt(fd.get(), IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof one);
  }
  // IPv4 packet info also arrives on dual-stack IPv6 sockets for v4-mapped peers.
  setsockopt(fd.get(), IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  if (fam == AF_INET && o.freebind) setsockopt(fd.get(), IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
  if (o.receiveBuffer > 0)
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &o.receiveBuffer, sizeof o.receiveBuffer);
  if (o.sendBuffer > 0)
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &o.sendBuffer, sizeof o.sendBuffer);
  if (!o.device.empty() &&
      setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, o.device.data(),
                 static_cast<socklen_t>(o.device.size())) != 0)
    return sysError("bind to device " + o.device);
  if (::bind(fd.get(), local.raw(), local.size()) != 0) return sysError("bind " + local.str());
  poll_.reset();
  fd_ = std::move(fd);
  poll_ = std::make_unique<Poll>(loop_, fd_.get());
  if (auto a = localAddress(); a.ok()) localPort_ = a->port();
  return {};
}

Status Udp::start(std::function<void(const Datagram&)> cb) {
  if (!fd_.valid()) return makeError(Code::kInternal, "udp: start before bind");
  cb_ = std::move(cb);
  return poll_->start(Poll::kReadable, [this](int ev) {
    if (ev & Poll::kReadable) onReadable();
  });
}

void Udp::stop() {
  if (poll_) poll_->stop();
}

void Udp::onReadable() {
  // Drain a bounded number of datagrams per wake-up so one busy socket cannot starve
  // the rest of the loop.
  for (int n = 0; n < 64; ++n) {
    sockaddr_storage from{};
    alignas(cmsghdr) char control[256];
    iovec iov{buf_.data(), buf_.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t len = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT);
    if (len < 0) return;  // EAGAIN (drained) or a transient error (ICMP-induced)
    if (msg.msg_flags & MSG_TRUNC) continue;  // larger than 64 KiB: cannot be ours
    auto src = SockAddr::fromRaw(reinterpret_cast<sockaddr*>(&from), msg.msg_namelen);
    if (!src.ok()) continue;
    Datagram d;
    d.from = *src;
    d.data = ByteSpan(buf_.data(), static_cast<size_t>(len));
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
        Ipv6 dst;
        std::memcpy(dst.data(), &pi.ipi6_addr, 16);
        d.ifindex = pi.ipi6_ifindex;
        d.to = SockAddr::fromIpv6(dst, 0);
      } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
        d.ifindex = static_cast<unsigned>(pi.ipi_ifindex);
        d.to = SockAddr::fromIpv4(ntohl(pi.ipi_addr.s_addr), 0);
      }
    }
    d.to.setPort(localPort_);
    if (cb_) {
      auto cb = cb_;
      cb(d);
      if (!fd_.valid()) return;
    }
  }
}

Status Udp::send(const SockAddr& to, ByteSpan data) {
  if (!fd_.valid()) return makeError(Code::kInternal, "udp: send before bind");
  ssize_t n = ::sendto(fd_.get(), data.data(), data.size(), MSG_DONTWAIT, to.raw(), to.size());
  if (n < 0) {
    if (errno == EAGAIN || errno == ENOBUFS) {
      ++dropped_;
      return {};
    }
    return sysError("send to " + to.str());
  }
  return {};
}

Status Udp::joinGroup6(const Ipv6& group, unsigned ifindex) {
  ipv6_mreq m{};
  std::memcpy(&m.ipv6mr_multiaddr, group.data(), 16);
  m.ipv6mr_interface = ifindex;
  if (setsockopt(fd_.get(), IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m, sizeof m) != 0 &&
      errno != EADDRINUSE)
    return sysError("join multicast group on ifindex " + std::to_string(ifindex));
  return {};
}

Status Udp::leaveGroup6(const Ipv6& group, unsigned ifindex) {
  ipv6_mreq m{};
  std::memcpy(&m.ipv6mr_multiaddr, group.data(), 16);
  m.ipv6mr_interface = ifindex;
  if (setsockopt(fd_.get(), IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &m, sizeof m) != 0)
    return sysError("leave multicast group on ifindex " + std::to_string(ifindex));
  return {};
}

Status Udp::setMulticastInterface6(unsigned ifindex) {
  if (setsockopt(fd_.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof ifindex) != 0)
    return sysError("IPV6_MULTICAST_IF");
  return {};
}

Status Udp::setMulticastLoop(bool on) {
  int v = on ? 1 : 0;
  if (setsockopt(fd_.get(), IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &v, sizeof v) != 0)
    return sysError("IPV6_MULTICAST_LOOP");
  return {};
}

Status Udp::setMulticastHops(int hops) {
  if (setsockopt(fd_.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) != 0)
    return sysError("IPV6_MULTICAST_HOPS");
  return {};
}

Status Udp::setUnicastHops(int hops) {
  if (setsockopt(fd_.get(), IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) != 0)
    return sysError("IPV6_UNICAST_HOPS");
  return {};
}

Result<SockAddr> Udp::localAddress() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return sysError("getsockname");
  return SockAddr::fromRaw(reinterpret_cast<sockaddr*>(&ss), len);
}

}  // namespace re6st::loop
