// SockAddr: an IPv4 or IPv6 socket address (with port and IPv6 scope), parsed from and
// printed as text ("198.18.0.1:1194", "[2001:db8::1]:326", "fe80::1%eth0").
// A plain value type: no I/O, no libuv; usable by cores as an opaque peer address.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "re6st/base/prefix.h"
#include "re6st/base/result.h"

namespace re6st::loop {

class SockAddr {
 public:
  SockAddr();  // unspecified (family AF_UNSPEC)

  // Numeric host only (no DNS): "198.18.0.1", "2001:db8::1", "fe80::1%eth0".
  static Result<SockAddr> parse(std::string_view host, uint16_t port);
  // "host:port", "[v6]:port" (a bare IPv6 literal needs brackets when a port follows).
  static Result<SockAddr> parseHostPort(std::string_view text);
  static SockAddr fromIpv6(const Ipv6& ip, uint16_t port, uint32_t scope = 0);
  static SockAddr fromIpv4(uint32_t hostOrderAddr, uint16_t port);
  static SockAddr anyV6(uint16_t port);
  static SockAddr anyV4(uint16_t port);
  static Result<SockAddr> fromRaw(const sockaddr* sa, socklen_t len);

  int family() const { return ss_.ss_family; }
  bool isV4() const { return family() == AF_INET; }
  bool isV6() const { return family() == AF_INET6; }
  bool valid() const { return isV4() || isV6(); }
  uint16_t port() const;
  void setPort(uint16_t port);
  uint32_t scope() const;  // IPv6 scope id (ifindex for link-local), else 0
  // IPv6 address; an IPv4 address comes back v4-mapped (::ffff:a.b.c.d).
  Ipv6 ipv6() const;
  uint32_t ipv4() const;   // host order; 0 if not IPv4
  std::string host() const;  // address text without port ("fe80::1%eth0" keeps scope)
  std::string str() const;   // "1.2.3.4:5" or "[::1]:5"

  const sockaddr* raw() const { return reinterpret_cast<const sockaddr*>(&ss_); }
  sockaddr* raw() { return reinterpret_cast<sockaddr*>(&ss_); }
  socklen_t size() const;

  bool operator==(const SockAddr& o) const;
  bool operator<(const SockAddr& o) const;
  size_t hash() const;

 private:
  sockaddr_storage ss_;
};

struct SockAddrHash {
  size_t operator()(const SockAddr& a) const { return a.hash(); }
};

}  // namespace re6st::loop
