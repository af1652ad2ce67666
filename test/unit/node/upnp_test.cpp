// UpnpCore (re6stnet's Forwarder decisions) on a manual clock, and the Upnp driver with a
// fake gateway on its worker thread: ports, renewals, conflicts, leases, backoff, hostile
// IGD answers, deletion at stop, and a stop() that stays bounded when the IGD hangs.
#include "re6st/node/upnp.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

using namespace re6st;
using namespace re6st::node;
using Kind = UpnpCommand::Kind;

namespace {

const Time t0 = timeFromMicros(1'000'000'000);

UpnpCommand expectCommand(UpnpCore& c, Kind kind) {
  auto cmd = c.pollCommand();
  REQUIRE(cmd);
  REQUIRE(cmd->kind == kind);
  REQUIRE_FALSE(c.pollCommand());  // one at a time
  return *cmd;
}

Result<std::string> ok(std::string s = {}) { return s; }
Result<std::string> err(Code code, std::string m = "boom") { return makeError(code, m); }

const std::vector<UpnpRule> kRules = {{1194, UpnpProto::kUdp}, {1194, UpnpProto::kTcp}};

// Runs discovery, external address and both additions; returns the two external ports.
std::pair<uint16_t, uint16_t> mapBoth(UpnpCore& c, Time now, const std::string& ip = "11.1.1.1") {
  expectCommand(c, Kind::kDiscover);
  c.handleReply(now, ok("198.19.1.2"));
  expectCommand(c, Kind::kExternalIp);
  c.handleReply(now, ok(ip));
  auto a = expectCommand(c, Kind::kAdd);
  c.handleReply(now, ok());
  auto b = expectCommand(c, Kind::kAdd);
  c.handleReply(now, ok());
  return {a.externalPort, b.externalPort};
}

}  // namespace

TEST_CASE("upnp core maps every rule on the discovered IGD and reports it once") {
  SeededRandom rnd(1);
  UpnpCore c({}, rnd);
  c.start(t0, kRules, "re6stnet");
  auto d = expectCommand(c, Kind::kDiscover);
  CHECK(d.delay == milliseconds(200));  // re6stnet's discoverdelay
  c.handleReply(t0, ok("198.19.1.2"));
  expectCommand(c, Kind::kExternalIp);
  c.handleReply(t0, ok("11.1.1.1"));
  auto a = expectCommand(c, Kind::kAdd);
  CHECK(a.internalPort == 1194);
  CHECK(a.proto == UpnpProto::kUdp);
  CHECK(a.lanAddr == "198.19.1.2");
  CHECK(a.description == "re6stnet (1194/udp)");
  CHECK(a.leaseSeconds == 3600);
  CHECK(a.externalPort >= 32768);
  CHECK(a.externalPort < 32768 + 8192);
  CHECK_FALSE(c.pollEvent());  // nothing is reported before every rule is mapped
  c.handleReply(t0, ok());
  auto b = expectCommand(c, Kind::kAdd);
  CHECK(b.proto == UpnpProto::kTcp);
  CHECK(b.description == "re6stnet (1194/tcp)");
  CHECK(b.externalPort != a.externalPort);
  c.handleReply(t0, ok());
  auto e = c.pollEvent();
  REQUIRE(e);
  CHECK(e->kind == UpnpEvent::Kind::kMapped);
  CHECK(e->externalIp == "11.1.1.1");
  REQUIRE(e->mappings.size() == 2);
  CHECK(e->mappings[0] == UpnpMapping{a.externalPort, 1194, UpnpProto::kUdp});
  CHECK(e->mappings[1] == UpnpMapping{b.externalPort, 1194, UpnpProto::kTcp});
  CHECK_FALSE(c.pollEvent());
  CHECK(c.mapped());
  CHECK(c.nextTimeout() == t0 + seconds(500));  // re6stnet's refresh period
}

TEST_CASE("upnp core renews the same ports before the lease ends") {
  SeededRandom rnd(2);
  UpnpOptions o;
  o.leaseSeconds = 60;
  UpnpCore c(o, rnd);
  c.start(t0, kRules, "x");
  auto [p1, p2] = mapBoth(c, t0);
  REQUIRE(c.pollEvent());
  REQUIRE(c.nextTimeout() == t0 + seconds(30));  // half the lease
  c.handleTimeout(t0 + seconds(29));
  CHECK_FALSE(c.pollCommand());  // not yet
  Time t1 = t0 + seconds(30);
  c.handleTimeout(t1);
  expectCommand(c, Kind::kExternalIp);  // the IGD is still known: no rediscovery
  c.handleReply(t1, ok("11.1.1.1"));
  auto a = expectCommand(c, Kind::kAdd);
  CHECK(a.externalPort == p1);
  c.handleReply(t1, ok());
  auto b = expectCommand(c, Kind::kAdd);
  CHECK(b.externalPort == p2);
  c.handleReply(t1, ok());
  CHECK_FALSE(c.pollEvent());  // unchanged: nothing to tell
  // A new external address is news.
  Time t2 = t1 + seconds(30);
  c.handleTimeout(t2);
  expectCommand(c, Kind::kExternalIp);
  c.handleReply(t2, ok("11.9.9.9"));
  expectCommand(c, Kind::kAdd);
  c.handleReply(t2, ok());
  expectCommand(c, Kind::kAdd);
  c.handleReply(t2, ok());
  auto e = c.pollEvent();
  REQUIRE(e);
  CHECK(e->externalIp == "11.9.9.9");
}

TEST_CASE("upnp core tries other ports on conflicts and gives up after portTries") {
  SeededRandom rnd(3);
  UpnpOptions o;
  o.portTries = 4;
  UpnpCore c(o, rnd);
  c.start(t0, {{1194, UpnpProto::kUdp}}, "x");
  expectCommand(c, Kind::kDiscover);
  c.handleReply(t0, ok("10.0.0.2"));
  expectCommand(c, Kind::kExternalIp);
  c.handleReply(t0, ok("11.1.1.1"));
  std::set<uint16_t> tried;
  for (int i = 0; i < 4; ++i) {
    auto a = expectCommand(c, Kind::kAdd);
    tried.insert(a.externalPort);
    c.handleReply(t0, err(Code::kExists, "ConflictInMappingEntry (718)"));
  }
  CHECK(tried.size() == 4);
  auto e = c.pollEvent();
  REQUIRE(e);
  CHECK(e->kind == UpnpEvent::Kind::kLost);
  CHECK(e->reason.find("no free external port") != std::string::npos);
  CHECK_FALSE(c.pollCommand());
  CHECK(c.nextTimeout() == t0 + seconds(10));  // fresh discovery failed: back off
}

TEST_CASE("upnp core external ports follow re6stnet's full-period LCG") {
  SeededRandom rnd(4);
  UpnpOptions o;
  o.portTries = 8192;
  UpnpCore c(o, rnd);
  c.start(t0, {{1, UpnpProto::kUdp}}, "x");
  expectCommand(c, Kind::kDiscover);
  c.handleReply(t0, ok("10.0.0.2"));
  expectCommand(c, Kind::kExternalIp);
  c.handleReply(t0, ok("11.1.1.1"));
  std::set<uint16_t> seen;
  for (int i = 0; i < 8192; ++i) {
    auto a = expectCommand(c, Kind::kAdd);
    REQUIRE(a.externalPort >= 32768);
    REQUIRE(a.externalPort < 32768 + 8192);
    seen.insert(a.externalPort);
    c.handleReply(t0, err(Code::kExists));
  }
  CHECK(seen.size() == 8192);  // every port tried once
}

TEST_CASE("upnp core asks for a permanent lease when the IGD only has those") {
  SeededRandom rnd(5);
  UpnpCore c({}, rnd);
  c.start(t0, {{1194, UpnpProto::kUdp}}, "x");
  expectCommand(c, Kind::kDiscover);
  c.handleReply(t0, ok("10.0.0.2"));
  expectCommand(c, Kind::kExternalIp);
  c.handleReply(t0, ok("11.1.1.1"));
  auto a = expectCommand(c, Kind::kAdd);
  c.handleReply(t0, err(Code::kUnsupported, "OnlyPermanentLeasesSupported (725)"));
  auto b = expectCommand(c, Kind::kAdd);
  CHECK(b.externalPort == a.externalPort);
  CHECK(b.leaseSeconds == 0);
  c.handleReply(t0, ok());
  REQUIRE(c.pollEvent());
  CHECK(c.nextTimeout() == t0 + seconds(500));
}

TEST_CASE("upnp core without an IGD reports once and retries with backoff") {
  SeededRandom rnd(6);
  UpnpCore c({}, rnd);
  c.start(t0, kRules, "x");
  Time now = t0;
  int lost = 0;
  for (int delay : {10, 20, 40, 60, 60}) {
    expectCommand(c, Kind::kDiscover);
    c.handleReply(now, err(Code::kNotFound, "no UPnP device answered within 2000 ms"));
    while (auto e = c.pollEvent()) {
      CHECK(e->kind == UpnpEvent::Kind::kLost);
      CHECK(e->reason == "no UPnP device answered within 2000 ms");
      ++lost;
    }
    REQUIRE(c.nextTimeout() == now + seconds(delay));
    now += seconds(delay);
    c.handleTimeout(now);
  }
  CHECK(lost == 1);
  // Then an IGD appears: mapped, and the backoff starts over.
  mapBoth(c, now);
  auto e = c.pollEvent();
  REQUIRE(e);
  CHECK(e->kind == UpnpEvent::Kind::kMapped);
}

TEST_CASE("upnp core: a known IGD failing deletes the mappings and rediscovers at once") {
  SeededRandom rnd(7);
  UpnpCore c({}, rnd);
  c.start(t0, kRules, "x");
  auto [p1, p2] = mapBoth(c, t0);
  REQUIRE(c.pollEvent());
  Time t1 = t0 + seconds(500);
  c.handleTimeout(t1);
  expectCommand(c, Kind::kExternalIp);
  c.handleReply(t1, err(Code::kIo, "HTTP error"));
  auto e = c.pollEvent();
  REQUIRE(e);
  CHECK(e->kind == UpnpEvent::Kind::kLost);
  CHECK_FALSE(c.mapped());
  auto d1 = expectCommand(c, Kind::kDelete);
  CHECK(d1.externalPort == p1);
  c.handleReply(t1, err(Code::kIo));  // best effort
  auto d2 = expectCommand(c, Kind::kDelete);
  CHECK(d2.externalPort == p2);
  CHECK(d2.proto == UpnpProto::kTcp);
  c.handleReply(t1, ok());
  expectCommand(c, Kind::kDiscover);  // no waiting
  c.handleReply(t1, err(Code::kNotFound));
  CHECK_FALSE(c.pollEvent());  // already reported lost
  CHECK(c.nextTimeout() == t1 + seconds(10));
}

TEST_CASE("upnp core refuses unusable external addresses from the IGD") {
  const std::vector<std::string> hostile = {
      "",          "0.0.0.0", "300.1.1.1",           "1.2.3.4 x", "255.255.255.255",
      "224.0.0.1", "::1",     std::string(5000, '1')};
  for (const auto& bad : hostile) {
    SeededRandom rnd(8);
    UpnpCore c({}, rnd);
    c.start(t0, kRules, "x");
    expectCommand(c, Kind::kDiscover);
    c.handleReply(t0, ok("10.0.0.2"));
    expectCommand(c, Kind::kExternalIp);
    c.handleReply(t0, ok(bad));
    auto e = c.pollEvent();
    REQUIRE(e);
    CHECK(e->kind == UpnpEvent::Kind::kLost);
    CHECK(e->reason.size() < 200);
    CHECK_FALSE(c.mapped());
    CHECK_FALSE(c.pollCommand());
  }
}

TEST_CASE("upnp core stop deletes every mapping, even one accepted while stopping") {
  SeededRandom rnd(9);
  UpnpCore c({}, rnd);
  c.start(t0, kRules, "x");
  expectCommand(c, Kind::kDiscover);
  c.handleReply(t0, ok("10.0.0.2"));
  expectCommand(c, Kind::kExternalIp);
  c.handleReply(t0, ok("11.1.1.1"));
  auto a = expectCommand(c, Kind::kAdd);
  c.handleReply(t0, ok());
  auto b = expectCommand(c, Kind::kAdd);  // outstanding when stop() comes
  c.stop();
  CHECK_FALSE(c.stopped());
  CHECK_FALSE(c.nextTimeout());
  c.handleReply(t0, ok());  // the IGD accepted b anyway
  std::set<uint16_t> deleted;
  while (auto d = c.pollCommand()) {
    REQUIRE(d->kind == Kind::kDelete);
    deleted.insert(d->externalPort);
    c.handleReply(t0, ok());
  }
  CHECK(deleted == std::set<uint16_t>{a.externalPort, b.externalPort});
  CHECK(c.stopped());
  CHECK_FALSE(c.pollEvent());
  c.handleReply(t0, ok());  // a stray reply changes nothing
  CHECK(c.stopped());
}

// ---- driver with a fake gateway on the worker thread ----

namespace {

struct FakeIgd {
  std::mutex mu;
  std::chrono::milliseconds discoverDelay{0}, deleteDelay{0};
  bool present = true;
  std::set<std::pair<uint16_t, UpnpProto>> mapped;
  int deletes = 0;
};

class FakeGateway final : public UpnpGateway {
 public:
  explicit FakeGateway(std::shared_ptr<FakeIgd> igd) : igd_(std::move(igd)) {}
  Result<std::string> discover(Duration) override {
    std::this_thread::sleep_for(igd_->discoverDelay);
    std::lock_guard<std::mutex> lk(igd_->mu);
    if (!igd_->present) return makeError(Code::kNotFound, "no UPnP device answered");
    return std::string("10.0.0.2");
  }
  Result<std::string> externalIp() override { return std::string("11.1.1.1"); }
  Status addMapping(const UpnpCommand& c) override {
    std::lock_guard<std::mutex> lk(igd_->mu);
    igd_->mapped.insert({c.externalPort, c.proto});
    return {};
  }
  Status deleteMapping(uint16_t port, UpnpProto p) override {
    std::this_thread::sleep_for(igd_->deleteDelay);
    std::lock_guard<std::mutex> lk(igd_->mu);
    igd_->mapped.erase({port, p});
    ++igd_->deletes;
    return {};
  }

 private:
  std::shared_ptr<FakeIgd> igd_;
};

}  // namespace

TEST_CASE("upnp driver maps on the worker without blocking the loop, stop deletes") {
  auto igd = std::make_shared<FakeIgd>();
  igd->discoverDelay = std::chrono::milliseconds(300);
  loop::Loop loop;
  SeededRandom rnd(10);
  std::vector<UpnpMapping> got;
  std::string ip;
  Upnp::Handlers h;
  h.onMapped = [&](const std::string& i, const std::vector<UpnpMapping>& m) {
    ip = i;
    got = m;
    loop.stop();
  };
  Upnp u(loop, h, {}, std::make_unique<FakeGateway>(igd), &rnd);
  REQUIRE(u.start(kRules, "re6stnet").ok());
  int ticks = 0;
  loop::Timer tick(loop), guard(loop);
  tick.startRepeat(milliseconds(20), [&] { ++ticks; });
  guard.start(seconds(5), [&] { loop.stop(); });
  loop.run();
  CHECK(ip == "11.1.1.1");
  REQUIRE(got.size() == 2);
  CHECK(ticks >= 5);  // the loop kept running during the 300 ms discovery
  CHECK(u.mapped());
  {
    std::lock_guard<std::mutex> lk(igd->mu);
    CHECK(igd->mapped.size() == 2);
  }
  u.stop();
  std::lock_guard<std::mutex> lk(igd->mu);
  CHECK(igd->mapped.empty());
  CHECK(igd->deletes == 2);
}

TEST_CASE("upnp driver reports a missing IGD") {
  auto igd = std::make_shared<FakeIgd>();
  igd->present = false;
  loop::Loop loop;
  std::string reason;
  Upnp::Handlers h;
  h.onLost = [&](const std::string& r) {
    reason = r;
    loop.stop();
  };
  Upnp u(loop, h, {}, std::make_unique<FakeGateway>(igd));
  REQUIRE(u.start(kRules, "x").ok());
  loop::Timer guard(loop);
  guard.start(seconds(5), [&] { loop.stop(); });
  loop.run();
  CHECK(reason == "no UPnP device answered");
  CHECK_FALSE(u.mapped());
}

TEST_CASE("upnp driver stop does not wait for a discovery that cannot map anything") {
  auto igd = std::make_shared<FakeIgd>();
  igd->discoverDelay = std::chrono::milliseconds(1500);
  loop::Loop loop;
  {
    Upnp u(loop, {}, {}, std::make_unique<FakeGateway>(igd));
    REQUIRE(u.start(kRules, "x").ok());
    loop.runOnce(false);
    auto t = std::chrono::steady_clock::now();
    u.stop(seconds(5));
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
            .count();
    CHECK(ms < 300);
    CHECK_FALSE(u.start(kRules, "x").ok());  // no restart after stop
  }
  // The abandoned worker finishes its call on its own and frees the shared state.
  std::this_thread::sleep_for(std::chrono::milliseconds(1700));
  CHECK(igd.use_count() == 1);
}

TEST_CASE("upnp driver stop stays bounded when the IGD hangs on deletes") {
  auto igd = std::make_shared<FakeIgd>();
  igd->deleteDelay = std::chrono::milliseconds(1000);
  loop::Loop loop;
  {
    Upnp::Handlers h;
    h.onMapped = [&](const std::string&, const std::vector<UpnpMapping>&) { loop.stop(); };
    Upnp u(loop, h, {}, std::make_unique<FakeGateway>(igd));
    REQUIRE(u.start(kRules, "x").ok());
    loop::Timer guard(loop);
    guard.start(seconds(5), [&] { loop.stop(); });
    loop.run();
    REQUIRE(u.mapped());
    auto t = std::chrono::steady_clock::now();
    u.stop(milliseconds(300));
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
            .count();
    CHECK(ms >= 250);  // it did wait for the IGD…
    CHECK(ms < 900);   // …but not for both 1 s deletes
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  CHECK(igd.use_count() == 1);
  std::lock_guard<std::mutex> lk(igd->mu);
  CHECK(igd->deletes == 1);  // the first delete went through; the second was abandoned
}

TEST_CASE("upnp driver rejects empty rules and port 0") {
  loop::Loop loop;
  Upnp u(loop, {}, {}, std::make_unique<FakeGateway>(std::make_shared<FakeIgd>()));
  CHECK_FALSE(u.start({}, "x").ok());
  Upnp v(loop, {}, {}, std::make_unique<FakeGateway>(std::make_shared<FakeIgd>()));
  CHECK_FALSE(v.start({{0, UpnpProto::kUdp}}, "x").ok());
}

TEST_CASE("startNodeUpnp maps the node's IPv4 servers and reports PortProto") {
  loop::Loop loop;
  auto igd = std::make_shared<FakeIgd>();
  CHECK_FALSE(startNodeUpnp(loop, {{1194, "udp6"}, {1194, "tcp6"}}, nullptr, nullptr, {},
                            std::make_unique<FakeGateway>(igd)));
  std::string ip;
  std::vector<cli::PortProto> got;
  auto handle = startNodeUpnp(
      loop, {{1194, "udp"}, {1195, "tcp"}, {1194, "udp6"}},
      [&](const std::string& i, const std::vector<cli::PortProto>& m) {
        ip = i;
        got = m;
        loop.stop();
      },
      nullptr, {}, std::make_unique<FakeGateway>(igd));
  REQUIRE(handle);
  loop::Timer guard(loop);
  guard.start(seconds(5), [&] { loop.stop(); });
  loop.run();
  CHECK(ip == "11.1.1.1");
  REQUIRE(got.size() == 2);
  CHECK(got[0].proto == "udp");
  CHECK(got[1].proto == "tcp");
  CHECK(got[0].port >= 32768);
  {
    std::lock_guard<std::mutex> lk(igd->mu);
    CHECK(igd->mapped.size() == 2);
  }
  handle.reset();  // the node's exit: mappings removed
  std::lock_guard<std::mutex> lk(igd->mu);
  CHECK(igd->mapped.empty());
}
