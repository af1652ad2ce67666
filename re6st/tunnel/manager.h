// The tunnel manager core (re6stnet's tunnel.py TunnelManager), sans-I/O: it decides
// which tunnels to open and close from Babel's routing dump, tunnel events and peer
// messages, and returns actions. It never touches a socket, a TUN or a clock; Random and
// the peer cache are injected. Single-threaded: driven by one loop or by the simulator.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/clock.h"
#include "re6st/base/prefix.h"
#include "re6st/base/random.h"
#include "re6st/peer/cache.h"
#include "re6st/peer/codec.h"

namespace re6st::babel {
struct NeighbourInfo;
struct RouteInfo;
}  // namespace re6st::babel

namespace re6st::tunnel {

// A Babel neighbour: its link-local address and the tunnel interface it is heard on.
struct NeighbourRef {
  Ipv6 address{};
  uint32_t ifindex = 0;
  auto operator<=>(const NeighbourRef&) const = default;
};

// Cost multipliers as re6st's babeld takes them (ctl SetCostMultiplier, uint16): in units
// of 1/256 of the link cost, 256 neutral; 0 locks the neighbour (no route through it).
constexpr uint16_t kNeutralMultiplier = 256;
constexpr uint16_t kDrainMultiplier = 4096;  // TunnelKiller soft lock: cost × 16
constexpr uint16_t kLockMultiplier = 0;      // TunnelKiller hard lock
// The factor for babel::Router::setCostMultiplier: +infinity for a lock.
double babelCostFactor(uint16_t multiplier);

// What the manager needs from Babel (re6stnet asks babeld for the same dump).
struct RoutingDump {
  struct Neighbour {
    NeighbourRef ref;
    uint16_t costMultiplier = kNeutralMultiplier;
  };
  struct Route {  // an installed route
    // Bits after the network prefix when the destination is inside the network
    // (the node prefix; "" for the network itself); nullopt outside (e.g. ::/0).
    std::optional<std::string> prefix;
    NeighbourRef via;
    uint16_t refmetric = 0;  // 0: originated by the neighbour itself
  };
  std::vector<Neighbour> neighbours;
  std::vector<Route> routes;
  // Distant-peer candidates when the caller knows better than the routes: the scale
  // simulator's sampled mode (re6st sim --track), where Babel carries only some node
  // prefixes. They count as routed; new tunnels are chosen among them only.
  // nullopt (the node): every routed node prefix is a candidate, as in re6stnet.
  std::optional<std::vector<std::string>> candidates;
};

// Builds the dump from the Babel router's tables (babel::Router::neighbours/routes):
// selected routes only; a route's refmetric is its metric minus the neighbour's cost.
// multipliers: what the manager last set per neighbour (others are neutral).
RoutingDump dumpFromBabel(const std::vector<babel::NeighbourInfo>& neighbours,
                          const std::vector<babel::RouteInfo>& routes, const Prefix& network,
                          const std::map<NeighbourRef, uint16_t>& multipliers);

struct Config {
  std::string prefix;          // our node prefix (bits)
  std::string registryPrefix;  // the registry node's prefix (bits)
  unsigned clientCount = 10;   // --client-count
  unsigned maxClients = 10;    // --max-clients (incoming tunnels accepted)
  Duration tunnelRefresh = seconds(300);  // network config tunnel_refresh
  Duration timeout = seconds(60);         // re6stnet: 4 × Babel hello interval
  std::set<std::string> neighbours;       // --neighbour prefixes, kept connected
  std::set<std::string> disabledProtos;   // --disable-proto
};

// Actions.
struct OpenTunnel {  // outgoing tunnel; replaces any previous attempt to this prefix
  std::string prefix;
  peer::Address address;
};
struct CloseTunnel {  // outgoing tunnel to prefix
  std::string prefix;
};
struct SetCostMultiplier {
  NeighbourRef neighbour;
  uint16_t multiplier = kNeutralMultiplier;
};
struct SendPeer {  // payload = code byte + data; nullopt only makes sure a session exists
  std::string prefix;
  std::optional<Bytes> payload;
};
struct AskBootstrap {};  // getBootstrapPeer to the registry; answer with bootstrapPeer()
struct RequestDump {};   // answer with handleDump()
using Action =
    std::variant<OpenTunnel, CloseTunnel, SetCostMultiplier, SendPeer, AskBootstrap, RequestDump>;

// The dependencies the manager reads: the peer cache, randomness, and whether a peer
// session is currently up (x509.Peer.connected), i.e. a SendPeer would go out now.
struct Deps {
  peer::PeerCache& cache;
  Random& random;
  std::function<bool(const std::string&)> peerConnected;
};

class Manager {
 public:
  Manager(Config config, Deps deps, Time now);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Timers (tunnel.py refresh, every 5 s): may ask for a dump.
  Time nextTimeout() const;
  void handleTimeout(Time now);
  // The routing dump asked with RequestDump (tunnel.py babel_dump).
  void handleDump(Time now, const RoutingDump& dump);

  // Outgoing tunnel events from the transport.
  void tunnelUp(Time now, const std::string& prefix, const std::string& serial);
  // The attempt failed or the established tunnel went down.
  void tunnelDown(Time now, const std::string& prefix);
  // Incoming tunnels (we are the server). Returns false to refuse (CRL, --max-clients).
  bool incomingUp(Time now, const std::string& prefix, uint32_t ifindex, const std::string& serial);
  void incomingDown(Time now, const std::string& prefix, uint32_t ifindex);

  // Peer messages routed here by the peer protocol: code 1 with an address list (answer to
  // our request), codes 2/3 (tunnel kill request/response).
  void peerMessage(Time now, const std::string& prefix, uint8_t code, ByteSpan data);
  // Answer to AskBootstrap (nullopt: the registry gave nothing).
  void bootstrapPeer(Time now, const std::optional<peer::CachedPeer>& peer);

  // Revoked serials: outgoing tunnels to them close (incoming ones are the transport's).
  void setCrl(std::set<std::string> serials);
  void setTunnelRefresh(Duration d) { config_.tunnelRefresh = d; }

  std::optional<Action> pollAction();

  // Code 5 answer: "<count> <int>/<len> ..." of outgoing then incoming peers.
  std::string topology() const;
  std::vector<std::string> outgoing() const;
  std::vector<std::string> incoming() const;
  bool reachable() const { return !served_.empty(); }

  struct Killer;
  struct Connection;

 private:
  struct View;  // the last dump, digested as ctl.py's handle_dump does
  bool needDump(Time now);
  void makeNewTunnels(Time now, bool routeDumped);
  bool checkRegistry(Time now);
  void connectDistant(Time now, int count);
  void connectFromCache(Time now, int count);
  bool makeTunnel(Time now, const std::string& prefix, const std::string& address);
  void open(Time now, const std::string& prefix, Connection& c);
  void kill(const std::string& prefix);
  void removeSomeTunnels(Time now);
  void stepKillers(Time now);
  void startKiller(Time now, const std::string& prefix, bool client);
  void runKiller(Time now, Killer& k);
  void abortKiller(Time now, const std::string& prefix, std::optional<uint32_t> ifindex);
  std::vector<int> tunnelScore(const std::string& prefix) const;
  void send(const std::string& prefix, std::optional<Bytes> payload);
  void emit(Action a) { actions_.push_back(std::move(a)); }

  Config config_;
  Deps deps_;
  std::set<std::string> crl_;
  std::map<std::string, Connection> connections_;                // outgoing
  std::map<std::string, std::map<uint32_t, std::string>> served_;  // incoming: ifindex→serial
  std::map<std::string, Killer> killing_;
  std::set<std::string> connecting_;  // asked for an address (code 1)
  std::vector<std::string> distantPeers_;
  std::unique_ptr<View> view_;
  Time nextRefresh_;
  bool waitingDump_ = false;
  Time nextTunnelRefresh_;
  // Set while no route to the registry is known: when to check again (tunnel.py
  // _disconnected). Unset = connected.
  std::optional<Time> disconnected_;
  enum class Bootstrap { kNone, kRejoin, kStartup } bootstrap_ = Bootstrap::kNone;
  bool deadTunnel_ = false;  // an established tunnel died since the last dump
  std::deque<Action> actions_;
  Time now_;  // time of the input being handled
};

}  // namespace re6st::tunnel
