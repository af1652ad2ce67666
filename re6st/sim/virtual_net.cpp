// Virtual segments and packet delivery; see virtual_net.h.
#include "re6st/sim/virtual_net.h"

#include <algorithm>
#include <memory>

namespace re6st::sim {

NodeId VirtualNet::addNode(Handler handler) {
  nodes_.push_back(Node{std::move(handler), true, {}});
  return NodeId(nodes_.size() - 1);
}

void VirtualNet::setHandler(NodeId node, Handler handler) {
  nodes_.at(node).handler = std::move(handler);
}

SegmentId VirtualNet::addSegment(LinkParams params) {
  segments_.push_back(Segment{params, true, {}});
  return SegmentId(segments_.size() - 1);
}

void VirtualNet::attach(NodeId node, int ifindex, const Ipv6& address, SegmentId segment) {
  segments_.at(segment).ports.push_back(Port{node, ifindex, address});
  nodes_.at(node).ifaces[ifindex] = segment;
}

void VirtualNet::setUp(SegmentId segment, bool up) { segments_.at(segment).up = up; }
void VirtualNet::setParams(SegmentId segment, LinkParams params) {
  segments_.at(segment).params = params;
}

void VirtualNet::removeNode(NodeId node) {
  Node& n = nodes_.at(node);
  n.alive = false;
  for (const auto& [ifindex, seg] : n.ifaces) {
    auto& ports = segments_[seg].ports;
    ports.erase(std::remove_if(ports.begin(), ports.end(),
                               [node](const Port& p) { return p.node == node; }),
                ports.end());
  }
  n.ifaces.clear();
}

void VirtualNet::detach(NodeId node, int ifindex) {
  Node& n = nodes_.at(node);
  auto it = n.ifaces.find(ifindex);
  if (it == n.ifaces.end()) return;
  auto& ports = segments_[it->second].ports;
  ports.erase(std::remove_if(ports.begin(), ports.end(),
                             [&](const Port& p) { return p.node == node && p.ifindex == ifindex; }),
              ports.end());
  n.ifaces.erase(it);
}

std::optional<NodeId> VirtualNet::neighbourAt(NodeId node, int ifindex,
                                              const Ipv6& address) const {
  const Node& n = nodes_.at(node);
  auto it = n.ifaces.find(ifindex);
  if (it == n.ifaces.end()) return std::nullopt;
  for (const Port& p : segments_[it->second].ports) {
    if (p.address == address && p.node != node) return p.node;
  }
  return std::nullopt;
}

void VirtualNet::deliver(const Segment& seg, const Port& from, const Port& to, const Ipv6& dst,
                         const std::shared_ptr<const Bytes>& bytes) {
  if (seg.params.loss > 0 && random_.unit() < seg.params.loss) {
    ++stats_.dropped;
    return;
  }
  Duration delay = seg.params.latency;
  if (seg.params.jitter > Duration::zero()) {
    delay += Duration(int64_t(random_.below(uint64_t(seg.params.jitter.count()))));
  }
  NodeId target = to.node;
  int ifindex = to.ifindex;
  Ipv6 src = from.address;
  events_.after(delay, [this, target, ifindex, src, dst, bytes] {
    Node& n = nodes_[target];
    // Dropped if the node vanished or the interface was moved meanwhile.
    if (!n.alive || !n.ifaces.count(ifindex) || !n.handler) {
      ++stats_.dropped;
      return;
    }
    ++stats_.delivered;
    stats_.bytes += bytes->size();
    n.handler(events_.now(), ifindex, src, dst, *bytes);
  });
}

void VirtualNet::send(NodeId from, int ifindex, const Ipv6& dst, Bytes bytes) {
  ++stats_.sent;
  const Node& n = nodes_.at(from);
  auto it = n.ifaces.find(ifindex);
  if (!n.alive || it == n.ifaces.end()) return;
  const Segment& seg = segments_[it->second];
  if (!seg.up) {
    ++stats_.dropped;
    return;
  }
  const Port* self = nullptr;
  for (const Port& p : seg.ports) {
    if (p.node == from && p.ifindex == ifindex) self = &p;
  }
  if (!self) return;
  auto shared = std::make_shared<const Bytes>(std::move(bytes));
  bool multicast = dst[0] == 0xff;
  for (const Port& p : seg.ports) {
    if (&p == self) continue;
    if (multicast || p.address == dst) deliver(seg, *self, p, dst, shared);
  }
}

}  // namespace re6st::sim
