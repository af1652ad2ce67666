// Internal state of the Babel router core (router.h): interfaces, neighbours, sources,
// routes, originated routes and the outgoing action queue, with the operations that the
// receive (router_recv.cpp), send (router_send.cpp) and timer (router.cpp) paths share.
// Not part of the public interface; single-threaded like Router.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "re6st/babel/codec.h"
#include "re6st/babel/neighbour.h"
#include "re6st/babel/route_table.h"
#include "re6st/babel/router.h"
#include "re6st/babel/source.h"

namespace re6st::babel {

struct Interface {
  int ifindex = 0;
  std::string name;
  Ipv6 linkLocal{};
  LinkParams link;
  uint16_t helloSeqno = 0;
  unsigned hellos = 0;  // IHUs ride on every third Hello (§3.4.2) unless timestamping
  Time nextHello{};
  uint32_t pc = 0;  // RFC 8967 §3.1 packet counter and index for this interface
  Bytes pcIndex;
  std::optional<Ipv6> ipv4;  // our IPv4 address here (IPv4-mapped), next hop for AE 1
};

using NeighbourKey = std::pair<int, Ipv6>;  // (ifindex, link-local address)

constexpr size_t kMaxPacket = 1150;  // fits the 1280-byte IPv6 minimum MTU with a MAC
constexpr int kSeqnoRequestHops = 64;  // §3.8.2.1 initial hop count
// Triggered updates wait this long so that a burst of changes shares packets.
constexpr Duration kTriggerDelay = milliseconds(30);
// Shutdown: the goodbye packet goes out this many times, this far apart (babeld sends
// its wildcard retraction twice, 1 and 10 ms apart, at exit).
constexpr int kGoodbyes = 3;
constexpr Duration kGoodbyeGap = milliseconds(10);
// A retraction goes out again this many times, first after this long, then twice as
// long (babeld resends lost-route retractions the same way, RFC 8966 §3.7.2).
constexpr int kRetractionResends = 2;
constexpr Duration kRetractionResendGap = milliseconds(500);
// A route the kernel refused is tried again after this long.
constexpr Duration kRefusedRetry = seconds(5);

class RouterState {
 public:
  RouterState(Config c, Random& r);

  Config cfg;
  Random& rnd;
  uint16_t seqno = 0;
  std::map<int, Interface> ifaces;
  // Earliest Interface::nextHello, cached for Router::nextTimeout (asked after every
  // packet); reset wherever a nextHello or the set of interfaces changes.
  mutable std::optional<Time> helloMin;
  std::map<NeighbourKey, Neighbour> neighbours;
  SourceTable sources;
  std::unordered_map<RouteKey, Destination, RouteKeyHash> routes;
  // No route expires before this (a lower bound: set from every Route::expires written,
  // made exact by each scan), so housekeeping skips the scan while nothing can expire.
  Time routesExpireMin{};
  std::map<RouteKey, Xroute> xroutes;
  std::set<RouteKey> triggered;  // pending triggered updates, sent on every interface
  std::optional<Time> flushAt;   // when they go out (batched like babeld's buffers)
  std::map<std::tuple<Prefix, Prefix, uint16_t>, Time> forwarded;  // seqno request dedup
  std::deque<Action> actions;
  Time nextHousekeeping{};
  std::optional<Time> nextUpdate;  // periodic full dump on all interfaces
  std::map<RouteKey, Time> refused;  // destinations whose selected route the kernel refused
  struct Resend { int left = 0; Time at{}; Duration gap{}; };
  std::map<RouteKey, Resend> resends;  // retractions still to repeat
  std::optional<Time> nextResend;
  bool down = false;                 // shutdown() was called
  bool sendingGoodbye = false;       // the only sends allowed once down
  int goodbyesLeft = 0;
  Time nextGoodbye{};

  Duration updateInterval() const;
  Duration housekeepingInterval() const;
  // router_query.cpp: Router::routes (every route, or the selected ones only).
  std::vector<RouteInfo> routeInfos(bool selectedOnly) const;
  uint16_t centis(Duration d) const;

  // router_recv.cpp
  Status receive(Time now, int ifindex, const Ipv6& src, const Ipv6& dst, ByteSpan bytes);
  void onHello(Neighbour& n, const Hello& h, Time now);
  void onIhu(Neighbour& n, Interface& ifc, const Ihu& t, std::optional<uint32_t> helloTs,
             Time now);
  void onUpdate(Neighbour& n, const Update& u, Time now);
  void onRouteReq(Neighbour& n, const RouteReq& q, Time now);
  void onSeqnoReq(Neighbour& n, const SeqnoReq& q, Time now);
  bool authenticate(Interface& ifc, Neighbour& n, const ParsedPacket& p, Time now);
  void answerStranger(Interface& ifc, const Ipv6& src, const ParsedPacket& p, Time now);

  // router.cpp: route bookkeeping
  Neighbour& neighbour(int ifindex, const Ipv6& addr, Time now);
  void refreshCost(Neighbour& n, Time now);
  void flushNeighbour(const NeighbourKey& key, Time now);
  void reselect(const RouteKey& key, Destination& d, Time now);
  void housekeeping(Time now);
  void expireRoutes(Time now);
  void retryRefused(Time now);
  void resendRetractions(Time now);

  // router_send.cpp
  void sendHello(Interface& ifc, Time now);
  void sendFullDump(Interface& ifc, const Ipv6& dst, Time now);
  void sendUpdateTo(Interface& ifc, const Ipv6& dst, const RouteKey& key, Time now);
  void sendRouteRequest(Interface& ifc, const Ipv6& dst, const RouteReq& q);
  void sendSeqnoRequest(Interface& ifc, const Ipv6& dst, const SeqnoReq& q);
  void requestSeqno(const RouteKey& key, Destination& d, Neighbour* only, const RouterId& rid,
                    Time now);
  void flushTriggered(Time now);  // sends them if due (or if force)
  void maybeFlush(Time now, bool force = false);
  std::optional<Update> announcement(const RouteKey& key, const Interface& out, Time now);
  // out == nullptr: no split horizon (the caller applies it per interface).
  Update announce(const RouteKey& key, const Xroute* x, const Destination* d,
                  const Interface* out, Time now);
  void sendPeriodicDump(Time now);  // one full dump on every interface (§3.7.1)
  // IPv4 updates per interface: AE 1 + our IPv4 next hop, or AE 4 (RFC 9229); false
  // when the route cannot be announced on ifc (IPv4 without address and v4viav6 off).
  bool fitFamily(Update& u, const Interface& ifc) const;
  void sendGoodbye(Time now);  // shutdown(): retractions + short Hello, every interface
  PacketWriter newPacket(Interface& ifc);
  void emit(Interface& ifc, const Ipv6& dst, PacketWriter& w);
};

}  // namespace re6st::babel
