// The running node (re6stnet's main loop): Babel router + driver, the tunnel transports,
// the tunnel manager core, the peer protocol, the registry client, the control socket
// and the kernel state the node owns (its address on the main interface, the network's
// unreachable route). Everything runs on one loop; the cores decide, this file wires.
// Built by startNode() after the blocking start phase (start.h); loop thread only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "re6st/babel/driver.h"
#include "re6st/base/random.h"
#include "re6st/babel/router.h"
#include "re6st/cli/node_options.h"
#include "re6st/client/network_config.h"
#include "re6st/client/registry_client.h"
#include "re6st/crypto/cert_store.h"
#include "re6st/http/client.h"
#include "re6st/kernel/routes.h"
#include "re6st/loop/loop.h"
#include "re6st/node/addresses.h"
#include "re6st/node/cache_adapter.h"
#include "re6st/node/control.h"
#include "re6st/node/peer_cache.h"
#include "re6st/peer/driver.h"
#include "re6st/peer/protocol.h"
#include "re6st/tunnel/driver.h"
#include "re6st/tunnel/manager.h"

namespace re6st::node {

// What the start phase hands to the node.
struct NodeSetup {
  cli::NodeOptions options;
  std::unique_ptr<crypto::CertStore> certs;
  std::string network, prefix;  // bits
  std::unique_ptr<PeerCache> cache;
  client::NetworkConfig config;
  int64_t nextRenew = 0;  // Unix seconds: when the certificate or CA needs renewing
};

enum class NodeExit { kRunning, kStop, kReexec, kFailed };

class Node {
 public:
  Node(loop::Loop& loop, NodeSetup setup, std::unique_ptr<kernel::Routes> kernel);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Kernel state, Babel, transports, peer protocol, control socket. On error the node
  // has undone what it did (stop()).
  Status start();
  // Clean exit: tunnels closed, routes retracted and removed, addresses and routes the
  // node added removed, TUNs gone. Idempotent.
  void stop();
  // Why the loop should end (set by the node: re-exec on config change, revocation…).
  NodeExit exitRequest() const { return exit_; }
  void requestExit(NodeExit e, const std::string& why);

  // Environment for --up/--daemon (re6stnet_ip, re6stnet_iface, re6stnet_subnet,
  // re6stnet_network).
  std::vector<std::pair<std::string, std::string>> environment() const;
  nlohmann::json status() const;

  // UPnP results (the caller runs the UPnP client).
  void upnpMapped(const std::string& externalIp, const std::vector<cli::PortProto>& mapped);
  void upnpFailed(const std::string& reason);
  std::vector<cli::PortProto> ipv4Served() const { return addresses_.ipv4Served(); }
  bool wantsUpnp() const { return addresses_.wantsUpnp(); }

 private:
  struct Tunnel {  // one tunnel of a transport, as the node tracks it
    std::string prefix;
    std::string proto;
    bool outgoing = false;
    bool up = false;
    std::string ifname;
    uint32_t ifindex = 0;
    Time since{};
    std::string gatewayRoute;  // --remote-gateway: the remote IPv4 routed via a gateway
  };
  struct Transport {
    std::string proto;
    std::unique_ptr<tunnel::Transport> t;
  };

  // node.cpp: life cycle, kernel state
  Status setupKernel();
  Status checkNoDefaultRoute();
  void undoKernel();
  Status startBabel();
  Status startTransports();
  Status startPeer();
  void pump();
  void armManager();
  // node_tunnels.cpp: the manager's actions and the transports' events
  void execute(const tunnel::Action& a);
  void openTunnel(const tunnel::OpenTunnel& o);
  void closeTunnel(const std::string& prefix, const std::string& why);
  void onTunnelEvent(const std::string& proto, const tunnel::TunnelEvent& e);
  void tunnelUp(const std::string& proto, const tunnel::TunnelInfo& i);
  void tunnelDown(const std::string& proto, const tunnel::TunnelInfo& i,
                  const std::string& reason);
  void addIpv4(uint32_t ifindex);
  void connectClient();
  std::string addGatewayRoute(const std::string& ip);
  void removeGatewayRoute(const std::string& ip);
  tunnel::RoutingDump dump() const;
  std::vector<std::string> neighbourPrefixes(const tunnel::RoutingDump& d) const;
  Transport* transportFor(const std::string& proto);
  // node_config.cpp: registry, network configuration, certificates
  void scheduleConfigUpdate(Duration after);
  void updateConfig();
  void applyConfig(const client::NetworkConfig& c, const std::vector<std::string>& changed,
                   int delayRestart);
  void askBootstrap();
  void checkRenew();
  void setCrl(const std::set<std::string>& crl);
  void addressesChanged();
  // node_status.cpp
  nlohmann::json controlRequest(const nlohmann::json& request);

  loop::Loop& loop_;
  NodeSetup s_;
  std::unique_ptr<kernel::Routes> kernel_;
  Random& random_;
  Prefix networkPrefix_{}, subnet_{};
  Ipv6 myIp_{};
  std::optional<std::pair<Ipv6, int>> ipv4_;  // IPv4 overlay address and prefix length
  std::vector<std::function<void()>> cleanup_;  // undo of the kernel state, in order
  AddressBook addresses_;
  // Babel
  std::unique_ptr<babel::Router> router_;
  std::unique_ptr<babel::Driver> babel_;
  std::map<tunnel::NeighbourRef, uint16_t> multipliers_;
  // Tunnels
  std::shared_ptr<tunnel::Credentials> creds_;
  std::vector<Transport> transports_;
  std::map<std::pair<std::string, uint64_t>, Tunnel> tunnels_;      // (proto, id)
  std::map<std::string, std::pair<std::string, uint64_t>> outgoing_;  // prefix → (proto, id)
  // --client: one outgoing tunnel to these remotes in turn, no tunnel manager decisions.
  std::vector<peer::Address> clientRemotes_;
  size_t clientNext_ = 0;
  std::optional<std::pair<std::string, uint64_t>> clientLink_;
  std::map<std::string, std::pair<std::string, int>> gatewayRoutes_;  // ip → (gateway, users)
  size_t nextGateway_ = 0;
  std::unique_ptr<SqlPeerCache> peerCache_;
  std::unique_ptr<tunnel::Manager> manager_;
  loop::Timer managerTimer_;
  // Peer protocol and registry
  std::unique_ptr<peer::Protocol> protocol_;
  std::unique_ptr<peer::Driver> peerDriver_;
  std::unique_ptr<http::Client> http_;
  std::unique_ptr<client::LoopTransport> registryTransport_;
  std::unique_ptr<client::RegistryClient> registry_;
  bool updatingConfig_ = false;
  bool bootstrapPending_ = false;
  loop::Timer configTimer_, renewTimer_, restartTimer_, defaultRouteCheck_, clientRetry_;
  std::unique_ptr<ControlServer> control_;
  bool started_ = false, stopped_ = false, inPump_ = false;
  NodeExit exit_ = NodeExit::kRunning;
};

}  // namespace re6st::node
