#include "re6st/base/random.h"

#include <catch2/catch.hpp>
#include <set>

using namespace re6st;

TEST_CASE("SeededRandom is deterministic per seed", "[random]") {
  SeededRandom a(42), b(42), c(43);
  for (int i = 0; i < 10; ++i) {
    uint64_t x = a.next64();
    CHECK(x == b.next64());
    CHECK(x != c.next64());
  }
}

TEST_CASE("below stays in range and covers it", "[random]") {
  SeededRandom r(1);
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    uint64_t v = r.below(7);
    REQUIRE(v < 7);
    seen.insert(v);
  }
  CHECK(seen.size() == 7);
  CHECK(r.below(0) == 0);
  double u = r.unit();
  CHECK(u >= 0.0);
  CHECK(u < 1.0);
}
