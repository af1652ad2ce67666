// Routes over rtnetlink (rtnetlink(7)): one NETLINK_ROUTE socket, synchronous requests
// matched to replies by sequence number, extended acks for the kernel's explanations.
// A receive timeout bounds every call, so a silent kernel cannot hang the caller.
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "re6st/kernel/route_msg.h"
#include "re6st/kernel/routes.h"

namespace re6st::kernel {
namespace {

const char* requestName(uint16_t type) {
  switch (type) {
    case RTM_NEWROUTE: return "RTM_NEWROUTE";
    case RTM_DELROUTE: return "RTM_DELROUTE";
    case RTM_GETROUTE: return "RTM_GETROUTE";
    case RTM_NEWADDR: return "RTM_NEWADDR";
    case RTM_DELADDR: return "RTM_DELADDR";
    case RTM_GETADDR: return "RTM_GETADDR";
    case RTM_NEWLINK: return "RTM_NEWLINK";
    case RTM_GETLINK: return "RTM_GETLINK";
    default: return "netlink request";
  }
}

class LinuxRoutes final : public Routes {
 public:
  explicit LinuxRoutes(int fd) : fd_(fd), buf_(1 << 16) {}
  ~LinuxRoutes() override { ::close(fd_); }
  LinuxRoutes(const LinuxRoutes&) = delete;
  LinuxRoutes& operator=(const LinuxRoutes&) = delete;

  Status addRoute(const Route& r) override {
    return transact(routeRequest(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r), r.str());
  }
  Status replaceRoute(const Route& r) override {
    return transact(routeRequest(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r), r.str());
  }
  Status deleteRoute(const Route& r) override {
    return transact(routeRequest(RTM_DELROUTE, 0, r), r.str());
  }

  Result<std::vector<Route>> listRoutes(bool v4, uint8_t protocol) override {
    std::vector<Route> out;
    auto st = dump(routeDumpRequest(v4), [&](const NlMessage& m) {
      auto r = decodeRoute(m);
      if (r.ok() && (protocol == 0 || r->protocol == protocol)) out.push_back(*r);
    }, [&] { out.clear(); });
    if (!st.ok()) return st.error();
    return out;
  }

  Result<int> flushRoutes(uint8_t protocol) override {
    int n = 0;
    for (bool v4 : {false, true}) {
      auto routes = listRoutes(v4, protocol);
      if (!routes.ok()) return routes.error();
      for (const auto& r : *routes) {
        auto st = deleteRoute(r);
        if (st.ok()) ++n;
        else if (st.error().code != Code::kNotFound) return st.error();
      }
    }
    return n;
  }

  Status addAddress(const Address& a) override {
    return transact(addressRequest(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, a), addrText(a));
  }
  Status deleteAddress(const Address& a) override {
    return transact(addressRequest(RTM_DELADDR, 0, a), addrText(a));
  }
  Result<std::vector<Address>> listAddresses(bool v4, int ifindex) override {
    std::vector<Address> out;
    auto st = dump(addressDumpRequest(v4), [&](const NlMessage& m) {
      auto a = decodeAddress(m);
      if (a.ok() && (ifindex == 0 || a->ifindex == ifindex)) out.push_back(*a);
    }, [&] { out.clear(); });
    if (!st.ok()) return st.error();
    return out;
  }

  Result<Link> linkByName(const std::string& name) override {
    if (name.empty() || name.size() >= 16) return makeError(Code::kInvalid, "bad interface name '" + name + "'");
    return getLink(linkGetRequest(0, name), "interface " + name);
  }
  Result<Link> linkByIndex(int ifindex) override {
    return getLink(linkGetRequest(ifindex, ""), "interface #" + std::to_string(ifindex));
  }
  Result<std::vector<Link>> listLinks() override {
    std::vector<Link> out;
    auto st = dump(linkDumpRequest(), [&](const NlMessage& m) {
      auto l = decodeLink(m);
      if (l.ok()) out.push_back(*l);
    }, [&] { out.clear(); });
    if (!st.ok()) return st.error();
    return out;
  }
  Status setLinkUp(int ifindex, bool up) override {
    return transact(linkSetRequest(ifindex, up, 0), "interface #" + std::to_string(ifindex));
  }
  Status setMtu(int ifindex, uint32_t mtu) override {
    if (mtu == 0) return makeError(Code::kInvalid, "MTU 0");
    return transact(linkSetRequest(ifindex, std::nullopt, mtu), "interface #" + std::to_string(ifindex));
  }

 private:
  static std::string addrText(const Address& a) {
    return formatPrefix(a.prefix) + " dev " + std::to_string(a.ifindex);
  }

  Status send(NlRequest& req, uint32_t seq) {
    const Bytes& b = req.finish(seq);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t n = ::sendto(fd_, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    if (n < 0) return kernelError(errno, std::string("send ") + requestName(req.type()));
    return {};
  }

  // Receives datagrams and hands each message with our seq to fn until fn returns true.
  Status receive(uint32_t seq, const std::string& what,
                 const std::function<Result<bool>(const NlMessage&)>& fn) {
    for (;;) {
      ssize_t n = ::recv(fd_, buf_.data(), buf_.size(), MSG_TRUNC);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return makeError(Code::kTimeout, what + ": no answer from the kernel");
        return kernelError(errno, what);
      }
      if (static_cast<size_t>(n) > buf_.size()) return makeError(Code::kIo, what + ": reply truncated");
      auto msgs = splitMessages(ByteSpan(buf_.data(), static_cast<size_t>(n)));
      if (!msgs.ok()) return msgs.error().wrap(what);
      for (const auto& m : *msgs) {
        if (m.seq != seq) continue;  // a late answer to an earlier, timed-out request
        auto done = fn(m);
        if (!done.ok()) return done.error();
        if (*done) return {};
      }
    }
  }

  Status transact(NlRequest req, const std::string& subject) {
    uint32_t seq = ++seq_;
    std::string what = std::string(requestName(req.type())) + " " + subject;
    RE6ST_TRY(send(req, seq));
    return receive(seq, what, [&](const NlMessage& m) -> Result<bool> {
      if (m.type != NLMSG_ERROR) return false;
      auto ack = parseAck(m);
      if (!ack.ok()) return ack.error().wrap(what);
      if (ack->error) return kernelError(ack->error, what, ack->message);
      return true;
    });
  }

  // A dump that a concurrent change interrupted (NLM_F_DUMP_INTR) is inconsistent:
  // it is run again, up to 3 times; restart() lets the caller drop what it collected.
  Status dump(NlRequest req, const std::function<void(const NlMessage&)>& each,
              const std::function<void()>& restart) {
    std::string what = std::string(requestName(req.type())) + " dump";
    for (int attempt = 0;; ++attempt) {
      uint32_t seq = ++seq_;
      RE6ST_TRY(send(req, seq));
      bool interrupted = false;
      auto st = receive(seq, what, [&](const NlMessage& m) -> Result<bool> {
        if (m.flags & NLM_F_DUMP_INTR) interrupted = true;
        if (m.type == NLMSG_DONE) return true;
        if (m.type == NLMSG_ERROR) {
          auto ack = parseAck(m);
          if (!ack.ok()) return ack.error().wrap(what);
          if (ack->error) return kernelError(ack->error, what, ack->message);
          return true;
        }
        each(m);
        return false;
      });
      if (!st.ok() || !interrupted) return st;
      if (attempt == 2) return makeError(Code::kIo, what + ": interrupted by changes 3 times");
      restart();
    }
  }

  Result<Link> getLink(NlRequest req, const std::string& what) {
    uint32_t seq = ++seq_;
    RE6ST_TRY(send(req, seq));
    std::optional<Link> link;
    auto st = receive(seq, what, [&](const NlMessage& m) -> Result<bool> {
      if (m.type == NLMSG_ERROR) {
        auto ack = parseAck(m);
        if (!ack.ok()) return ack.error().wrap(what);
        if (ack->error) return kernelError(ack->error, what, ack->message);
        return true;
      }
      auto l = decodeLink(m);
      if (!l.ok()) return l.error().wrap(what);
      link = *l;
      return true;
    });
    if (!st.ok()) return st.error();
    if (!link) return makeError(Code::kNotFound, what + ": no such interface");
    return *link;
  }

  int fd_;
  uint32_t seq_ = 0;
  std::vector<uint8_t> buf_;
};

}  // namespace

Result<std::unique_ptr<Routes>> openLinuxRoutes() {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return kernelError(errno, "netlink socket");
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) < 0) {
    int e = errno;
    ::close(fd);
    return kernelError(e, "netlink bind");
  }
  int one = 1;
  // Best effort: older kernels lack extended acks; errors are then only errno.
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  (void)::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  timeval tv{2, 0};
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int rcv = 1 << 20;
  (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  return std::unique_ptr<Routes>(new LinuxRoutes(fd));
}

}  // namespace re6st::kernel
