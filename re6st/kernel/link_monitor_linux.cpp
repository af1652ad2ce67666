// LinkMonitor over a NETLINK_ROUTE socket bound to the link and IPv6 address groups
// (rtnetlink(7)). Contents are not parsed: any message means "look again".
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "re6st/kernel/link_monitor.h"
#include "re6st/kernel/netlink.h"

namespace re6st::kernel {

Result<std::unique_ptr<LinkMonitor>> LinkMonitor::open() {
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) return kernelError(errno, "netlink monitor socket");
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = RTMGRP_LINK | RTMGRP_IPV6_IFADDR;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) < 0) {
    int e = errno;
    ::close(fd);
    return kernelError(e, "netlink monitor bind");
  }
  return std::unique_ptr<LinkMonitor>(new LinkMonitor(fd));
}

LinkMonitor::~LinkMonitor() { ::close(fd_); }

bool LinkMonitor::drain() {
  bool any = false;
  char buf[8192];
  for (int i = 0; i < 1024; ++i) {  // bounded: a storm of changes cannot pin the loop
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      any = true;
      continue;
    }
    // ENOBUFS: notifications were lost; the caller re-reads everything anyway.
    if (n < 0 && errno == ENOBUFS) {
      any = true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  return any;
}

}  // namespace re6st::kernel
