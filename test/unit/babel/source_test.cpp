// Feasibility (RFC 8966 §3.5.1) and route selection with hysteresis (§3.6).
#include <catch2/catch.hpp>

#include "re6st/babel/route_table.h"
#include "re6st/babel/source.h"

using namespace re6st;
using namespace re6st::babel;

namespace {
const RouterId kA = {0, 0, 0, 0, 0, 0, 0, 1};
const RouterId kB = {0, 0, 0, 0, 0, 0, 0, 2};
Prefix pfx(const char* s) { return *parsePrefix(s); }
}  // namespace

TEST_CASE("babel feasibility: newer seqno or same seqno and smaller metric") {
  SourceTable t;
  SourceKey k{kA, pfx("2001:db8:1::/48"), {}};
  CHECK(t.isFeasible(k, 5, 500));  // no entry: anything goes
  t.advertised(k, 5, 300, Time());
  CHECK(t.isFeasible(k, 5, 299));
  CHECK_FALSE(t.isFeasible(k, 5, 300));
  CHECK_FALSE(t.isFeasible(k, 4, 1));
  CHECK(t.isFeasible(k, 6, 60000));
  CHECK(t.isFeasible(k, 5, kInfinity));  // retractions always
  // Distance only improves: a worse advertisement with the same seqno keeps 300.
  t.advertised(k, 5, 400, Time());
  CHECK_FALSE(t.isFeasible(k, 5, 350));
  t.advertised(k, 5, 200, Time());
  CHECK_FALSE(t.isFeasible(k, 5, 250));
  // Another router-id or source prefix is another source.
  CHECK(t.isFeasible({kB, k.dst, {}}, 1, 1000));
  CHECK(t.isFeasible({kA, k.dst, pfx("2001:db8::/32")}, 1, 1000));
}

TEST_CASE("babel feasibility: seqno wrap-around keeps the order") {
  SourceTable t;
  SourceKey k{kA, pfx("2001:db8:1::/48"), {}};
  t.advertised(k, 65535, 100, Time());
  CHECK(t.isFeasible(k, 0, 5000));   // 0 is newer than 65535
  CHECK_FALSE(t.isFeasible(k, 65000, 1));
  t.advertised(k, 2, 100, Time());
  CHECK_FALSE(t.isFeasible(k, 65535, 1));
}

TEST_CASE("babel feasibility: sources expire after their age") {
  SourceTable t;
  SourceKey k{kA, pfx("2001:db8:1::/48"), {}};
  t.advertised(k, 5, 300, Time(seconds(0)));
  t.expire(Time(seconds(100)), seconds(200));
  CHECK(t.size() == 1);
  t.expire(Time(seconds(201)), seconds(200));
  CHECK(t.size() == 0);
}

// expire() skips its scan while the oldest entry is young enough; entries added or
// refreshed later must still go at their own age.
TEST_CASE("babel feasibility: entries of different ages expire each at its time") {
  SourceTable t;
  SourceKey k1{kA, pfx("2001:db8:1::/48"), {}}, k2{kA, pfx("2001:db8:2::/48"), {}};
  t.advertised(k1, 5, 300, Time(seconds(0)));
  t.expire(Time(seconds(50)), seconds(200));
  t.advertised(k2, 5, 300, Time(seconds(150)));
  t.expire(Time(seconds(201)), seconds(200));  // k1 only
  CHECK(t.size() == 1);
  CHECK(t.find(k2) != nullptr);
  t.advertised(k1, 6, 300, Time(seconds(250)));  // back, younger than k2
  t.advertised(k2, 5, 300, Time(seconds(260)));  // refreshed
  t.expire(Time(seconds(400)), seconds(200));
  CHECK(t.size() == 2);
  t.expire(Time(seconds(451)), seconds(200));  // k1 (250) goes, k2 (260) stays
  CHECK(t.size() == 1);
  CHECK(t.find(k2) != nullptr);
  t.expire(Time(seconds(461)), seconds(200));
  CHECK(t.size() == 0);
}

TEST_CASE("babel selection: best feasible finite route, with hysteresis") {
  SourceTable t;
  RouteKey key{pfx("2001:db8:1::/48"), {}};
  Neighbour n1, n2, n3;
  Destination d;
  d.routes = {Route{&n1, kA, 5, 100, 196}, Route{&n2, kA, 5, 150, 246},
              Route{&n3, kA, 5, kInfinity, kInfinity}};
  CHECK(chooseRoute(d, key, t) == 0);
  d.selected = 1;  // currently via n2 (246); n1 is 50 better: more than the margin
  CHECK(chooseRoute(d, key, t) == 0);
  d.routes[0].metric = 240;  // only 6 better: keep n2
  CHECK(chooseRoute(d, key, t) == 1);
  // Our distance (5, 120): n2 (refmetric 150) is no longer feasible, n1 (100) is.
  t.advertised({kA, key.first, key.second}, 5, 120, Time());
  CHECK(chooseRoute(d, key, t) == 0);
  t.advertised({kA, key.first, key.second}, 6, 120, Time());  // newer seqno seen
  CHECK(chooseRoute(d, key, t) == -1);                        // nothing feasible
  CHECK(addMetric(100, kInfinity) == kInfinity);
  CHECK(addMetric(65000, 1000) == kInfinity - 1);
}
