// LinuxRoutes against the real kernel, each case in its own private network namespace
// (test/support/routing_netns.h): routes of every kind, named errors, flush by protocol,
// addresses, links and link-local lookup on a veth pair.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "re6st/kernel/link_monitor.h"
#include "re6st/kernel/routes.h"
#include "routing_netns.h"

using namespace re6st;
using namespace re6st::kernel;

namespace {

Prefix P(const char* s) { return *parseAnyPrefix(s); }
Ipv6 A(const char* s) { return *parseAnyAddress(s); }

bool hasRoute(Routes& k, const Route& want, bool v4 = false) {
  auto all = k.listRoutes(v4, want.protocol);
  REQUIRE(all.ok());
  for (const auto& r : *all)
    if (r.dst == want.dst && r.src == want.src && r.table == want.table && r.type == want.type)
      return true;
  return false;
}

// Opens the kernel interface and brings lo up with a node address, like a re6st node.
std::unique_ptr<Routes> setUp() {
  auto k = openLinuxRoutes();
  REQUIRE(k.ok());
  auto lo = (*k)->linkByName("lo");
  REQUIRE(lo.ok());
  REQUIRE((*k)->setLinkUp(lo->ifindex, true).ok());
  return std::move(*k);
}

}  // namespace

TEST_CASE("IPv6 routes: add, exists, replace, source-specific, delete, not found", "[kernel][root]") {
  auto failure = test::runInNewNetns([] {
    auto k = setUp();
    int lo = k->linkByName("lo")->ifindex;
    CHECK(lo == 1);
    Address node{lo, Prefix{A("2001:db8:1::1"), 128}};
    REQUIRE(k->addAddress(node).ok());

    Route r;
    r.protocol = kProtoRe6st;
    r.dst = P("2001:db8:2::/48");
    r.ifindex = lo;
    r.prefsrc = A("2001:db8:1::1");
    r.metric = 100;
    REQUIRE(k->addRoute(r).ok());
    CHECK(hasRoute(*k, r));
    auto again = k->addRoute(r);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == Code::kExists);
    CHECK(k->replaceRoute(r).ok());

    Route ss = r;  // RFC 9079: the same destination from a source prefix is another route
    ss.src = P("2001:db8:1::/48");
    REQUIRE(k->addRoute(ss).ok());
    CHECK(hasRoute(*k, ss));
    auto listed = k->listRoutes(false, kProtoRe6st);
    REQUIRE(listed.ok());
    bool sawPrefsrc = false;
    for (const auto& x : *listed)
      if (x.dst == r.dst && !x.src.len) sawPrefsrc = x.prefsrc == r.prefsrc && x.metric == 100;
    CHECK(sawPrefsrc);

    Route un;
    un.protocol = kProtoRe6st;
    un.dst = P("2001:db8::/32");
    un.type = RouteType::kUnreachable;
    REQUIRE(k->addRoute(un).ok());
    CHECK(hasRoute(*k, un));

    Route t = r;
    t.table = 1000;
    REQUIRE(k->addRoute(t).ok());
    CHECK(hasRoute(*k, t));

    REQUIRE(k->deleteRoute(r).ok());
    CHECK_FALSE(hasRoute(*k, r));
    CHECK(hasRoute(*k, ss));  // deleting the plain route left the specific one
    auto gone = k->deleteRoute(r);
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.error().code == Code::kNotFound);

    // A route of another protocol survives our flush.
    Route other = r;
    other.dst = P("2001:db8:3::/48");
    other.protocol = kProtoStatic;  // the default, e.g. the node's own routes
    REQUIRE(k->addRoute(other).ok());
    auto n = k->flushRoutes();
    REQUIRE(n.ok());
    CHECK(*n == 3);  // ss, un, t
    CHECK(k->listRoutes(false, kProtoRe6st)->empty());
    CHECK(hasRoute(*k, other));
  });
  CHECK(failure == "");
}

TEST_CASE("veth: links, MTU, link-local, gateway routes in both families", "[kernel][root]") {
  auto failure = test::runInNewNetns([] {
    auto k = setUp();
    REQUIRE(std::system("sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0") == 0);
    REQUIRE(std::system("ip link add r6rt-a type veth peer name r6rt-b") == 0);
    auto a = k->linkByName("r6rt-a");
    REQUIRE(a.ok());
    CHECK_FALSE(a->up);
    CHECK(k->linkByIndex(a->ifindex)->name == "r6rt-a");
    auto missing = k->linkByName("r6rt-none");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == Code::kNotFound);

    REQUIRE(k->setMtu(a->ifindex, 1400).ok());
    REQUIRE(k->setLinkUp(a->ifindex, true).ok());
    auto b = k->linkByName("r6rt-b");
    REQUIRE(k->setLinkUp(b->ifindex, true).ok());
    a = k->linkByName("r6rt-a");
    CHECK(a->up);
    CHECK(a->mtu == 1400);
    auto links = k->listLinks();
    REQUIRE(links.ok());
    CHECK(links->size() == 3);  // lo + the pair

    // The kernel adds the link-local address once the carrier is up, shortly after.
    auto ll = k->linkLocal(a->ifindex);
    for (int i = 0; i < 50 && !ll.ok(); ++i) {
      CHECK(ll.error().code == Code::kNotFound);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ll = k->linkLocal(a->ifindex);
    }
    REQUIRE(ll.ok());
    CHECK(((*ll)[0] == 0xfe && ((*ll)[1] & 0xc0) == 0x80));

    Route v6;
    v6.protocol = kProtoRe6st;
    v6.dst = P("2001:db8:5::/64");
    v6.gateway = A("fe80::99");
    v6.ifindex = a->ifindex;
    REQUIRE(k->addRoute(v6).ok());
    CHECK(hasRoute(*k, v6));

    Address v4addr{a->ifindex, Prefix{A("198.18.5.1"), 96 + 24}};
    REQUIRE(k->addAddress(v4addr).ok());
    auto v4s = k->listAddresses(true, a->ifindex);
    REQUIRE(v4s.ok());
    REQUIRE(v4s->size() == 1);
    CHECK(formatAddress((*v4s)[0].prefix.addr) == "198.18.5.1");
    Route v4;
    v4.protocol = kProtoRe6st;
    v4.dst = P("198.19.0.0/16");
    v4.gateway = A("198.18.5.2");
    v4.ifindex = a->ifindex;
    v4.prefsrc = A("198.18.5.1");
    REQUIRE(k->addRoute(v4).ok());
    CHECK(hasRoute(*k, v4, true));
    Route via = v4;  // RFC 9229: IPv4 through an IPv6 link-local next hop
    via.dst = P("198.20.0.0/16");
    via.gateway = A("fe80::99");
    via.prefsrc.reset();
    REQUIRE(k->addRoute(via).ok());
    auto v4routes = k->listRoutes(true, kProtoRe6st);
    REQUIRE(v4routes.ok());
    bool sawVia = false;
    for (const auto& x : *v4routes) sawVia |= x.dst == via.dst && x.gateway == via.gateway;
    CHECK(sawVia);
    // A neighbour's IPv4 address outside every local prefix (AE 1 next hop on a tunnel):
    // the kernel takes it only on-link (RTNH_F_ONLINK), as babeld installs it.
    Route far = v4;
    far.dst = P("198.21.0.0/16");
    far.gateway = A("10.99.0.1");
    far.prefsrc.reset();
    CHECK_FALSE(k->addRoute(far).ok());
    far.onlink = true;
    REQUIRE(k->addRoute(far).ok());
    CHECK(hasRoute(*k, far, true));
    auto n = k->flushRoutes();
    REQUIRE(n.ok());
    CHECK(*n == 4);
    REQUIRE(k->deleteAddress(v4addr).ok());
    CHECK(k->listAddresses(true, a->ifindex)->empty());

    // The kernel refuses a gateway route on a link that is down: a named error.
    REQUIRE(k->setLinkUp(a->ifindex, false).ok());
    auto down = k->addRoute(v6);
    CHECK_FALSE(down.ok());
  });
  CHECK(failure == "");
}

TEST_CASE("LinkMonitor reports link and address changes", "[kernel][root]") {
  auto failure = test::runInNewNetns([] {
    auto m = LinkMonitor::open();
    REQUIRE(m.ok());
    CHECK_FALSE((*m)->drain());  // nothing happened yet
    REQUIRE(std::system("ip link add r6lm-a type veth peer name r6lm-b") == 0);
    CHECK((*m)->drain());
    // The kernel may send follow-ups (the peer, link-local setup) a little later: let
    // them come, then the monitor must be quiet until the next change.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (void)(*m)->drain();
    CHECK_FALSE((*m)->drain());
    REQUIRE(std::system("ip addr add 2001:db8:7::1/64 dev r6lm-a nodad") == 0);
    CHECK((*m)->drain());
  });
  CHECK(failure == "");
}
