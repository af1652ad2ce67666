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

TEST_CASE("scale sim: 150 nodes converge loop-free and reconverge after 30% are killed") {
  Config c;
  c.nodes = 150;
  c.clientCount = 6;
  c.hello = seconds(4);  // tunnels time out after 16 s: the failure shows quickly
  c.tunnelRefresh = seconds(300);
  c.join = seconds(15);
  c.kills = {{0.3, seconds(70)}};
  c.duration = seconds(130);
  c.sampleEvery = seconds(10);
  c.pairs = 0;  // every pair
  c.seed = 5;
  auto r = runScenario(c, nullptr);
  REQUIRE(r.ok());
  printTimelineHeader(std::cout);
  for (const auto& s : r->timeline) printTimelineRow(std::cout, s);
  printSummary(std::cout, c, *r);

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
