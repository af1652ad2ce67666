// Netlink framing and rtnetlink bodies, without a kernel: requests are decoded back with
// the kernel's own struct layouts, replies are built by hand, malformed input is refused.
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>

#include "re6st/kernel/netlink.h"
#include "re6st/kernel/route_msg.h"

using namespace re6st;
using namespace re6st::kernel;

namespace {

Prefix P(const char* s) { return *parseAnyPrefix(s); }
Ipv6 A(const char* s) { return *parseAnyAddress(s); }

// Turns a finished request into the message the kernel would see.
NlMessage asMessage(NlRequest& req, Bytes& keep) {
  keep = req.finish(7);
  auto msgs = splitMessages(keep);
  REQUIRE(msgs.ok());
  REQUIRE(msgs->size() == 1);
  return (*msgs)[0];
}

// A route request, re-typed as the RTM_NEWROUTE a dump would return.
Route roundTrip(const Route& r) {
  NlRequest req = routeRequest(RTM_NEWROUTE, NLM_F_CREATE, r);
  Bytes keep;
  NlMessage m = asMessage(req, keep);
  auto back = decodeRoute(m);
  REQUIRE(back.ok());
  return *back;
}

}  // namespace

TEST_CASE("route request carries rtmsg fields and attributes", "[kernel]") {
  Route r;
  r.dst = P("2001:db8:1::/48");
  r.src = P("2001:db8::/32");
  r.gateway = A("fe80::1");
  r.ifindex = 5;
  r.prefsrc = A("2001:db8:2::1");
  r.metric = 1024;
  NlRequest req = routeRequest(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r);
  Bytes b = req.finish(42);
  nlmsghdr h;
  std::memcpy(&h, b.data(), sizeof h);
  CHECK(h.nlmsg_len == b.size());
  CHECK(h.nlmsg_type == RTM_NEWROUTE);
  CHECK(h.nlmsg_seq == 42);
  CHECK(h.nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE));
  rtmsg m;
  std::memcpy(&m, b.data() + NLMSG_HDRLEN, sizeof m);
  CHECK(m.rtm_family == AF_INET6);
  CHECK(m.rtm_dst_len == 48);
  CHECK(m.rtm_src_len == 32);
  CHECK(m.rtm_protocol == kProtoStatic);
  CHECK(m.rtm_type == RTN_UNICAST);
  CHECK(m.rtm_table == RT_TABLE_MAIN);
  auto attrs = parseAttrsAfter(ByteSpan(b).subspan(NLMSG_HDRLEN), sizeof(rtmsg));
  REQUIRE(attrs.ok());
  CHECK(findAttr(*attrs, RTA_DST)->size() == 16);
  CHECK(attrU32(*attrs, RTA_OIF) == 5u);
  CHECK(attrU32(*attrs, RTA_PRIORITY) == 1024u);
  CHECK(attrU32(*attrs, RTA_TABLE) == 254u);
  CHECK(findAttr(*attrs, RTA_PREFSRC).has_value());
}

TEST_CASE("routes survive encode and decode in both families", "[kernel]") {
  Route r;
  r.dst = P("2001:db8:1::/64");
  r.src = P("2001:db8::/32");
  r.gateway = A("fe80::abcd");
  r.ifindex = 3;
  r.prefsrc = A("2001:db8::1");
  r.metric = 7;
  r.table = 1000;  // above 255: only RTA_TABLE can carry it
  CHECK(roundTrip(r) == r);

  Route u;
  u.dst = P("2001:db8::/32");
  u.type = RouteType::kUnreachable;
  CHECK(roundTrip(u) == u);

  Route v4;
  v4.dst = P("10.42.0.0/16");
  v4.gateway = A("10.0.0.1");
  v4.ifindex = 2;
  v4.prefsrc = A("10.0.0.2");
  Route back = roundTrip(v4);
  CHECK(back == v4);
  CHECK(isV4(back.dst));
  CHECK(formatPrefix(back.dst) == "10.42.0.0/16");
  CHECK(back.str() == "10.42.0.0/16 via 10.0.0.1 dev 2 src 10.0.0.2 proto 4");

  Route on = v4;  // a gateway outside the link's prefixes, forced on-link
  on.onlink = true;
  CHECK(roundTrip(on) == on);
  CHECK(on.str() == "10.42.0.0/16 via 10.0.0.1 onlink dev 2 src 10.0.0.2 proto 4");

  Route via;  // IPv4 through an IPv6 link-local next hop (RTA_VIA)
  via.dst = P("10.42.0.0/16");
  via.gateway = A("fe80::1");
  via.ifindex = 2;
  CHECK(roundTrip(via) == via);

  Route def;  // ::/0 from 2001:db8::/32, a gateway's source-specific default
  def.dst = P("::/0");
  def.src = P("2001:db8::/32");
  def.gateway = A("fe80::1");
  def.ifindex = 4;
  CHECK(roundTrip(def) == def);
}

TEST_CASE("IPv4 on-link route gets link scope, delete matches any scope", "[kernel]") {
  Route r;
  r.dst = P("198.18.0.0/24");
  r.ifindex = 2;
  Bytes b = routeRequest(RTM_NEWROUTE, 0, r).finish(1);
  rtmsg m;
  std::memcpy(&m, b.data() + NLMSG_HDRLEN, sizeof m);
  CHECK(m.rtm_family == AF_INET);
  CHECK(m.rtm_dst_len == 24);
  CHECK(m.rtm_scope == RT_SCOPE_LINK);
  Bytes d = routeRequest(RTM_DELROUTE, 0, r).finish(2);
  std::memcpy(&m, d.data() + NLMSG_HDRLEN, sizeof m);
  CHECK(m.rtm_scope == RT_SCOPE_NOWHERE);
}

TEST_CASE("address and link requests decode back", "[kernel]") {
  Address a;
  a.ifindex = 9;
  a.prefix = Prefix{A("2001:db8::1"), 64};
  NlRequest req = addressRequest(RTM_NEWADDR, NLM_F_CREATE, a);
  Bytes keep;
  auto back = decodeAddress(asMessage(req, keep));
  REQUIRE(back.ok());
  CHECK(back->ifindex == 9);
  CHECK(back->prefix == a.prefix);
  CHECK_FALSE(back->tentative);

  // A link as the kernel reports it: ifinfomsg + IFLA_IFNAME + IFLA_MTU.
  NlRequest l(RTM_NEWLINK, 0);
  ifinfomsg im{};
  im.ifi_index = 4;
  im.ifi_flags = IFF_UP | IFF_RUNNING;
  l.header(im);
  l.attrString(IFLA_IFNAME, "re6stnet1");
  l.attrU32(IFLA_MTU, 1400);
  auto link = decodeLink(asMessage(l, keep));
  REQUIRE(link.ok());
  CHECK(link->name == "re6stnet1");
  CHECK(link->mtu == 1400);
  CHECK(link->up);
  CHECK(link->running);

  Bytes s = linkSetRequest(4, false, 1280).finish(3);
  std::memcpy(&im, s.data() + NLMSG_HDRLEN, sizeof im);
  CHECK(im.ifi_change == IFF_UP);
  CHECK(im.ifi_flags == 0u);
}

TEST_CASE("acks carry errno and the kernel's extended message", "[kernel]") {
  // NLMSG_ERROR, capped, with NLMSGERR_ATTR_MSG.
  NlRequest e(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS);
  nlmsgerr err{};
  err.error = -EEXIST;
  err.msg.nlmsg_len = NLMSG_HDRLEN;
  e.header(err);
  e.attrString(NLMSGERR_ATTR_MSG, "Route exists");
  Bytes keep;
  auto ack = parseAck(asMessage(e, keep));
  REQUIRE(ack.ok());
  CHECK(ack->error == EEXIST);
  CHECK(ack->message == "Route exists");
  Error named = kernelError(ack->error, "RTM_NEWROUTE x", ack->message);
  CHECK(named.code == Code::kExists);
  CHECK(named.message == "RTM_NEWROUTE x: File exists (Route exists)");
  CHECK(kernelError(ENODEV, "x").code == Code::kNotFound);
  CHECK(kernelError(EPERM, "x").code == Code::kPermission);
  CHECK(kernelError(EOPNOTSUPP, "x").code == Code::kUnsupported);

  NlRequest ok(NLMSG_ERROR, 0);
  nlmsgerr zero{};
  ok.header(zero);
  auto ack0 = parseAck(asMessage(ok, keep));
  REQUIRE(ack0.ok());
  CHECK(ack0->error == 0);
}

TEST_CASE("malformed netlink input is refused, never overread", "[kernel]") {
  Bytes tooShort = {1, 2, 3};
  CHECK_FALSE(splitMessages(tooShort).ok());
  // nlmsg_len larger than the datagram.
  Bytes b = NlRequest(RTM_NEWROUTE, 0).finish(1);
  b[0] = 0xff;
  CHECK_FALSE(splitMessages(b).ok());
  // nlmsg_len smaller than the header.
  Bytes c = NlRequest(RTM_NEWROUTE, 0).finish(1);
  c[0] = 4;
  CHECK_FALSE(splitMessages(c).ok());
  // Attribute longer than its buffer.
  Bytes attr = {0x20, 0, 1, 0, 0, 0, 0, 0};
  CHECK_FALSE(parseAttrs(attr).ok());
  // A route whose RTA_DST has the wrong size for its family.
  NlRequest r(RTM_NEWROUTE, 0);
  rtmsg m{};
  m.rtm_family = AF_INET6;
  m.rtm_dst_len = 64;
  m.rtm_type = RTN_UNICAST;
  r.header(m);
  uint8_t four[4] = {};
  r.attr(RTA_DST, four, 4);
  Bytes keep;
  CHECK(decodeRoute(asMessage(r, keep)).error().code == Code::kInvalid);
  // Prefix length beyond the family's width.
  NlRequest big(RTM_NEWROUTE, 0);
  m.rtm_family = AF_INET;
  m.rtm_dst_len = 33;
  big.header(m);
  CHECK_FALSE(decodeRoute(asMessage(big, keep)).ok());
  // Header shorter than rtmsg.
  NlRequest tiny(RTM_NEWROUTE, 0);
  uint8_t one = 10;
  tiny.header(one);
  CHECK_FALSE(decodeRoute(asMessage(tiny, keep)).ok());
}

TEST_CASE("IPv4-mapped helpers parse and print both families", "[kernel]") {
  CHECK(formatPrefix(P("10.0.0.0/8")) == "10.0.0.0/8");
  CHECK(P("10.0.0.0/8").len == 104);
  CHECK(formatPrefix(P("2001:db8::/32")) == "2001:db8::/32");
  CHECK(formatAddress(A("198.18.0.1")) == "198.18.0.1");
  CHECK_FALSE(parseAnyPrefix("10.0.0.1/8").ok());
  CHECK_FALSE(parseAnyPrefix("10.0.0.0/33").ok());
  CHECK_FALSE(parseAnyPrefix("10.0.0/8").ok());
  CHECK_FALSE(isV4(P("::/0")));
  CHECK(isV4(P("0.0.0.0/0")));
}
