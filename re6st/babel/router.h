// The Babel router core (RFC 8966 + RFC 9079 source-specific + babeld's RTT extension +
// RFC 8967 HMAC), sans-I/O: packets and time go in, actions (send, install/remove route)
// come out of pollAction(). It never reads a clock, entropy, a socket or the kernel.
// Single-threaded: one Router is driven by one loop (or by the simulator).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "re6st/base/bytes.h"
#include "re6st/base/clock.h"
#include "re6st/base/prefix.h"
#include "re6st/base/random.h"
#include "re6st/base/result.h"

namespace re6st::babel {

using RouterId = std::array<uint8_t, 8>;
constexpr uint16_t kInfinity = 0xFFFF;  // RFC 8966 §2.1: metric infinity
constexpr uint16_t kPort = 6696;        // RFC 8966 §5
// ff02::1:6, the all-Babel-routers link-local multicast group (RFC 8966 §5).
constexpr Ipv6 kMulticast = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 6};

enum class IfType { kWired, kWireless, kTunnel };

// babeld's RTT parameters (babeld(8): rtt-min, rtt-max, max-rtt-penalty, rtt-decay).
// re6st runs babeld with max-rtt-penalty 5000 rtt-max 500 rtt-decay 125.
struct RttParams {
  Duration rttMin = milliseconds(10);
  Duration rttMax = milliseconds(500);
  uint16_t maxRttPenalty = 5000;
  uint8_t rttDecay = 125;  // weight of a new RTT sample in the average, out of 256
};

// RFC 8967 §4.1 keys; babeld's "key type ... id ... value ..." (blake2s128 is what re6st uses).
enum class KeyType { kHmacSha256, kBlake2s128 };
struct Key {
  std::string id;
  KeyType type = KeyType::kBlake2s128;
  Bytes value;  // hmac-sha256: any length; blake2s128: 1..32 bytes
};

// A route we originate (RFC 8966 §3.7 "redistributed"), optionally source-specific
// (RFC 9079): re6st redistributes the node's own prefix, and ::/0 from <network> on gateways.
struct Xroute {
  Prefix dst;
  Prefix src{};  // ::/0 = not source-specific
  uint16_t metric = 0;
  bool operator==(const Xroute&) const = default;
};

struct InterfaceDefaults {
  uint16_t wiredCost = 96;     // babeld: rxcost 96 on wired and tunnel links (2-out-of-3)
  uint16_t wirelessCost = 256; // babeld: rxcost 256 on wireless links (ETX)
  bool timestampsOnTunnel = true;   // babeld: enable-timestamps defaults to on for tunnels
  bool timestampsOnWired = false;
};

struct Config {
  RouterId routerId{};
  uint16_t seqno = 0;                 // initial seqno (babeld picks it at random)
  Duration helloInterval = seconds(4);  // babeld -h; re6st takes it from the network config
  Duration updateInterval{};          // 0 = 4 × helloInterval (babeld's default)
  InterfaceDefaults interfaces;
  RttParams rtt;
  std::optional<Key> signKey;         // RFC 8967: sign every packet with it
  std::vector<Key> acceptKeys;        // verify with any; when non-empty, unsigned packets drop
  std::vector<Xroute> redistribute;
  // RFC 9229: on an interface without an IPv4 address, IPv4 routes go out as v4-via-v6
  // (AE 4, our link-local address as next hop), as babeld ≥ 1.12 does on Linux ≥ 5.2.
  // Off: IPv4 routes are only announced where the interface has an IPv4 address.
  bool v4viav6 = true;
};

// Actions. An InstallRoute replaces any installed route with the same (dst, src); it is
// emitted when the next hop changes, not on every metric change (metric is informative:
// drivers install with one fixed kernel priority, as babeld does).
struct SendPacket {
  int ifindex = 0;
  Ipv6 dst{};  // kMulticast or a neighbour's link-local address
  Bytes bytes;
};
struct InstallRoute {
  Prefix dst;
  Prefix src;  // ::/0 unless source-specific
  Ipv6 nexthop{};
  int ifindex = 0;
  uint16_t metric = 0;
};
struct RemoveRoute {
  Prefix dst;
  Prefix src;
  Ipv6 nexthop{};
  int ifindex = 0;
  uint16_t metric = 0;
};
using Action = std::variant<SendPacket, InstallRoute, RemoveRoute>;

struct NeighbourInfo {
  Ipv6 address{};
  int ifindex = 0;
  uint16_t cost = kInfinity;    // link cost incl. RTT penalty and multiplier
  uint16_t rxcost = kInfinity;  // what we advertise in IHU
  uint16_t txcost = kInfinity;  // what the neighbour told us in IHU
  Duration rtt{};               // smoothed; 0 when unknown
  bool rttValid = false;
};

struct RouteInfo {
  Prefix dst;
  Prefix src;
  RouterId routerId{};
  uint16_t seqno = 0;
  uint16_t metric = kInfinity;
  Ipv6 nexthop{};
  int ifindex = 0;
  bool selected = false;
  bool feasible = false;
};

class RouterState;  // the tables (router.cpp); kept out of this header

class Router {
 public:
  Router(Config config, Random& random);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Interfaces come and go at run time. linkLocal is our source address on that link.
  Status addInterface(int ifindex, std::string name, IfType type, const Ipv6& linkLocal,
                      Time now);
  void removeInterface(int ifindex, Time now);

  // Multiplies the link cost of one neighbour (or of every neighbour on an interface):
  // the tunnel manager raises it to drain a tunnel before closing it. 1.0 = neutral.
  void setCostMultiplier(const Ipv6& neighbour, int ifindex, double factor, Time now);
  void setInterfaceCostMultiplier(int ifindex, double factor, Time now);

  // Replaces the set of originated routes (e.g. a node becoming a gateway).
  void setRedistributed(std::vector<Xroute> routes, Time now);

  // Our IPv4 address (IPv4-mapped) on an interface, or none. With one, IPv4 routes go
  // out there as AE 1 with it as next hop (RFC 8966 §4.6.8); without, as v4-via-v6.
  void setInterfaceIpv4(int ifindex, std::optional<Ipv6> address, Time now);

  // The kernel refused the InstallRoute (dst, src, nexthop, ifindex) and the driver
  // removed what it had for (dst, src): the route is not installed, so
  // the core selects another route if one is feasible (or retracts the destination),
  // and retries the refused one after a while (kRefusedRetry in router.cpp).
  void routeRefused(const Prefix& dst, const Prefix& src, const Ipv6& nexthop, int ifindex,
                    Time now);

  // Clean exit: every interface at once gets a retraction of each originated route, a
  // wildcard retraction (RFC 8966 §4.6.9: everything we announced) and a Hello with a
  // short interval, as babeld does on exit; resent a few times (§3.7.2 "MAY send … a
  // small number of times") at nextTimeout() while shutdownPending(). The core then
  // sends nothing else and ignores packets; it still emits RemoveRoute when interfaces
  // are removed.
  void shutdown(Time now);
  bool shutdownPending() const;

  // One received UDP payload. dst tells multicast from unicast. An error means the
  // packet was dropped (malformed, bad MAC, unknown interface); state is unchanged then.
  Status handlePacket(Time now, int ifindex, const Ipv6& src, const Ipv6& dst, ByteSpan bytes);
  void handleTimeout(Time now);
  Time nextTimeout() const;
  std::optional<Action> pollAction();

  // Queries.
  const Config& config() const;
  std::vector<NeighbourInfo> neighbours() const;
  std::vector<Prefix> routesVia(const Ipv6& neighbour, int ifindex) const;  // selected dsts
  std::vector<Prefix> reachablePrefixes() const;  // selected, finite metric, incl. ours
  std::vector<RouteInfo> routes() const;           // every route in the table
  std::vector<RouteInfo> selectedRoutes() const;   // the selected one per destination
  nlohmann::json dump() const;                     // neighbours, routes, xroutes

 private:
  std::unique_ptr<RouterState> s_;
};

}  // namespace re6st::babel
