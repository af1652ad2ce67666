// TUN devices through /dev/net/tun (Documentation/networking/tuntap.rst) and link
// settings through the classic interface ioctls (SIOCSIFMTU, SIOCSIFFLAGS, SIOCSIFADDR
// on an AF_INET6 socket with struct in6_ifreq).
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "re6st/base/log.h"
#include "re6st/kernel/tun.h"

namespace re6st::kernel {
namespace {

Error sysError(const std::string& what) {
  return makeError(Code::kIo, what + ": " + std::strerror(errno));
}

// struct in6_ifreq of <linux/ipv6.h>, which clashes with <netinet/in.h>.
struct In6Ifreq {
  uint8_t addr[16];
  uint32_t prefixlen;
  int ifindex;
};

class Socket {
 public:
  explicit Socket(int family) : fd_(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

Result<ifreq> ifreqFor(const std::string& ifname) {
  ifreq ifr{};
  if (ifname.empty() || ifname.size() >= IFNAMSIZ)
    return makeError(Code::kInvalid, "bad interface name '" + ifname + "'");
  std::memcpy(ifr.ifr_name, ifname.data(), ifname.size());
  return ifr;
}

class LinuxTun final : public Tun {
 public:
  LinuxTun(int fd, std::string name, unsigned ifindex, bool vnet)
      : fd_(fd), name_(std::move(name)), ifindex_(ifindex), vnet_(vnet) {}
  ~LinuxTun() override { ::close(fd_); }
  const std::string& name() const override { return name_; }
  unsigned ifindex() const override { return ifindex_; }
  int fd() const override { return fd_; }
  bool vnetHdr() const override { return vnet_; }

  Result<size_t> read(std::span<uint8_t> buf) override {
    for (;;) {
      ssize_t n = ::read(fd_, buf.data(), buf.size());
      if (n >= 0) return size_t(n);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return size_t(0);
      return sysError("read " + name_);
    }
  }
  Status write(ByteSpan packet) override {
    for (;;) {
      ssize_t n = ::write(fd_, packet.data(), packet.size());
      if (n >= 0) return {};
      if (errno == EINTR) continue;
      return sysError("write " + name_);
    }
  }
  Status writev(std::span<const ByteSpan> pieces) override {
    std::array<iovec, 128> iov;
    if (pieces.size() > iov.size()) return makeError(Code::kInvalid, "too many pieces");
    for (size_t i = 0; i < pieces.size(); ++i)
      iov[i] = {const_cast<uint8_t*>(pieces[i].data()), pieces[i].size()};
    for (;;) {
      ssize_t n = ::writev(fd_, iov.data(), int(pieces.size()));
      if (n >= 0) return {};
      if (errno == EINTR) continue;
      return sysError("write " + name_);
    }
  }

 private:
  int fd_;
  std::string name_;
  unsigned ifindex_;
  bool vnet_;
};

// Creates the device on a fresh /dev/net/tun fd; with `offload`, asks for virtio_net
// headers and checksum/TSO offloads (Documentation/networking/tuntap.rst, as QEMU and
// wireguard-go do). Returns the fd or -1 (errno set).
int createTun(ifreq& ifr, bool offload) {
  int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  ifr.ifr_flags = short(IFF_TUN | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0));  // bare IP packets
  int hdrSize = 10;  // sizeof(struct virtio_net_hdr)
  unsigned features = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0 ||
      (offload && (::ioctl(fd, TUNSETVNETHDRSZ, &hdrSize) < 0 ||
                   ::ioctl(fd, TUNSETOFFLOAD, features) < 0))) {
    int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

}  // namespace

Status setMtu(const std::string& ifname, int mtu) {
  auto ifr = ifreqFor(ifname);
  if (!ifr) return ifr.error();
  Socket s(AF_INET6);
  ifr->ifr_mtu = mtu;
  if (::ioctl(s.fd(), SIOCSIFMTU, &*ifr) < 0) return sysError("set MTU of " + ifname);
  return {};
}

Status setTxQueueLen(const std::string& ifname, int len) {
  auto ifr = ifreqFor(ifname);
  if (!ifr) return ifr.error();
  Socket s(AF_INET6);
  ifr->ifr_qlen = len;
  if (::ioctl(s.fd(), SIOCSIFTXQLEN, &*ifr) < 0) return sysError("set txqueuelen of " + ifname);
  return {};
}

Status setUp(const std::string& ifname, bool up) {
  auto ifr = ifreqFor(ifname);
  if (!ifr) return ifr.error();
  Socket s(AF_INET6);
  if (::ioctl(s.fd(), SIOCGIFFLAGS, &*ifr) < 0) return sysError("get flags of " + ifname);
  if (up)
    ifr->ifr_flags = short(ifr->ifr_flags | IFF_UP);
  else
    ifr->ifr_flags = short(ifr->ifr_flags & ~IFF_UP);
  if (::ioctl(s.fd(), SIOCSIFFLAGS, &*ifr) < 0) return sysError("set flags of " + ifname);
  return {};
}

Status addAddress6(const std::string& ifname, const Ipv6& addr, int prefixLen) {
  unsigned index = if_nametoindex(ifname.c_str());
  if (index == 0) return sysError("interface " + ifname);
  In6Ifreq req{};
  std::memcpy(req.addr, addr.data(), 16);
  req.prefixlen = uint32_t(prefixLen);
  req.ifindex = int(index);
  Socket s(AF_INET6);
  if (::ioctl(s.fd(), SIOCSIFADDR, &req) < 0 && errno != EEXIST)
    return sysError("add " + formatIpv6(addr) + "/" + std::to_string(prefixLen) + " to " + ifname);
  return {};
}

Result<std::unique_ptr<Tun>> openTun(const TunConfig& config) {
  auto ifr = ifreqFor(config.name);
  if (!ifr) return ifr.error();
  bool vnet = config.offload;
  int fd = createTun(*ifr, vnet);
  if (fd < 0 && vnet) {
    int why = errno;
    fd = createTun(*ifr, false);
    static bool logged = false;
    if (fd >= 0 && !logged) {  // the refusal was about offloads: say it once
      LOG_INFO(std::string("TUN offloads unavailable (") + std::strerror(why) +
               "), using plain TUN");
      logged = true;
    }
    vnet = false;
  }
  if (fd < 0) return sysError("create " + config.name);
  auto tun = std::make_unique<LinuxTun>(fd, ifr->ifr_name, if_nametoindex(ifr->ifr_name), vnet);
  RE6ST_TRY(setMtu(tun->name(), config.mtu));
  if (config.txQueueLen > 0) RE6ST_TRY(setTxQueueLen(tun->name(), config.txQueueLen));
  if (config.up) RE6ST_TRY(setUp(tun->name(), true));
  for (const auto& [addr, len] : config.addresses) RE6ST_TRY(addAddress6(tun->name(), addr, len));
  return std::unique_ptr<Tun>(std::move(tun));
}

std::string TunPool::acquire() {
  for (int n = 1;; ++n) {
    std::string name = prefix_ + std::to_string(n);
    if (used_.count(name) || if_nametoindex(name.c_str()) != 0) continue;
    used_.insert(name);
    return name;
  }
}

void TunPool::release(const std::string& name) { used_.erase(name); }

}  // namespace re6st::kernel
