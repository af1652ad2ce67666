// Babel driver: sockets, timer and kernel routes around the Router core (driver.h).
// RFC 8966 §4: Babel runs over UDP port 6696 to ff02::1:6 or a neighbour's link-local
// address. One socket per interface is bound to [::]:6696 with SO_BINDTODEVICE: a socket
// bound to the link-local address itself would not receive the multicast packets.
#include "re6st/babel/driver.h"

#include <thread>

#include "re6st/base/log.h"

namespace re6st::babel {

struct Driver::Iface {
  std::string name;
  IfType type = IfType::kWired;
  int ifindex = 0;
  bool active = false;
  std::optional<Ipv6> linkLocal;
  std::optional<Ipv6> ipv4;  // what the core was told (IPv4-mapped)
  std::unique_ptr<loop::Udp> udp;
};

namespace {

const char* typeName(IfType t) {
  switch (t) {
    case IfType::kTunnel: return "tunnel";
    case IfType::kWireless: return "wireless";
    default: return "wired";
  }
}

// A usable link-local address of ifindex, keeping the current one while it exists.
std::optional<Ipv6> pickLinkLocal(const std::vector<kernel::Address>& addrs, int ifindex,
                                  const std::optional<Ipv6>& current) {
  std::optional<Ipv6> first;
  for (const auto& a : addrs) {
    if (a.ifindex != ifindex || a.tentative || !kernel::isLinkLocal(a.prefix.addr)) continue;
    if (current && a.prefix.addr == *current) return current;
    if (!first) first = a.prefix.addr;
  }
  return first;
}

// The interface's IPv4 address (the next hop our AE 1 updates announce), keeping the
// current one while it exists; none means v4-via-v6 (RFC 9229).
std::optional<Ipv6> pickIpv4(const std::vector<kernel::Address>& addrs, int ifindex,
                             const std::optional<Ipv6>& current) {
  std::optional<Ipv6> first;
  for (const auto& a : addrs) {
    if (a.ifindex != ifindex || a.tentative) continue;
    if (current && a.prefix.addr == *current) return current;
    if (!first) first = a.prefix.addr;
  }
  return first;
}

}  // namespace

Driver::Driver(loop::Loop& loop, Router& router, kernel::Routes& kernel, DriverOptions options)
    : loop_(loop), router_(router), kernel_(kernel), opt_(std::move(options)), timer_(loop),
      check_(loop) {}

Driver::~Driver() { stop(); }

Status Driver::start() {
  if (running_) return {};
  if (opt_.flushOnStart) {
    auto n = kernel_.flushRoutes(opt_.protocol);
    if (!n.ok()) return n.error().wrap("babel: flushing stale routes");
    if (*n) LOG_INFO("babel: flushed " + std::to_string(*n) + " stale routes of protocol " +
                     std::to_string(opt_.protocol));
  }
  running_ = true;
  startMonitor();
  checkInterfaces();
  check_.startRepeat(opt_.interfaceCheck, [this] { checkInterfaces(); });
  kick();
  return {};
}

void Driver::stop() {
  if (!running_) return;
  // The core's goodbye (retractions of our prefixes, a wildcard retraction, a short
  // Hello) goes out while every socket is still open, so neighbours drop us at once
  // instead of waiting for our routes to expire, as babeld does on exit. Its few
  // resends are due within tens of milliseconds: wait for them here (babeld sleeps too).
  router_.shutdown(loop_.now());
  kick();
  for (int guard = 0; router_.shutdownPending() && guard < 10; ++guard) {
    Duration wait = router_.nextTimeout() - loop_.now();
    if (wait > Duration::zero()) {
      std::this_thread::sleep_for(std::min<Duration>(wait, milliseconds(50)));
    }
    router_.handleTimeout(loop_.now());
    kick();
  }
  running_ = false;
  // Leaving interfaces lets the core send what it sends on the way out while the
  // sockets are still open; its RemoveRoute actions are executed by kick().
  for (auto& [name, ifc] : ifaces_) deactivate(*ifc);
  kick();
  deleteInstalled();
  auto n = kernel_.flushRoutes(opt_.protocol);
  if (!n.ok()) LOG_WARNING("babel: flushing routes on exit: " + n.error().message);
  timer_.stop();
  check_.stop();
  monitorPoll_.reset();
  monitor_.reset();
}

// Link and address notifications make interface changes take effect at once (a deleted
// tunnel, a carrier loss) instead of at the next periodic check.
void Driver::startMonitor() {
  auto m = kernel::LinkMonitor::open();
  if (!m.ok()) {
    LOG_WARNING("babel: no link notifications, polling only: " + m.error().message);
    return;
  }
  monitor_ = std::move(*m);
  monitorPoll_ = std::make_unique<loop::Poll>(loop_, monitor_->fd());
  auto st = monitorPoll_->start(loop::Poll::kReadable, [this](int) {
    if (monitor_->drain()) checkInterfaces();
  });
  if (!st.ok()) {
    LOG_WARNING("babel: cannot watch link notifications: " + st.error().message);
    monitorPoll_.reset();
    monitor_.reset();
  }
}

void Driver::addInterface(const std::string& name, IfType type) {
  auto& slot = ifaces_[name];
  if (slot) return;
  slot = std::make_unique<Iface>();
  slot->name = name;
  slot->type = type;
  if (running_) {
    checkInterfaces();
    kick();
  }
}

void Driver::removeInterface(const std::string& name) {
  auto it = ifaces_.find(name);
  if (it == ifaces_.end()) return;
  deactivate(*it->second);
  kick();
  ifaces_.erase(it);
}

std::vector<DriverInterface> Driver::interfaces() const {
  std::vector<DriverInterface> out;
  for (const auto& [name, ifc] : ifaces_)
    out.push_back({ifc->name, ifc->type, ifc->ifindex, ifc->active, ifc->linkLocal});
  return out;
}

// Polls the kernel for each configured interface: present, up, with a usable
// link-local address (it appears once the carrier is up and DAD is done). One link dump
// and one address dump per check, whatever the number of interfaces; no second netlink
// socket for notifications.
void Driver::checkInterfaces() {
  if (!running_ || ifaces_.empty()) return;
  auto links = kernel_.listLinks();
  auto addrs = kernel_.listAddresses(false);
  auto addrs4 = kernel_.listAddresses(true);
  if (!links.ok() || !addrs.ok() || !addrs4.ok()) {
    LOG_WARNING("babel: cannot list interfaces: " +
                (!links.ok() ? links.error().message
                 : !addrs.ok() ? addrs.error().message : addrs4.error().message));
    return;
  }
  bool changed = false;
  for (auto& [name, ifcp] : ifaces_) {
    Iface& ifc = *ifcp;
    const kernel::Link* link = nullptr;
    for (const auto& l : *links)
      if (l.name == name) link = &l;
    // Administratively up with carrier (IFF_RUNNING: a veth whose peer is up, a TUN
    // whose file descriptor is open), as babeld requires before using a link.
    std::optional<Ipv6> ll;
    if (link && link->up && link->running) ll = pickLinkLocal(*addrs, link->ifindex, ifc.linkLocal);
    bool ready = ll.has_value();
    if (ifc.active && (!ready || link->ifindex != ifc.ifindex || *ll != *ifc.linkLocal)) {
      LOG_INFO("babel: interface " + name + " is gone or down");
      deactivate(ifc);
      changed = true;
    }
    if (!ifc.active && ready) {
      activate(ifc, *link, *ll);
      changed = true;
    }
    if (ifc.active) {
      auto v4 = pickIpv4(*addrs4, ifc.ifindex, ifc.ipv4);
      if (v4 != ifc.ipv4) {
        LOG_INFO("babel: interface " + name + " IPv4 next hop " +
                 (v4 ? kernel::formatAddress(*v4) : std::string("none (v4-via-v6)")));
        ifc.ipv4 = v4;
        router_.setInterfaceIpv4(ifc.ifindex, v4, loop_.now());
        changed = true;
      }
    }
  }
  if (changed) kick();
}

void Driver::activate(Iface& ifc, const kernel::Link& link, const Ipv6& ll) {
  auto udp = std::make_unique<loop::Udp>(loop_);
  loop::UdpOptions o;
  o.device = ifc.name;
  Status st = udp->bind(loop::SockAddr::anyV6(kPort), o);
  auto idx = static_cast<unsigned>(link.ifindex);
  if (st.ok()) st = udp->joinGroup6(kMulticast, idx);
  if (st.ok()) st = udp->setMulticastInterface6(idx);
  if (st.ok()) st = udp->setMulticastLoop(false);
  if (st.ok()) st = udp->setMulticastHops(1);
  if (st.ok()) st = udp->start([this, &ifc](const loop::Datagram& d) { onDatagram(ifc, d); });
  if (st.ok()) st = router_.addInterface(link.ifindex, ifc.name, ifc.type, ll, loop_.now());
  if (!st.ok()) {
    LOG_WARNING("babel: cannot use interface " + ifc.name + ": " + st.error().message);
    return;
  }
  ifc.udp = std::move(udp);
  ifc.ifindex = link.ifindex;
  ifc.linkLocal = ll;
  ifc.active = true;
  LOG_INFO("babel: interface " + ifc.name + " (" + typeName(ifc.type) + ", " +
           formatIpv6(ll) + ") up");
}

void Driver::deactivate(Iface& ifc) {
  if (!ifc.active) return;
  router_.removeInterface(ifc.ifindex, loop_.now());
  kick();  // sends the core's last words on this link while the socket is open
  ifc.active = false;
  ifc.udp.reset();
  ifc.linkLocal.reset();
  ifc.ipv4.reset();
}

void Driver::onDatagram(Iface& ifc, const loop::Datagram& d) {
  if (!ifc.active || !d.from.isV6()) return;
  Ipv6 src = d.from.ipv6();
  // The core refuses sources that are not link-local (RFC 8966 §4).
  Ipv6 dst = d.to.isV6() ? d.to.ipv6() : kMulticast;
  auto st = router_.handlePacket(loop_.now(), ifc.ifindex, src, dst, d.data);
  if (!st.ok()) {
    LOG_DEBUG("babel: packet from " + d.from.str() + " on " + ifc.name + ": " + st.error().message);
  }
  kick();
}

void Driver::send(const SendPacket& p) {
  for (auto& [name, ifc] : ifaces_) {
    if (!ifc->active || ifc->ifindex != p.ifindex) continue;
    auto to = loop::SockAddr::fromIpv6(p.dst, kPort, static_cast<uint32_t>(p.ifindex));
    auto st = ifc->udp->send(to, p.bytes);
    if (!st.ok()) LOG_DEBUG("babel: send on " + name + ": " + st.error().message);
    return;
  }
}

kernel::Route Driver::kernelRoute(const Prefix& dst, const Prefix& src, const Ipv6& nexthop,
                                  int ifindex) const {
  kernel::Route k;
  bool v4 = kernel::isV4(dst);
  k.dst = dst;
  // ::/0 (or 0.0.0.0/0 mapped) as source means "not source-specific".
  if (src.len > (v4 ? 96 : 0)) k.src = src;
  if (!v4 && dst.len == 0) {  // the default route: see DriverOptions
    if (opt_.plainDefault) k.src = Prefix{};
    else if (src.len == 0 && opt_.defaultSource) k.src = *opt_.defaultSource;
  }
  k.gateway = nexthop;
  // An IPv4 next hop learned from a Next Hop TLV is the neighbour's address on this
  // link, usually outside our own prefix there: on-link, as babeld installs it.
  k.onlink = v4 && kernel::isV4(nexthop);
  k.ifindex = ifindex;
  k.prefsrc = v4 ? opt_.prefsrc4 : opt_.prefsrc6;
  k.metric = opt_.kernelMetric;
  k.table = opt_.table;
  k.protocol = opt_.protocol;
  return k;
}

void Driver::install(const InstallRoute& r) {
  RouteKey key{r.dst, r.src};
  kernel::Route k = kernelRoute(r.dst, r.src, r.nexthop, r.ifindex);
  Status st = kernel_.replaceRoute(k);
  if (!st.ok() && k.prefsrc && st.error().code == Code::kInvalid) {
    // The preferred source is not (yet) a local address: route without it.
    k.prefsrc.reset();
    st = kernel_.replaceRoute(k);
  }
  if (!st.ok()) {
    ++kernelErrors_;
    LOG_WARNING("babel: cannot install " + k.str() + ": " + st.error().message);
    // Whatever the kernel holds for this key is stale now: drop it, and let the core
    // pick another route (or retract) and retry this one later.
    remove(RemoveRoute{r.dst, r.src, r.nexthop, r.ifindex, kInfinity});
    router_.routeRefused(r.dst, r.src, r.nexthop, r.ifindex, loop_.now());
    return;
  }
  LOG_DEBUG("babel: installed " + k.str());
  installed_[key] = k;
}

void Driver::remove(const RemoveRoute& r) {
  auto it = installed_.find({r.dst, r.src});
  if (it == installed_.end()) return;
  Status st = kernel_.deleteRoute(it->second);
  // The kernel drops routes through an interface that vanished: nothing to delete then.
  if (!st.ok() && st.error().code != Code::kNotFound) {
    ++kernelErrors_;
    LOG_WARNING("babel: cannot remove " + it->second.str() + ": " + st.error().message);
  } else {
    LOG_DEBUG("babel: removed " + it->second.str());
  }
  installed_.erase(it);
}

void Driver::deleteInstalled() {
  while (!installed_.empty()) {
    const auto& [key, k] = *installed_.begin();
    remove(RemoveRoute{key.first, key.second, k.gateway.value_or(Ipv6{}), k.ifindex, kInfinity});
  }
}

void Driver::kick() {
  if (inKick_) return;  // an action handler re-entered: the outer loop drains the rest
  inKick_ = true;
  while (auto a = router_.pollAction()) {
    if (auto* s = std::get_if<SendPacket>(&*a)) send(*s);
    else if (auto* i = std::get_if<InstallRoute>(&*a)) install(*i);
    else if (auto* rm = std::get_if<RemoveRoute>(&*a)) remove(*rm);
  }
  inKick_ = false;
  arm();
}

void Driver::arm() {
  if (!running_) {
    timer_.stop();
    return;
  }
  timer_.startAt(router_.nextTimeout(), [this] {
    router_.handleTimeout(loop_.now());
    kick();
  });
}

}  // namespace re6st::babel
