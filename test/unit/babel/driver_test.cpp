// The Babel driver (re6st/babel/driver) with real sockets and real kernel routes, in a
// private network namespace: two routers on one veth pair learn each other's prefixes
// and install them (prefsrc, source-specific default, own protocol and table), stale
// routes are flushed at start, an interface that appears later joins, and stop() leaves
// no route behind. Needs root (tests run as root here).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <functional>

#include "re6st/babel/driver.h"
#include "routing_netns.h"

using namespace re6st;
using namespace re6st::kernel;

namespace {

Prefix P(const char* s) { return *parseAnyPrefix(s); }
Ipv6 A(const char* s) { return *parseAnyAddress(s); }

// Runs the loop until pred() holds (checked every 50 ms) or the deadline passes.
bool runUntil(loop::Loop& loop, Duration deadline, const std::function<bool()>& pred) {
  loop::Timer check(loop), limit(loop);
  bool met = pred();
  if (met) return true;
  check.startRepeat(milliseconds(50), [&] {
    if (pred()) {
      met = true;
      loop.stop();
    }
  });
  limit.start(deadline, [&] { loop.stop(); });
  loop.run();
  return met;
}

std::optional<Route> findRoute(Routes& k, uint8_t proto, const Prefix& dst, const Prefix& src = {}) {
  auto all = k.listRoutes(false, proto);
  if (!all.ok()) return std::nullopt;
  for (const auto& r : *all)
    if (r.dst == dst && r.src == src) return r;
  return std::nullopt;
}

babel::Config config(uint8_t id, std::vector<babel::Xroute> xroutes) {
  babel::Config c;
  c.routerId = {0, 0, 0, 0, 0, 0, 0, id};
  c.helloInterval = milliseconds(250);
  c.redistribute = std::move(xroutes);
  return c;
}

// The kernel, except that it refuses to install routes to `refused` while set.
class RefusingRoutes final : public Routes {
 public:
  explicit RefusingRoutes(Routes& k) : k_(k) {}
  std::optional<Prefix> refused;
  int refusals = 0;
  Status addRoute(const Route& r) override { return k_.addRoute(r); }
  Status replaceRoute(const Route& r) override {
    if (refused && r.dst == *refused) {
      ++refusals;
      return makeError(Code::kInvalid, "refused by the test");
    }
    return k_.replaceRoute(r);
  }
  Status deleteRoute(const Route& r) override { return k_.deleteRoute(r); }
  Result<std::vector<Route>> listRoutes(bool v4, uint8_t p) override { return k_.listRoutes(v4, p); }
  Result<int> flushRoutes(uint8_t p) override { return k_.flushRoutes(p); }
  Status addAddress(const Address& a) override { return k_.addAddress(a); }
  Status deleteAddress(const Address& a) override { return k_.deleteAddress(a); }
  Result<std::vector<Address>> listAddresses(bool v4, int i) override {
    return k_.listAddresses(v4, i);
  }
  Result<Link> linkByName(const std::string& n) override { return k_.linkByName(n); }
  Result<Link> linkByIndex(int i) override { return k_.linkByIndex(i); }
  Result<std::vector<Link>> listLinks() override { return k_.listLinks(); }
  Status setLinkUp(int i, bool up) override { return k_.setLinkUp(i, up); }
  Status setMtu(int i, uint32_t m) override { return k_.setMtu(i, m); }

 private:
  Routes& k_;
};

}  // namespace

TEST_CASE("driver: a refused route is not kept and goes in on retry; IPv4 via IPv6",
          "[kernel][root][driver]") {
  auto failure = test::runInNewNetns([] {
    REQUIRE(std::system("sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0") == 0);
    REQUIRE(std::system("ip link set lo up && ip link add r6dr-a type veth peer name r6dr-b && "
                        "ip link set r6dr-a up && ip link set r6dr-b up") == 0);
    auto k = openLinuxRoutes();
    REQUIRE(k.ok());
    RefusingRoutes kA(**k);
    Prefix refused = P("2001:db8:b::/48");
    Prefix v4 = P("198.18.9.0/24");
    kA.refused = refused;
    SeededRandom rnd(9);
    babel::Router ra(config(1, {}), rnd);
    babel::Router rb(config(2, {{refused, {}, 0}, {v4, {}, 0}}), rnd);
    loop::Loop loop;
    babel::DriverOptions oa;
    oa.interfaceCheck = milliseconds(100);
    babel::DriverOptions ob = oa;
    ob.protocol = 44;  // both routers share the namespace's kernel: keep them apart
    babel::Driver da(loop, ra, kA, oa), db(loop, rb, **k, ob);
    da.addInterface("r6dr-a", babel::IfType::kWired);
    db.addInterface("r6dr-b", babel::IfType::kWired);
    REQUIRE(da.start().ok());
    REQUIRE(db.start().ok());
    // The IPv4 route arrives as v4-via-v6 (no IPv4 on the link) and is installed via
    // the neighbour's link-local address (RTA_VIA).
    auto v4InA = [&] {
      auto all = kA.listRoutes(true, kProtoRe6st);
      for (const auto& r : *all)
        if (r.dst == v4) return std::optional<Route>(r);
      return std::optional<Route>();
    };
    REQUIRE(runUntil(loop, seconds(20), [&] { return v4InA().has_value(); }));
    REQUIRE(v4InA()->gateway.has_value());
    CHECK(isLinkLocal(*v4InA()->gateway));
    CHECK_FALSE(v4InA()->onlink);
    // The refused one: tried, not counted as installed, not selected.
    REQUIRE(runUntil(loop, seconds(5), [&] { return kA.refusals > 0; }));
    CHECK(da.kernelErrors() > 0);
    CHECK(da.installedRoutes() == 1);
    CHECK_FALSE(findRoute(kA, kProtoRe6st, refused));
    bool selected = false;
    for (const auto& r : ra.routes()) selected |= r.dst == refused && r.selected;
    CHECK_FALSE(selected);
    // The kernel accepts again: the core retries on its own (kRefusedRetry, 5 s).
    kA.refused.reset();
    CHECK(runUntil(loop, seconds(10), [&] { return findRoute(kA, kProtoRe6st, refused).has_value(); }));
    CHECK(da.installedRoutes() == 2);
    db.stop();
    da.stop();
    CHECK(kA.listRoutes(false, kProtoRe6st)->empty());
    CHECK(kA.listRoutes(true, kProtoRe6st)->empty());
  });
  CHECK(failure == "");
}

TEST_CASE("driver: two routers on a veth install each other's routes, then clean up",
          "[kernel][root][driver]") {
  auto failure = test::runInNewNetns([] {
    REQUIRE(std::system("sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0") == 0);
    REQUIRE(std::system("ip link set lo up && ip link add r6dt-a type veth peer name r6dt-b && "
                        "ip link set r6dt-a up && ip link set r6dt-b up") == 0);
    auto ka = openLinuxRoutes();
    auto kb = openLinuxRoutes();
    REQUIRE(ka.ok());
    REQUIRE(kb.ok());
    Routes& kA = **ka;
    Routes& kB = **kb;
    REQUIRE(kA.addAddress({1, Prefix{A("2001:db8:a::1"), 128}}).ok());
    Route stale;
    stale.dst = P("2001:db8:dead::/48");
    stale.type = RouteType::kUnreachable;
    stale.protocol = kProtoRe6st;  // left by a crashed run
    REQUIRE(kA.addRoute(stale).ok());

    SeededRandom rnd(7);
    babel::Router ra(config(1, {{P("2001:db8:a::/48"), {}, 0}}), rnd);
    babel::Router rb(config(2, {{P("2001:db8:b::/48"), {}, 0}, {P("::/0"), P("2001:db8:b::/48"), 0}}), rnd);
    loop::Loop loop;
    babel::DriverOptions oa;
    oa.prefsrc6 = A("2001:db8:a::1");
    oa.interfaceCheck = milliseconds(100);
    babel::DriverOptions ob = oa;
    ob.prefsrc6 = A("2001:db8:b::1");  // not a local address: routes go in without it
    ob.protocol = 43;
    ob.table = 100;
    babel::Driver da(loop, ra, kA, oa), db(loop, rb, kB, ob);
    da.addInterface("r6dt-a", babel::IfType::kWired);
    da.addInterface("r6dt-late", babel::IfType::kTunnel);
    db.addInterface("r6dt-b", babel::IfType::kWired);
    REQUIRE(da.start().ok());
    REQUIRE(db.start().ok());
    CHECK_FALSE(findRoute(kA, kProtoRe6st, stale.dst));  // flushed at start

    auto bInA = [&] { return findRoute(kA, kProtoRe6st, P("2001:db8:b::/48")); };
    auto aInB = [&] { return findRoute(kB, 43, P("2001:db8:a::/48")); };
    auto ssInA = [&] { return findRoute(kA, kProtoRe6st, P("::/0"), P("2001:db8:b::/48")); };
    REQUIRE(runUntil(loop, seconds(20), [&] { return bInA() && aInB() && ssInA(); }));
    auto r = bInA();
    CHECK(r->prefsrc == A("2001:db8:a::1"));
    CHECK(r->ifindex == kA.linkByName("r6dt-a")->ifindex);
    REQUIRE(r->gateway.has_value());
    CHECK((*r->gateway)[0] == 0xfe);
    CHECK(aInB()->table == 100u);
    CHECK_FALSE(aInB()->prefsrc.has_value());
    CHECK(db.kernelErrors() == 0);
    CHECK(ssInA()->gateway == r->gateway);
    CHECK(da.installedRoutes() == 2);

    // An interface named before it existed joins once it appears with a link-local address.
    REQUIRE(std::system("ip link add r6dt-late type veth peer name r6dt-late2 && "
                        "ip link set r6dt-late up && ip link set r6dt-late2 up") == 0);
    auto lateActive = [&] {
      for (const auto& i : da.interfaces())
        if (i.name == "r6dt-late") return i.active;
      return false;
    };
    CHECK(runUntil(loop, seconds(5), lateActive));

    // Removing the shared link withdraws what A learned over it.
    da.removeInterface("r6dt-a");
    CHECK_FALSE(bInA());
    CHECK(da.installedRoutes() == 0);
    CHECK(runUntil(loop, seconds(20), [&] { return !aInB(); }));

    db.stop();
    da.stop();
    CHECK(kA.listRoutes(false, kProtoRe6st)->empty());
    CHECK(kB.listRoutes(false, 43)->empty());
  });
  CHECK(failure == "");
}
