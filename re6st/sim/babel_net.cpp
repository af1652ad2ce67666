// Babel routers on the virtual network; see babel_net.h.
#include "re6st/sim/babel_net.h"

#include <algorithm>
#include <variant>

namespace re6st::sim {

BabelNet::BabelNet(uint64_t seed, babel::Config base)
    : net_(events_, seed), base_(std::move(base)), seed_(seed) {}
BabelNet::~BabelNet() = default;

Ipv6 BabelNet::linkLocal(size_t node, int ifindex) const {
  Ipv6 a{0xfe, 0x80};
  for (int k = 0; k < 4; ++k) a[8 + k] = uint8_t(uint32_t(node) >> (24 - 8 * k));
  for (int k = 0; k < 4; ++k) a[12 + k] = uint8_t(uint32_t(ifindex) >> (24 - 8 * k));
  return a;
}

size_t BabelNet::addRouter(const Prefix& prefix) {
  size_t i = nodes_.size();
  nodes_.emplace_back();
  Node& n = nodes_.back();
  n.prefix = prefix;
  n.random = std::make_unique<SeededRandom>(seed_ * 1'000'003 + i);
  babel::Config cfg = base_;
  for (int k = 0; k < 8; ++k) cfg.routerId[size_t(k)] = uint8_t((uint64_t(i) + 1) >> (56 - 8 * k));
  cfg.seqno = uint16_t(n.random->below(0x10000));
  cfg.redistribute = {babel::Xroute{prefix, {}, 0}};
  n.router = std::make_unique<babel::Router>(cfg, *n.random);
  n.id = net_.addNode([this, i](Time now, int ifindex, const Ipv6& src, const Ipv6& dst,
                                ByteSpan bytes) {
    if (!nodes_[i].router) return;
    if (!nodes_[i].router->handlePacket(now, ifindex, src, dst, bytes)) ++rejected_;
    drain(i);
  });
  byId_[n.id] = i;
  schedule(i);
  return i;
}

SegmentId BabelNet::link(size_t a, size_t b, LinkParams params, babel::IfType type) {
  SegmentId seg = net_.addSegment(params);
  links_.push_back(Link{a, b, seg});
  for (size_t i : {a, b}) {
    Node& n = nodes_[i];
    int ifindex = n.nextIfindex++;
    Ipv6 ll = linkLocal(i, ifindex);
    net_.attach(n.id, ifindex, ll, seg);
    (void)n.router->addInterface(ifindex, "sim" + std::to_string(ifindex), type, ll,
                                 events_.now());
    drain(i);
  }
  return seg;
}

void BabelNet::kill(size_t i) {
  net_.removeNode(nodes_[i].id);
  nodes_[i].router.reset();
  nodes_[i].fib.clear();
  ++nodes_[i].timerGen;
}

void BabelNet::drain(size_t i) {
  Node& n = nodes_[i];
  while (auto a = n.router->pollAction()) {
    if (auto* s = std::get_if<babel::SendPacket>(&*a)) {
      net_.send(n.id, s->ifindex, s->dst, std::move(s->bytes));
    } else if (auto* in = std::get_if<babel::InstallRoute>(&*a)) {
      n.fib[{in->dst, in->src}] = {in->nexthop, in->ifindex};
    } else if (auto* rm = std::get_if<babel::RemoveRoute>(&*a)) {
      n.fib.erase({rm->dst, rm->src});
    }
  }
  schedule(i);
}

// One pending timer event per router; a newer, earlier deadline supersedes it.
void BabelNet::schedule(size_t i) {
  Node& n = nodes_[i];
  if (!n.router) return;
  Time t = n.router->nextTimeout();
  if (t >= n.scheduled) return;
  n.scheduled = t;
  uint64_t gen = ++n.timerGen;
  events_.at(t, [this, i, gen] {
    Node& m = nodes_[i];
    if (!m.router || m.timerGen != gen) return;
    m.scheduled = Time::max();
    m.router->handleTimeout(events_.now());
    drain(i);
  });
}

RouteCheck BabelNet::check() const {
  RouteCheck c;
  uint64_t hopSum = 0;
  const Prefix any{};
  for (size_t s = 0; s < nodes_.size(); ++s) {
    if (!nodes_[s].router) continue;
    for (size_t d = 0; d < nodes_.size(); ++d) {
      if (d == s || !nodes_[d].router) continue;
      ++c.pairs;
      size_t cur = s;
      uint64_t hops = 0;
      while (cur != d) {
        const auto& fib = nodes_[cur].fib;
        auto it = fib.find({nodes_[d].prefix, any});
        if (it == fib.end()) {
          ++c.missing;
          break;
        }
        auto nb = net_.neighbourAt(nodes_[cur].id, it->second.second, it->second.first);
        if (!nb || !nodes_[byId_.at(*nb)].router) {
          ++c.broken;
          break;
        }
        cur = byId_.at(*nb);
        ++hops;
        if (hops > nodes_.size()) {  // longer than any simple path: a loop
          ++c.loops;
          break;
        }
      }
      if (cur == d) {
        ++c.reachable;
        hopSum += hops;
        c.maxHops = std::max(c.maxHops, hops);
      }
    }
  }
  c.avgHops = c.reachable ? double(hopSum) / double(c.reachable) : 0;
  return c;
}

}  // namespace re6st::sim

namespace re6st::sim {

uint64_t BabelNet::connectedPairs() const {
  // Union-find over live routers joined by links that are up.
  std::vector<size_t> parent(nodes_.size());
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = i;
  auto find = [&parent](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const Link& l : links_) {
    if (!nodes_[l.a].router || !nodes_[l.b].router || !net_.isUp(l.segment)) continue;
    parent[find(l.a)] = find(l.b);
  }
  std::map<size_t, uint64_t> sizes;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].router) ++sizes[find(i)];
  }
  uint64_t pairs = 0;
  for (const auto& [root, n] : sizes) pairs += n * (n - 1);
  return pairs;
}

}  // namespace re6st::sim
