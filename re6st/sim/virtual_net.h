// A virtual network for the simulator: nodes with numbered interfaces attached to
// segments (a point-to-point link is a segment with two ports). Packets sent to a
// multicast address reach every other port of the segment, unicast ones the port that
// owns the address; each delivery has latency, jitter and loss drawn from one seeded
// generator. Generic: a node is just a handler receiving bytes. Single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/prefix.h"
#include "re6st/base/random.h"
#include "re6st/sim/event_queue.h"

namespace re6st::sim {

using NodeId = uint32_t;
using SegmentId = uint32_t;

struct LinkParams {
  Duration latency = milliseconds(1);
  Duration jitter{};  // uniform extra delay in [0, jitter)
  double loss = 0.0;  // probability of dropping each delivery
};

// What a node receives: (now, its ifindex, source address, destination address, bytes).
using Handler = std::function<void(Time, int, const Ipv6&, const Ipv6&, ByteSpan)>;

struct NetStats {
  uint64_t sent = 0;
  uint64_t delivered = 0;
  uint64_t dropped = 0;
  uint64_t bytes = 0;  // delivered bytes
};

class VirtualNet {
 public:
  VirtualNet(EventQueue& events, uint64_t seed) : events_(events), random_(seed) {}

  NodeId addNode(Handler handler);
  void setHandler(NodeId node, Handler handler);
  SegmentId addSegment(LinkParams params = {});
  // Attaches node's interface ifindex with address to segment.
  void attach(NodeId node, int ifindex, const Ipv6& address, SegmentId segment);
  void setUp(SegmentId segment, bool up);
  bool isUp(SegmentId segment) const { return segments_.at(segment).up; }
  void setParams(SegmentId segment, LinkParams params);
  // Detaches every port of the node; packets in flight to it are dropped on arrival.
  void removeNode(NodeId node);
  // Detaches one interface of a node (a tunnel closed); in-flight packets to it drop.
  void detach(NodeId node, int ifindex);
  bool alive(NodeId node) const { return node < nodes_.size() && nodes_[node].alive; }

  void send(NodeId from, int ifindex, const Ipv6& dst, Bytes bytes);

  // The node owning address on the segment behind (node, ifindex), if any.
  std::optional<NodeId> neighbourAt(NodeId node, int ifindex, const Ipv6& address) const;
  const NetStats& stats() const { return stats_; }
  EventQueue& events() { return events_; }
  Random& random() { return random_; }

 private:
  struct Port {
    NodeId node;
    int ifindex;
    Ipv6 address;
  };
  struct Segment {
    LinkParams params;
    bool up = true;
    std::vector<Port> ports;
  };
  struct Node {
    Handler handler;
    bool alive = true;
    std::map<int, SegmentId> ifaces;
  };
  void deliver(const Segment& seg, const Port& from, const Port& to, const Ipv6& dst,
               const std::shared_ptr<const Bytes>& bytes);

  EventQueue& events_;
  SeededRandom random_;
  std::vector<Node> nodes_;
  std::vector<Segment> segments_;
  NetStats stats_;
};

}  // namespace re6st::sim
