// Neighbour arithmetic: 2-out-of-3 and ETX rxcost, missed Hellos, babeld's RTT sample,
// smoothing and penalty with re6st's parameters, cost multipliers, seqno wrap-around.
#include <catch2/catch.hpp>

#include "re6st/babel/neighbour.h"
#include "re6st/babel/seqno.h"

using namespace re6st;
using namespace re6st::babel;

namespace {
Time at(int64_t ms) { return Time(milliseconds(ms)); }
}  // namespace

TEST_CASE("babel seqno: modular comparison wraps around 2^16") {
  CHECK(seqnoCompare(1, 2) < 0);
  CHECK(seqnoCompare(65535, 0) < 0);  // 0 follows 65535
  CHECK(seqnoNewer(3, 65530));
  CHECK_FALSE(seqnoNewer(65530, 3));
  CHECK(seqnoCompare(7, 7) == 0);
  CHECK(seqnoPlus(65535, 1) == 0);
  CHECK(seqnoNewer(0x8000 - 1 + 100, 100));
}

TEST_CASE("babel neighbour: 2-out-of-3 on wired links") {
  Neighbour n;
  LinkParams wired;
  wired.nominalCost = 96;
  Duration iv = seconds(4);
  noteHello(n, 10, iv, at(0));
  CHECK(rxcost(n, wired, at(0)) == kInfinity);  // one Hello is not enough
  noteHello(n, 11, iv, at(4000));
  CHECK(rxcost(n, wired, at(4000)) == 96);
  noteHello(n, 13, iv, at(12000));  // 12 missed: 1,0,1 -> two of three
  CHECK(rxcost(n, wired, at(12000)) == 96);
  noteMissedHellos(n, at(12000 + 4000 * 2 + 3000));  // two more missed
  CHECK(rxcost(n, wired, at(23000)) == kInfinity);
}

TEST_CASE("babel neighbour: a rebooted neighbour restarts its history") {
  Neighbour n;
  for (int i = 0; i < 5; ++i) noteHello(n, uint16_t(1000 + i), seconds(1), at(i * 1000));
  CHECK(n.reach == 0xF800);
  noteHello(n, 5, seconds(1), at(6000));  // seqno jumped back by far more than 8
  CHECK(n.reach == 0x8000);
  noteHello(n, 4, seconds(1), at(6500));  // a late duplicate: ignored
  CHECK(n.reach == 0x8000);
}

TEST_CASE("babel neighbour: ETX cost on wireless grows with loss") {
  LinkParams wl;
  wl.type = IfType::kWireless;
  wl.nominalCost = 256;
  Neighbour good, lossy;
  for (int i = 0; i < 16; ++i) {
    noteHello(good, uint16_t(i), seconds(1), at(i * 1000));
    if (i % 2 == 0) noteHello(lossy, uint16_t(i), seconds(1), at(i * 1000));
  }
  uint16_t g = rxcost(good, wl, at(15000));
  uint16_t l = rxcost(lossy, wl, at(15000));
  CHECK(g == 256);
  CHECK(l > g * 3 / 2);  // half the Hellos lost: roughly twice the cost
  CHECK(l < kInfinity);
}

TEST_CASE("babel rtt: sample subtracts the time the peer held the Hello") {
  // We sent at 1'000'000 µs; the peer got it at its 5'000'000 and answered at 5'020'000;
  // we receive at 1'050'000: RTT = 50 ms - 20 ms = 30 ms.
  auto s = rttSample(1'000'000, 5'000'000, 5'020'000, 1'050'000);
  REQUIRE(s);
  CHECK(*s == milliseconds(30));
  // Across the 32-bit wrap of both clocks.
  auto w = rttSample(0xFFFFFF00u, 0xFFFFFFF0u, 0x10u, 0xFFFFFF00u + 1000);
  REQUIRE(w);
  CHECK(w->count() == 1000 - 0x20);
  CHECK_FALSE(rttSample(0, 1, 2, 3));                 // zero = no timestamp
  CHECK_FALSE(rttSample(1000, 10, 5, 2000));          // peer answered before receiving
}

TEST_CASE("babel rtt: penalty with re6st's max-rtt-penalty 5000 rtt-max 500") {
  RttParams p;  // rtt-min 10 ms, rtt-max 500 ms, penalty 5000
  CHECK(rttCost(milliseconds(5), p) == 0);
  CHECK(rttCost(milliseconds(10), p) == 0);
  CHECK(rttCost(milliseconds(500), p) == 5000);
  CHECK(rttCost(seconds(2), p) == 5000);
  CHECK(rttCost(milliseconds(255), p) == 2500);  // half way: 5000 × 245/490
  CHECK(rttCost(milliseconds(59), p) == 500);    // 5000 × 49/490
}

TEST_CASE("babel rtt: smoothing weights new samples by rtt-decay/256") {
  CHECK(smoothRtt({}, false, milliseconds(40), 125) == milliseconds(40));
  // (125 × 100 + 131 × 40) / 256 ms
  CHECK(smoothRtt(milliseconds(40), true, milliseconds(100), 125).count() ==
        (125 * 100'000 + 131 * 40'000) / 256);
}

TEST_CASE("babel neighbour: link cost adds the RTT penalty and the multiplier") {
  LinkParams tun;
  tun.type = IfType::kTunnel;
  tun.timestamps = true;
  Neighbour n;
  for (int i = 0; i < 3; ++i) noteHello(n, uint16_t(i), seconds(1), at(i * 1000));
  CHECK(linkCost(n, tun, at(2000)) == kInfinity);  // no IHU yet: txcost infinite
  n.txcost = 96;
  CHECK(linkCost(n, tun, at(2000)) == 96);
  n.rtt = milliseconds(59);
  n.rttValid = true;
  n.rttTime = at(2000);
  CHECK(linkCost(n, tun, at(2000)) == 96 + 500);
  n.multiplier = 4;
  CHECK(linkCost(n, tun, at(2000)) == 4 * 596);
  n.multiplier = 1000;
  CHECK(linkCost(n, tun, at(2000)) == kInfinity - 1);  // capped, still finite
}
