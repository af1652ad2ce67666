// VirtualNet::detach: a closed tunnel end stops receiving at once, packets already in
// flight to it are dropped, and the other ports of the segment are untouched.
#include <catch2/catch.hpp>

#include "re6st/sim/virtual_net.h"

using namespace re6st;
using namespace re6st::sim;

TEST_CASE("virtual net: a detached interface receives nothing, in flight included") {
  EventQueue q;
  VirtualNet net(q, 1);
  int gotA = 0, gotB = 0;
  NodeId a = net.addNode([&](Time, int, const Ipv6&, const Ipv6&, ByteSpan) { ++gotA; });
  NodeId b = net.addNode([&](Time, int, const Ipv6&, const Ipv6&, ByteSpan) { ++gotB; });
  SegmentId s = net.addSegment(LinkParams{milliseconds(10)});
  Ipv6 la{0xfe, 0x80, 1}, lb{0xfe, 0x80, 2};
  net.attach(a, 1, la, s);
  net.attach(b, 1, lb, s);
  net.send(a, 1, lb, Bytes{1, 2, 3});
  q.runFor(milliseconds(20));
  CHECK(gotB == 1);
  net.send(a, 1, lb, Bytes{4});  // in flight when b's end closes
  net.detach(b, 1);
  q.runFor(milliseconds(20));
  CHECK(gotB == 1);
  CHECK(net.stats().dropped == 1);
  CHECK_FALSE(net.neighbourAt(a, 1, lb).has_value());
  net.send(a, 1, lb, Bytes{5});  // nobody owns lb any more
  net.send(b, 1, la, Bytes{6});  // b has no interface 1 any more
  q.runFor(milliseconds(20));
  CHECK(gotA == 0);
  CHECK(gotB == 1);
  net.detach(b, 1);  // twice: no effect
  net.detach(a, 7);  // unknown interface: no effect
}
