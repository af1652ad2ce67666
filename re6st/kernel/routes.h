// The kernel's routing state behind a small interface: IPv6 and IPv4 routes (incl.
// source-specific, unreachable, preferred source, protocol, table, metric), addresses
// and links. LinuxRoutes (routes_linux.cpp) speaks rtnetlink; a fake can stand in. Calls
// are synchronous (the kernel answers at once) and not thread-safe per object.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "re6st/base/prefix.h"
#include "re6st/base/result.h"

namespace re6st::kernel {

// Our routes carry this protocol number: 42 is RTPROT_BABEL, what `ip route` shows for
// the routes of re6stnet's babeld ("proto babel"), so users see the same tables. We flush
// exactly these at start and exit (never run babeld in the same namespace as us).
constexpr uint8_t kProtoRe6st = 42;
// Routes the node installs itself (the unreachable network route…) are "proto static"
// by default, so the Babel driver's flush never takes them.
constexpr uint8_t kProtoStatic = 4;  // RTPROT_STATIC
constexpr uint32_t kTableMain = 254;  // RT_TABLE_MAIN

// IPv4 addresses and prefixes travel as IPv4-mapped IPv6 (::ffff:a.b.c.d, length
// 96 + len) so one Prefix type serves both families; the family follows from the prefix.
bool isV4(const Ipv6& a);
bool isV4(const Prefix& p);
bool isLinkLocal(const Ipv6& a);  // fe80::/10
Ipv6 v4Address(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
Prefix v4Prefix(const Ipv6& mapped, int len4);  // len4 in 0..32
// "2001:db8::/64" or "10.0.0.0/8"; "a.b.c.d" or IPv6 text for addresses.
std::string formatPrefix(const Prefix& p);
std::string formatAddress(const Ipv6& a);
// Parses either family ("10.1.0.0/16" → mapped, "2001:db8::/32").
Result<Prefix> parseAnyPrefix(std::string_view text);
Result<Ipv6> parseAnyAddress(std::string_view text);

enum class RouteType : uint8_t { kUnicast, kUnreachable, kBlackhole, kProhibit };

struct Route {
  Prefix dst;
  Prefix src;  // source-specific (RFC 9079 / RTA_SRC); len 0 = any source
  RouteType type = RouteType::kUnicast;
  std::optional<Ipv6> gateway;  // next hop (link-local for Babel routes)
  int ifindex = 0;              // output interface, 0 = none
  std::optional<Ipv6> prefsrc;  // preferred source address (RTA_PREFSRC)
  uint32_t metric = 0;          // RTA_PRIORITY
  uint32_t table = kTableMain;
  uint8_t protocol = kProtoStatic;  // the Babel driver sets kProtoRe6st
  // RTNH_F_ONLINK: the gateway is on the link even if no local prefix covers it (an
  // IPv4 neighbour's address on a tunnel, as babeld installs its IPv4 routes).
  bool onlink = false;

  bool operator==(const Route&) const = default;
  std::string str() const;  // "2001:db8::/64 from ::/0 via fe80::1 dev 3 metric 1024"
};

struct Address {
  int ifindex = 0;
  Prefix prefix;  // address (host bits kept) and its prefix length
  uint8_t scope = 0;  // RT_SCOPE_UNIVERSE 0, RT_SCOPE_LINK 253, RT_SCOPE_HOST 254
  bool tentative = false;  // IFA_F_TENTATIVE: DAD not finished, not usable yet
};

struct Link {
  int ifindex = 0;
  std::string name;
  uint32_t mtu = 0;
  bool up = false;       // IFF_UP (administrative)
  bool running = false;  // IFF_RUNNING (carrier)
};

class Routes {
 public:
  virtual ~Routes() = default;

  // Routes. add fails with kExists if the same key exists; replace overwrites it.
  virtual Status addRoute(const Route& r) = 0;
  virtual Status replaceRoute(const Route& r) = 0;
  // Deletes the route with r's key (dst, src, table, metric, type); kNotFound if absent.
  virtual Status deleteRoute(const Route& r) = 0;
  // Routes of one family (v4 = false → IPv6) in every table; protocol 0 = all protocols.
  virtual Result<std::vector<Route>> listRoutes(bool v4, uint8_t protocol = 0) = 0;
  // Deletes every route of both families tagged with protocol; returns how many.
  virtual Result<int> flushRoutes(uint8_t protocol = kProtoRe6st) = 0;

  // Addresses (IPv6 added with IFA_F_NODAD: usable at once).
  virtual Status addAddress(const Address& a) = 0;
  virtual Status deleteAddress(const Address& a) = 0;
  virtual Result<std::vector<Address>> listAddresses(bool v4, int ifindex = 0) = 0;

  // Links.
  virtual Result<Link> linkByName(const std::string& name) = 0;
  virtual Result<Link> linkByIndex(int ifindex) = 0;
  virtual Result<std::vector<Link>> listLinks() = 0;
  virtual Status setLinkUp(int ifindex, bool up) = 0;
  virtual Status setMtu(int ifindex, uint32_t mtu) = 0;

  // The interface's usable (non-tentative) IPv6 link-local address; kNotFound if none.
  Result<Ipv6> linkLocal(int ifindex);
};

// rtnetlink implementation; fails only when the netlink socket cannot be opened.
Result<std::unique_ptr<Routes>> openLinuxRoutes();

}  // namespace re6st::kernel
