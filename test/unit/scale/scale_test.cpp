// CI-sized scale simulation (issue 7 evidence): 150 complete node cores
// (Babel, tunnel manager, peer protocol, registry bootstrap) on virtual time reach full
// connectivity with loop-free routes, and reconverge after 30% of the nodes crash.
#include <catch2/catch.hpp>

#include <cstdio>
#include <iostream>

#include "re6st/scale/report.h"
#include "re6st/scale/scenario.h"

using namespace re6st;
using namespace re6st::scale;

namespace {

// The CI-sized network: client-count 6, 4 s hellos (tunnels time out after 16 s, so a
// failure shows quickly), nodes joining over 15 s, every pair checked, 30% killed.
Config ciConfig(size_t nodes, Duration killAt, Duration duration) {
  Config c;
  c.nodes = nodes;
  c.clientCount = 6;
  c.hello = seconds(4);
  c.tunnelRefresh = seconds(300);
  c.join = seconds(15);
  c.kills = {{0.3, killAt}};
  c.duration = duration;
  c.sampleEvery = seconds(10);
  c.pairs = 0;  // every pair
  c.seed = 5;
  return c;
}

Report runPrinted(const Config& c) {
  auto r = runScenario(c, nullptr);
  REQUIRE(r.ok());
  printTimelineHeader(std::cout);
  for (const auto& s : r->timeline) printTimelineRow(std::cout, s);
  printSummary(std::cout, c, *r);
  return std::move(*r);
}

}  // namespace

TEST_CASE("scale sim: 150 nodes converge loop-free and reconverge after 30% are killed") {
  Config c = ciConfig(150, seconds(70), seconds(130));
  Report report = runPrinted(c);
  const Report* r = &report;

  REQUIRE(r->failures.size() == 2);
  const Failure& start = r->failures[0];
  const Failure& kill = r->failures[1];
  // Full connectivity after the start-up, loop-free.
  CHECK(start.reconverged >= 0);
  CHECK(start.reconverged < 70);
  const Sample* before = nullptr;
  for (const auto& s : r->timeline)
    if (s.t < 70) before = &s;
  REQUIRE(before != nullptr);
  CHECK(before->alive == 150);
  CHECK(before->routes.pairs == 150u * 149u);
  CHECK(before->routes.reachable == before->routes.pairs);
  CHECK(before->routes.loops == 0);
  // The kill: 30% of the 149 non-registry nodes, and everyone left is routed again.
  CHECK(kill.killed == 45);
  CHECK(kill.reconverged >= 0);
  CHECK(kill.reconverged < 60);
  const Sample& last = r->timeline.back();
  CHECK(last.alive == 105);
  CHECK(last.routes.loops == 0);
  CHECK(last.routes.reachable == last.routes.expected);
  CHECK(last.routes.reachable == last.routes.pairs);
}

// Sampled mode (--track): Babel carries 25 of the 200 node prefixes; every live node
// must reach every tracked one loop-free, before and after a 30% kill, and the tunnel
// graph must look like the full simulation's (same tunnels per node within 10%).
TEST_CASE("scale sim: sampled mode (--track) routes every node to the tracked ones") {
  Config c = ciConfig(200, seconds(80), seconds(150));
  c.track = 25;
  Report report = runPrinted(c);
  const Report* r = &report;

  REQUIRE(r->failures.size() == 2);
  CHECK(r->failures[0].reconverged >= 0);
  CHECK(r->failures[0].reconverged < 80);
  const Sample* before = nullptr;
  for (const auto& s : r->timeline)
    if (s.t < 80) before = &s;
  REQUIRE(before != nullptr);
  CHECK(before->alive == 200);
  CHECK(before->routes.pairs == 200u * 25u - 25u);  // every node to every tracked node
  CHECK(before->routes.reachable == before->routes.pairs);
  CHECK(before->routes.loops == 0);
  double perNode = 2.0 * double(before->tunnels) / 200.0;
  CHECK(perNode > 0.9 * 2 * 6);
  CHECK(perNode < 1.1 * 2 * 6 * 1.5);
  const Failure& kill = r->failures[1];
  CHECK(kill.killed == 60);
  CHECK(kill.reconverged >= 0);
  CHECK(kill.reconverged < 60);
  const Sample& last = r->timeline.back();
  CHECK(last.routes.loops == 0);
  CHECK(last.routes.reachable == last.routes.expected);
  CHECK(last.routes.reachable == last.routes.pairs);
  CHECK(r->counters.peerUnrouted * 10 < r->counters.peerSent);
}
