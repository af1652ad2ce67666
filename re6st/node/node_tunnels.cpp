// The tunnel manager's actions carried out (tunnel.py: _makeTunnel/_kill, ctl.py
// SetCostMultiplier, sendto, getBootstrapPeer) and the transports' events fed back to it
// and to Babel (every established tunnel is a Babel interface of type tunnel).
#include <net/if.h>

#include "re6st/base/log.h"
#include "re6st/node/node.h"

namespace re6st::node {

template <class... F>
struct Overload : F... {
  using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

void Node::execute(const tunnel::Action& a) {
  std::visit(Overload{
                 [&](const tunnel::OpenTunnel& o) { openTunnel(o); },
                 [&](const tunnel::CloseTunnel& c) { closeTunnel(c.prefix, "closed by the tunnel manager"); },
                 [&](const tunnel::SetCostMultiplier& m) {
                   multipliers_[m.neighbour] = m.multiplier;
                   if (m.multiplier == tunnel::kNeutralMultiplier) multipliers_.erase(m.neighbour);
                   router_->setCostMultiplier(m.neighbour.address, int(m.neighbour.ifindex),
                                              tunnel::babelCostFactor(m.multiplier), loop_.now());
                 },
                 [&](const tunnel::SendPeer& p) {
                   if (p.payload) peerDriver_->send(p.prefix, ByteSpan(*p.payload));
                   else peerDriver_->send(p.prefix, std::nullopt);
                 },
                 [&](const tunnel::AskBootstrap&) { askBootstrap(); },
                 [&](const tunnel::RequestDump&) {
                   auto d = dump();
                   manager_->handleDump(loop_.now(), d);
                   protocol_->broadcastVersion(loop_.now(), neighbourPrefixes(d));
                 },
             },
             a);
}

Node::Transport* Node::transportFor(const std::string& proto) {
  for (auto& t : transports_)
    if (t.proto == proto) return &t;
  return nullptr;
}

void Node::openTunnel(const tunnel::OpenTunnel& o) {
  // A new attempt replaces the previous one to the same peer.
  if (outgoing_.count(o.prefix)) closeTunnel(o.prefix, "replaced by a new attempt");
  Transport* t = transportFor(o.address.proto);
  auto remote = t ? loop::SockAddr::parse(o.address.ip, o.address.port)
                  : Result<loop::SockAddr>(makeError(Code::kInvalid, "no transport"));
  if (!remote) {
    LOG_INFO("cannot tunnel to " + cnFromBits(o.prefix) + " at " + o.address.str() + ": " +
             remote.error().message);
    manager_->tunnelDown(loop_.now(), o.prefix);
    return;
  }
  std::string routed = addGatewayRoute(o.address.ip);
  auto id = t->t->connect(*remote, cnFromBits(o.prefix));
  if (!id) {
    removeGatewayRoute(routed);
    LOG_INFO("tunnel to " + cnFromBits(o.prefix) + ": " + id.error().message);
    manager_->tunnelDown(loop_.now(), o.prefix);
    return;
  }
  LOG_INFO("establishing a tunnel to " + cnFromBits(o.prefix) + " at " + o.address.str());
  outgoing_[o.prefix] = {o.address.proto, *id};
  Tunnel& tn = tunnels_[{o.address.proto, *id}];
  tn.prefix = o.prefix;
  tn.proto = o.address.proto;
  tn.outgoing = true;
  tn.since = loop_.now();
  tn.gatewayRoute = routed;
}

void Node::closeTunnel(const std::string& prefix, const std::string& why) {
  auto it = outgoing_.find(prefix);
  if (it == outgoing_.end()) return;
  auto key = it->second;
  outgoing_.erase(it);
  auto tn = tunnels_.find(key);
  if (tn != tunnels_.end()) {
    removeGatewayRoute(tn->second.gatewayRoute);
    if (tn->second.up && babel_) babel_->removeInterface(tn->second.ifname);
    tunnels_.erase(tn);
  }
  // The transport reports kDown for it; the entry is gone, so it is not reported again.
  if (Transport* t = transportFor(key.first)) t->t->close(key.second, why);
}

void Node::onTunnelEvent(const std::string& proto, const tunnel::TunnelEvent& e) {
  if (stopped_ || !manager_) return;
  if (e.kind == tunnel::TunnelEvent::Kind::kUp) tunnelUp(proto, e.info);
  else tunnelDown(proto, e.info, e.reason);
  pump();
}

void Node::tunnelUp(const std::string& proto, const tunnel::TunnelInfo& i) {
  uint32_t ifindex = if_nametoindex(i.ifname.c_str());
  if (clientLink_ && *clientLink_ == std::make_pair(proto, i.id)) {
    auto prefix = bitsFromCn(i.peerCn);
    Tunnel& tn = tunnels_[{proto, i.id}];
    tn = Tunnel{prefix ? *prefix : "", proto, true, true, i.ifname, ifindex, loop_.now()};
    LOG_INFO("client tunnel to " + i.peerCn + " up on " + i.ifname + " (" + i.remote.str() + ")");
    addIpv4(ifindex);
    babel_->addInterface(i.ifname, babel::IfType::kTunnel);
    return;
  }
  if (i.role == tunnel::Role::kInitiator) {
    auto it = tunnels_.find({proto, i.id});
    if (it == tunnels_.end()) return;  // closed meanwhile
    Tunnel& tn = it->second;
    tn.up = true;
    tn.ifname = i.ifname;
    tn.ifindex = ifindex;
    tn.since = loop_.now();
    LOG_INFO("tunnel to " + cnFromBits(tn.prefix) + " up on " + i.ifname + " (" + i.remote.str() + ")");
    addIpv4(ifindex);
    babel_->addInterface(i.ifname, babel::IfType::kTunnel);
    // Up means the peer accepted us (the transport reports it on the responder's first
    // record); a refusal arrives as a failed attempt.
    manager_->tunnelUp(loop_.now(), tn.prefix, i.peerSerial);
    auto seen = loop::SockAddr::parseHostPort(i.observedSelf);
    if (seen && addresses_.observed(seen->host())) addressesChanged();
    return;
  }
  auto prefix = bitsFromCn(i.peerCn);
  if (!prefix || !manager_->incomingUp(loop_.now(), *prefix, ifindex, i.peerSerial)) {
    LOG_INFO("refusing tunnel from " + i.peerCn + " (" + i.remote.str() + ")");
    if (Transport* t = transportFor(proto)) t->t->close(i.id, "refused");
    return;
  }
  Tunnel& tn = tunnels_[{proto, i.id}];
  tn.prefix = *prefix;
  tn.proto = proto;
  tn.up = true;
  tn.ifname = i.ifname;
  tn.ifindex = ifindex;
  tn.since = loop_.now();
  LOG_INFO("tunnel from " + i.peerCn + " up on " + i.ifname + " (" + i.remote.str() + ")");
  addIpv4(ifindex);
  babel_->addInterface(i.ifname, babel::IfType::kTunnel);
}

void Node::tunnelDown(const std::string& proto, const tunnel::TunnelInfo& i,
                      const std::string& reason) {
  if (clientLink_ && *clientLink_ == std::make_pair(proto, i.id)) {
    // OpenVPN --ping-restart: the next remote, after a short pause.
    clientLink_.reset();
    if (auto it = tunnels_.find({proto, i.id}); it != tunnels_.end()) {
      if (it->second.up && babel_) babel_->removeInterface(it->second.ifname);
      tunnels_.erase(it);
    }
    LOG_INFO("client tunnel down: " + reason);
    clientRetry_.start(seconds(2), [this] { connectClient(); });
    return;
  }
  auto it = tunnels_.find({proto, i.id});
  if (it == tunnels_.end()) return;
  Tunnel tn = it->second;
  tunnels_.erase(it);
  removeGatewayRoute(tn.gatewayRoute);
  if (tn.up && babel_) babel_->removeInterface(tn.ifname);
  LOG_INFO(std::string("tunnel ") + (tn.outgoing ? "to " : "from ") + cnFromBits(tn.prefix) +
           (tn.up ? " down: " : " failed: ") + reason);
  if (tn.outgoing) {
    auto o = outgoing_.find(tn.prefix);
    if (o != outgoing_.end() && o->second.second == i.id) outgoing_.erase(o);
    manager_->tunnelDown(loop_.now(), tn.prefix);
  } else {
    manager_->incomingDown(loop_.now(), tn.prefix, tn.ifindex);
  }
}

// --remote-gateway (tunnel.py MultiGatewayManager): each tunnel to an IPv4 remote goes
// through the next gateway in turn, by a /32 route shared by the tunnels to that IP.
std::string Node::addGatewayRoute(const std::string& ip) {
  const auto& gws = s_.options.gw_list;
  auto addr = kernel::parseAnyAddress(ip);
  if (gws.empty() || !addr || !kernel::isV4(*addr)) return "";
  auto& entry = gatewayRoutes_[ip];
  if (entry.second++ > 0) return ip;
  entry.first = gws[nextGateway_++ % gws.size()];
  auto gw = kernel::parseAnyAddress(entry.first);
  kernel::Route r;
  r.dst = kernel::v4Prefix(*addr, 32);
  if (gw) r.gateway = *gw;
  r.protocol = kernel::kProtoStatic;
  if (auto st = gw ? kernel_->replaceRoute(r) : Status(gw.error()); !st)
    LOG_WARNING("--remote-gateway " + entry.first + " for " + ip + ": " + st.error().message);
  return ip;
}

void Node::removeGatewayRoute(const std::string& ip) {
  auto it = gatewayRoutes_.find(ip);
  if (ip.empty() || it == gatewayRoutes_.end() || --it->second.second > 0) return;
  auto addr = kernel::parseAnyAddress(ip);
  auto gw = kernel::parseAnyAddress(it->second.first);
  if (addr && gw) {
    kernel::Route r;
    r.dst = kernel::v4Prefix(*addr, 32);
    r.gateway = *gw;
    r.protocol = kernel::kProtoStatic;
    (void)kernel_->deleteRoute(r);
  }
  gatewayRoutes_.erase(it);
}

// --client: tries the remotes in turn, forever (re6stnet runs one OpenVPN client).
void Node::connectClient() {
  if (stopped_ || clientRemotes_.empty() || clientLink_) return;
  const peer::Address& a = clientRemotes_[clientNext_++ % clientRemotes_.size()];
  Transport* t = transportFor(a.proto);
  auto remote = t ? loop::SockAddr::parse(a.ip, a.port)
                  : Result<loop::SockAddr>(makeError(Code::kInvalid, "no transport"));
  Result<uint64_t> id = remote ? t->t->connect(*remote, "") : Result<uint64_t>(remote.error());
  if (!id) {
    LOG_WARNING("--client " + a.str() + ": " + id.error().message);
    clientRetry_.start(seconds(2), [this] { connectClient(); });
    return;
  }
  LOG_INFO("client tunnel: connecting to " + a.str());
  clientLink_ = {a.proto, *id};
}

// The IPv4 overlay address goes on every tunnel (re6stnet: OpenVPN --ifconfig IP MASK on
// each client and server); it disappears with the TUN.
void Node::addIpv4(uint32_t ifindex) {
  if (!ipv4_ || !ifindex) return;
  kernel::Address a{int(ifindex), Prefix{ipv4_->first, 96 + ipv4_->second}};
  if (auto st = kernel_->addAddress(a); !st && st.error().code != Code::kExists)
    LOG_WARNING("IPv4 overlay address on tunnel: " + st.error().message);
}

tunnel::RoutingDump Node::dump() const {
  return tunnel::dumpFromBabel(router_->neighbours(), router_->selectedRoutes(), networkPrefix_,
                               multipliers_);
}

std::vector<std::string> Node::neighbourPrefixes(const tunnel::RoutingDump& d) const {
  std::set<std::string> out;
  for (const auto& r : d.routes)
    if (r.prefix && !r.prefix->empty() && r.refmetric == 0) out.insert(*r.prefix);
  return {out.begin(), out.end()};
}

}  // namespace re6st::node
