// The node's life cycle: kernel state (cli/node.py: node IP on the main interface, the
// network's unreachable route, the IPv4 overlay), then Babel, transports, the peer
// protocol and the tunnel manager; stop() undoes it all in reverse order.
#include "re6st/node/node.h"

#include <net/if.h>
#include <sys/utsname.h>

#include <algorithm>
#include <fstream>

#include "re6st/base/log.h"
#include "re6st/crypto/random.h"
#include "re6st/node/netconfig.h"

namespace re6st::node {
namespace {

constexpr uint16_t kPeerPort = peer::kPort;

std::string protoIfPrefix(const std::string& proto) {
  // re6stnet names its client TAPs re6stnet1…; the TUN pool of each transport gets its
  // own prefix so names never clash (IFNAMSIZ: at most 15 characters with the number).
  if (proto == "udp") return "re6stnet";
  if (proto == "tcp") return "re6st-tcp";
  if (proto == "udp6") return "re6st-udp6-";
  return "re6st-tcp6-";
}

// Code 4 answer: "<version>, <platform>" (re6stnet: version, platform.platform()).
std::string nodeInfo() {
  struct utsname u {};
  std::string platform = "Linux";
  if (uname(&u) == 0) platform = std::string(u.sysname) + "-" + u.release + "-" + u.machine;
  return std::string(RE6ST_VERSION) + ", " + platform;
}

// The node routes for the others: IPv6 forwarding must be on (and IPv4 forwarding for
// the IPv4 overlay). Turned on if off, with a log line; left on at exit like a sysctl.
void ensureForwarding(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  std::string v;
  if (!(in >> v) || v != "0") return;
  std::ofstream out(path);
  if (out << "1\n" && out.flush()) LOG_INFO(what + " forwarding was off: turned on");
  else LOG_WARNING(what + " forwarding is off and cannot be turned on (" + path + ")");
}

}  // namespace

Node::Node(loop::Loop& loop, NodeSetup setup, std::unique_ptr<kernel::Routes> kernel)
    : loop_(loop),
      s_(std::move(setup)),
      kernel_(std::move(kernel)),
      random_(crypto::Csprng::local()),
      // --client serves nothing, so it has no address to give (cli/node.py).
      addresses_(s_.options.client ? std::vector<cli::PortProto>{} : cli::effectivePortProtos(s_.options),
                 s_.options.ip, s_.options.ipv6,
                 s_.options.country.value_or("")),
      managerTimer_(loop),
      configTimer_(loop),
      renewTimer_(loop),
      restartTimer_(loop),
      defaultRouteCheck_(loop),
      clientRetry_(loop) {
  // prepareNode checked the bits; a failure here leaves zeros and start() refuses.
  if (auto p = prefixFromBits(s_.network)) networkPrefix_ = *p;
  if (auto p = nodeSubnet(s_.network, s_.prefix)) subnet_ = *p;
  if (auto p = nodeIp(s_.network, s_.prefix)) myIp_ = *p;
}

Node::~Node() { stop(); }

void Node::requestExit(NodeExit e, const std::string& why) {
  if (exit_ != NodeExit::kRunning) return;
  LOG_INFO(why);
  exit_ = e;
  loop_.stop();
}

std::vector<std::pair<std::string, std::string>> Node::environment() const {
  return {{"re6stnet_ip", formatIpv6(myIp_)},
          {"re6stnet_iface", s_.options.main_interface},
          {"re6stnet_subnet", subnet_.str()},
          {"re6stnet_network", networkPrefix_.str()}};
}

Status Node::start() {
  if (started_) return {};
  started_ = true;
  if (subnet_.len == 0) return makeError(Code::kInvalid, "bad network or node prefix");
  auto st = setupKernel();
  if (st) st = startBabel();
  if (st) st = startTransports();
  if (st) st = startPeer();
  if (!st) {
    stop();
    return st;
  }
  control_ = std::make_unique<ControlServer>(
      loop_, [this](const nlohmann::json& r) { return controlRequest(r); });
  if (auto c = control_->listen(s_.options.run + "/re6st.sock"); !c)
    LOG_WARNING("control socket: " + c.error().message);
  if (s_.options.default_route)  // cli/node.py re-checks every minute and exits
    defaultRouteCheck_.startRepeat(seconds(60), [this] {
      if (auto st = checkNoDefaultRoute(); !st) {
        LOG_ERROR(st.error().message);
        requestExit(NodeExit::kFailed, "exiting");
      }
    });
  checkRenew();
  if (!clientRemotes_.empty()) connectClient();
  pump();
  LOG_INFO("node " + cnFromBits(s_.prefix) + " (" + formatIpv6(myIp_) + ") started");
  return {};
}

// cli/node.py: `ip addr add <my_ip>/<len(subnet)> dev <main_interface>`, the useless
// fe80::/64 route of lo removed, `ip route add unreachable <network>`, and for the IPv4
// overlay `ip -4 route add unreachable <ipv4 network> proto static`.
// cli/node.py check_no_default_route: with --default, a default route not made by
// Babel would take the traffic meant for the overlay.
Status Node::checkNoDefaultRoute() {
  auto routes = kernel_->listRoutes(false);
  if (!routes) return {};
  for (const auto& r : *routes)
    if (r.dst.len == 0 && r.src.len == 0 && r.type == kernel::RouteType::kUnicast &&
        r.table == kernel::kTableMain && r.protocol != kernel::kProtoRe6st)
      return makeError(Code::kInvalid, "Detected default route (" + r.str() +
                                           ") whereas you specified --default. Fix your configuration.");
  return {};
}

Status Node::setupKernel() {
  if (s_.options.default_route) RE6ST_TRY(checkNoDefaultRoute());
  auto link = kernel_->linkByName(s_.options.main_interface);
  if (!link) return link.error().wrap("--main-interface " + s_.options.main_interface);
  int ifindex = link->ifindex;
  ensureForwarding("/proc/sys/net/ipv6/conf/all/forwarding", "IPv6");
  if (!link->up) (void)kernel_->setLinkUp(ifindex, true);
  kernel::Address a{ifindex, Prefix{myIp_, subnet_.len}};
  auto added = kernel_->addAddress(a);
  if (!added && added.error().code != Code::kExists)
    return added.error().wrap("node address " + formatIpv6(myIp_));
  cleanup_.push_back([this, a] { (void)kernel_->deleteAddress(a); });
  if (s_.options.main_interface == "lo") {
    kernel::Route ll;
    ll.dst = parsePrefix("fe80::/64").value();
    ll.ifindex = ifindex;
    ll.protocol = 2;  // RTPROT_KERNEL
    ll.metric = 256;
    (void)kernel_->deleteRoute(ll);
  }
  kernel::Route unreachable;
  unreachable.dst = networkPrefix_;
  unreachable.type = kernel::RouteType::kUnreachable;
  unreachable.protocol = 3;  // RTPROT_BOOT, as `ip route add` without proto
  unreachable.metric = 1024;
  if (auto r = kernel_->replaceRoute(unreachable); !r)
    return r.error().wrap("unreachable route for " + networkPrefix_.str());
  cleanup_.push_back([this, unreachable] { (void)kernel_->deleteRoute(unreachable); });
  if (s_.config.ipv4 && s_.config.ipv4_sublen) {
    auto serial = s_.certs->cert().subjectField("serialNumber");
    auto v4 = ipv4Overlay(s_.config, serial ? std::optional<std::string_view>(*serial) : std::nullopt);
    if (!v4) {
      LOG_WARNING("IPv4 payload disabled due to wrong network parameters");
      return {};
    }
    ipv4_ = {v4->address, v4->len};
    kernel::Route u4;
    u4.dst = v4->network;
    u4.type = kernel::RouteType::kUnreachable;
    u4.protocol = kernel::kProtoStatic;
    if (auto r = kernel_->replaceRoute(u4); r)
      cleanup_.push_back([this, u4] { (void)kernel_->deleteRoute(u4); });
    ensureForwarding("/proc/sys/net/ipv4/ip_forward", "IPv4");
    LOG_INFO("IPv4 overlay address " + kernel::formatAddress(v4->address) + "/" + std::to_string(v4->len));
  }
  return {};
}

void Node::undoKernel() {
  while (!cleanup_.empty()) {
    cleanup_.back()();
    cleanup_.pop_back();
  }
}

Status Node::startBabel() {
  babel::Config bc;
  random_.fill(bc.routerId);
  bc.seqno = uint16_t(random_.below(65536));
  bc.helloInterval = seconds(std::max(1, s_.config.hello));
  if (s_.config.babel_hmac_sign && !s_.config.babel_hmac_sign->empty()) {
    // plib.router: `key type blake2s128 id sign value …`; an accept key is also
    // accepted, an empty one means accept-bad-signatures (no check).
    babel::Key sign{"sign", babel::KeyType::kBlake2s128, *s_.config.babel_hmac_sign};
    bc.signKey = sign;
    const auto& accept = s_.config.babel_hmac_accept;
    if (!accept || !accept->empty()) {
      bc.acceptKeys.push_back(sign);
      if (accept) bc.acceptKeys.push_back({"accept", babel::KeyType::kBlake2s128, *accept});
    }
  }
  bc.redistribute.push_back({subnet_, Prefix{}, 0});
  if (s_.options.gateway)
    bc.redistribute.push_back({Prefix{}, networkPrefix_, 0});
  if (ipv4_) bc.redistribute.push_back({kernel::v4Prefix(ipv4_->first, ipv4_->second), Prefix{}, 0});
  router_ = std::make_unique<babel::Router>(bc, random_);
  babel::DriverOptions o;
  o.prefsrc6 = myIp_;
  // cli/node.py: --gateway exports the default route, --default installs it for every
  // source, otherwise it is installed for sources in the network only.
  if (s_.options.default_route) o.plainDefault = true;
  else o.defaultSource = networkPrefix_;
  if (ipv4_) o.prefsrc4 = ipv4_->first;
  babel_ = std::make_unique<babel::Driver>(loop_, *router_, *kernel_, o);
  for (const auto& i : s_.options.iface_list) babel_->addInterface(i, babel::IfType::kWired);
  return babel_->start();
}

Status Node::startTransports() {
  auto creds = tunnel::Credentials::load(s_.options.ca, s_.options.cert, s_.options.key);
  if (!creds) return creds.error();
  creds_ = *creds;
  creds_->revoked = crlHex(s_.config);
  auto served = cli::effectivePortProtos(s_.options);
  const auto& disabled = s_.options.disable_proto;
  for (std::string proto : {"udp", "tcp", "udp6", "tcp6"}) {
    std::optional<int> port;
    for (const auto& pp : served)
      if (pp.proto == proto) port = pp.port;
    bool isDisabled = std::find(disabled.begin(), disabled.end(), proto) != disabled.end();
    if (!port && isDisabled) continue;
    tunnel::TransportOptions t;
    bool v6 = proto.back() == '6';
    t.carrier = proto[0] == 't' ? tunnel::Carrier::kStream : tunnel::Carrier::kDatagram;
    uint16_t p = uint16_t(port.value_or(0));
    t.bind = v6 ? loop::SockAddr::anyV6(p) : loop::SockAddr::anyV4(p);
    t.listen = port.has_value() && !s_.options.client &&
               s_.options.max_clients.value_or(s_.config.max_clients) > 0;
    t.ifPrefix = protoIfPrefix(proto);
    Duration timeout = seconds(4 * std::max(1, s_.config.hello));
    t.session.timeout = timeout;
    t.session.keepalive = std::min<Duration>(seconds(10), timeout / 4);
    auto tr = std::make_unique<tunnel::Transport>(
        loop_, creds_, std::move(t),
        [this, proto](const tunnel::TunnelEvent& e) { onTunnelEvent(proto, e); });
    if (auto st = tr->start(); !st) {
      if (port) return st.error().wrap("--pp " + std::to_string(*port) + " " + proto);
      LOG_WARNING("no " + proto + " tunnels: " + st.error().message);
      continue;
    }
    transports_.push_back({proto, std::move(tr)});
  }
  return {};
}

Status Node::startPeer() {
  auto key = crypto::PrivateKey::load(s_.options.key);
  if (!key) return key.error();
  peer::Identity id{s_.certs->ca().clone(), s_.certs->cert().clone(), std::move(*key)};
  peer::ProtocolConfig pc;
  pc.registryPrefix = s_.config.registry_prefix;
  pc.version = s_.config.version;
  pc.addresses = addresses_.str();
  pc.nodeInfo = nodeInfo();
  pc.crl = crlHex(s_.config);
  auto wall = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  auto proto = peer::Protocol::create(std::move(id), std::move(pc), random_, loop_.now(),
                                      wall.count());
  if (!proto) return proto.error();
  protocol_ = std::move(*proto);
  peer::Driver::Handlers h;
  h.deliver = [this](const peer::Deliver& d) {
    if (manager_) manager_->peerMessage(loop_.now(), d.prefix, d.code, d.data);
    pump();
  };
  h.newVersion = [this](const peer::NewVersion&) { scheduleConfigUpdate(seconds(1)); };
  peerDriver_ = std::make_unique<peer::Driver>(loop_, *protocol_, std::move(h));
  RE6ST_TRY(peerDriver_->start(loop::SockAddr::anyV6(kPeerPort)));
  // Registry client on the loop (renewals, getBootstrapPeer, getNetworkConfig).
  http_ = std::make_unique<http::Client>(loop_);
  auto url = http::parseUrl(s_.options.registry);
  if (!url) return url.error().wrap("--registry");
  registryTransport_ = std::make_unique<client::LoopTransport>(*http_, *url);
  registry_ = std::make_unique<client::RegistryClient>(*registryTransport_);
  registry_->setIdentity(s_.prefix, &s_.certs->key(), &s_.certs->ca());
  // The tunnel manager (re6stnet runs a BaseTunnelManager only with --client or
  // client-count 0: then nothing is opened but incoming tunnels are still served).
  if (s_.options.client) {
    auto list = peer::parseAddressList(*s_.options.client);
    if (!list) return list.error().wrap("--client");
    const auto& disabled = s_.options.disable_proto;
    for (const auto& a : *list)
      if (std::find(disabled.begin(), disabled.end(), a.proto) == disabled.end())
        clientRemotes_.push_back(a);
    if (clientRemotes_.empty())
      return makeError(Code::kInvalid, "--disable-proto option disables all addresses given by --client");
  }
  tunnel::Config mc;
  mc.prefix = s_.prefix;
  mc.registryPrefix = s_.config.registry_prefix;
  mc.clientCount = s_.options.client
                       ? 0
                       : unsigned(std::max(0, s_.options.client_count.value_or(s_.config.client_count)));
  mc.maxClients = unsigned(std::max(0, s_.options.max_clients.value_or(s_.config.max_clients)));
  mc.tunnelRefresh = seconds(std::max(1, s_.config.tunnel_refresh));
  mc.timeout = seconds(4 * std::max(1, s_.config.hello));
  for (const auto& n : s_.options.neighbour)
    if (auto b = bitsFromCn(n)) mc.neighbours.insert(*b);
  for (const auto& d : s_.options.disable_proto) mc.disabledProtos.insert(d);
  peerCache_ = std::make_unique<SqlPeerCache>(*s_.cache, random_);
  tunnel::Deps deps{*peerCache_, random_,
                    [this](const std::string& p) { return protocol_->connected(loop_.now(), p); }};
  manager_ = std::make_unique<tunnel::Manager>(std::move(mc), deps, loop_.now());
  manager_->setCrl(crlHex(s_.config));
  protocol_->setTopology([this] { return manager_->topology(); });
  if (auto a = addresses_.str(); !a.empty()) (void)s_.cache->setMyAddress(a);
  return {};
}

// Runs the manager's actions until it has nothing more to say, then re-arms its timer.
void Node::pump() {
  if (inPump_ || !manager_ || stopped_) return;
  inPump_ = true;
  while (auto a = manager_->pollAction()) execute(*a);
  inPump_ = false;
  peerDriver_->flush();
  babel_->kick();
  armManager();
}

void Node::armManager() {
  managerTimer_.startAt(manager_->nextTimeout(), [this] {
    manager_->handleTimeout(loop_.now());
    pump();
  });
}

void Node::upnpMapped(const std::string& externalIp, const std::vector<cli::PortProto>& mapped) {
  addresses_.setUpnp(externalIp, mapped);
  addressesChanged();
}

void Node::upnpFailed(const std::string& reason) {
  LOG_INFO("UPnP: " + reason + (s_.options.ip.empty() ? ": assume we are not NATed" : ""));
  addresses_.upnpFailed();
  addressesChanged();
}

void Node::addressesChanged() {
  std::string a = addresses_.str();
  if (protocol_) protocol_->setAddresses(a);
  (void)s_.cache->setMyAddress(a);
  LOG_INFO("our address list: " + (a.empty() ? std::string("(none)") : a));
}

void Node::stop() {
  if (stopped_ || !started_) return;
  stopped_ = true;
  managerTimer_.stop();
  configTimer_.stop();
  renewTimer_.stop();
  restartTimer_.stop();
  defaultRouteCheck_.stop();
  clientRetry_.stop();
  control_.reset();
  // Babel first: our routes are retracted while the tunnels still carry the packets.
  if (babel_) babel_->stop();
  manager_.reset();
  for (auto& [key, tn] : tunnels_) removeGatewayRoute(tn.gatewayRoute);
  tunnels_.clear();
  outgoing_.clear();
  transports_.clear();  // closes every tunnel (peers get a close record), TUNs go away
  peerDriver_.reset();
  protocol_.reset();
  registry_.reset();
  registryTransport_.reset();
  http_.reset();
  babel_.reset();
  router_.reset();
  undoKernel();
  if (s_.cache) s_.cache->resetConnecting();
  LOG_INFO("node stopped");
}

}  // namespace re6st::node
