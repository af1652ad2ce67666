// The in-memory peer cache: cache.py's ordering of address lists, failure marks, random
// peer lists without our own prefix, and the size limit that drops failed peers first.
#include <catch2/catch.hpp>

#include <set>

#include "re6st/peer/cache.h"

using namespace re6st;
using namespace re6st::peer;

TEST_CASE("address lists keep their order unless the new one is preferred", "[peer][cache]") {
  CHECK(orderAddresses("c;a;b", "a;b") == "a;b;c");
  CHECK(orderAddresses("x;y", "") == "x;y");
  SeededRandom r(1);
  MemoryPeerCache cache("0001", r);
  cache.addPeer("0010", "a;b;c");
  cache.addPeer("0010", "c;b;a");  // not preferred: stored order wins
  CHECK(cache.getAddress("0010") == "a;b;c");
  cache.addPeer("0010", "b", true);  // the address that worked goes first
  CHECK(cache.getAddress("0010") == "b;a;c");
}

TEST_CASE("ordering a peer-sized address list is not quadratic", "[peer][cache]") {
  // A 64 KiB code 1 message holds thousands of entries: ranks must not be searched
  // linearly inside the sort (this took minutes before).
  std::string a, reversed;
  for (int i = 0; i < 8000; ++i) {
    std::string e = std::to_string(i) + ",1,udp";
    a += (a.empty() ? "" : ";") + e;
    reversed = e + (reversed.empty() ? "" : ";") + reversed;
  }
  CHECK(orderAddresses(a, reversed) == reversed);
  CHECK(orderAddresses(reversed, a + ";x") == a);
}

TEST_CASE("failure marks hide a peer until cleared", "[peer][cache]") {
  SeededRandom r(2);
  MemoryPeerCache cache("0001", r);
  cache.addPeer("0010", "a");
  cache.addPeer("0011", "b");
  cache.addPeer("0001", "self");
  cache.connecting("0010", true);
  CHECK_FALSE(cache.getAddress("0010"));
  auto ok = cache.peerList(false);
  REQUIRE(ok.size() == 1);  // never our own prefix
  CHECK(ok[0].prefix == "0011");
  REQUIRE(cache.peerList(true).size() == 1);
  cache.addPeer("0010", "a2");  // a fresh address clears the mark
  CHECK(cache.getAddress("0010") == "a2");
}

TEST_CASE("the cache keeps at most its size, dropping failed peers first", "[peer][cache]") {
  SeededRandom r(3);
  MemoryPeerCache cache("", r, 4);
  for (int i = 0; i < 4; ++i) cache.addPeer("1" + std::to_string(i), "x");
  cache.connecting("10", true);
  cache.addPeer("20", "y");
  CHECK(cache.size() == 4);
  CHECK_FALSE(cache.failed("10"));
  CHECK(cache.getAddress("10") == std::nullopt);  // the failed one went
  std::set<std::string> seen;
  for (int round = 0; round < 20; ++round)
    for (const auto& p : cache.peerList(false)) seen.insert(p.prefix);
  CHECK(seen == std::set<std::string>{"11", "12", "13", "20"});
}
