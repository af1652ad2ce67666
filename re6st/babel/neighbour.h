// A Babel neighbour (RFC 8966 §3.4): Hello history, IHU-reported txcost, babeld's RTT
// estimate, and the link cost computed from them (Appendix A: 2-out-of-3 and ETX).
// Plain data plus pure functions over (neighbour, now); the router owns the table.
#pragma once

#include <cstdint>
#include <optional>

#include "re6st/babel/router.h"
#include "re6st/base/bytes.h"
#include "re6st/base/clock.h"
#include "re6st/base/prefix.h"

namespace re6st::babel {

struct Neighbour {
  Ipv6 address{};
  int ifindex = 0;
  uint16_t reach = 0;         // Hello history, most recent in bit 15 (§A.1)
  std::optional<uint16_t> helloSeqno;
  Duration helloInterval{};   // as announced by the neighbour
  Time helloTime{};           // when the last Hello (or the last "missed" slot) was
  uint16_t txcost = kInfinity;
  Duration ihuInterval{};
  Time ihuTime{};
  // babeld's RTT extension: the last Hello timestamp and when it arrived.
  std::optional<uint32_t> helloTimestamp;
  Time helloTimestampArrival{};
  Duration rtt{};
  bool rttValid = false;
  Time rttTime{};
  double multiplier = 1.0;
  // RFC 8967 state: the neighbour's index and last packet counter once validated.
  std::optional<Bytes> pcIndex;
  uint32_t pc = 0;
  Bytes challengeNonce;       // our outstanding challenge
  Time challengeExpiry{};
  Time lastChallengeSent{};
  Time lastChallengeReply{};
  // Cost last used for the routes through this neighbour.
  uint16_t cost = kInfinity;
};

// Link parameters from the neighbour's interface.
struct LinkParams {
  IfType type = IfType::kWired;
  uint16_t nominalCost = 96;
  bool timestamps = false;
  RttParams rtt;
  double multiplier = 1.0;  // interface-wide
};

// A Hello received with this seqno and interval: shifts the history (§A.1, babeld's
// handling of late and rebooted neighbours). Returns true when reach changed its pattern.
void noteHello(Neighbour& n, uint16_t seqno, Duration interval, Time now);
// Accounts for Hellos that should have arrived by now (interval × 1.7 grace, as babeld).
void noteMissedHellos(Neighbour& n, Time now);
// The cost we advertise in IHUs: 2-out-of-3 on wired/tunnel, ETX-style on wireless.
uint16_t rxcost(const Neighbour& n, const LinkParams& link, Time now);
// babeld's RTT penalty: 0 below rtt-min, max-rtt-penalty above rtt-max, linear between.
uint16_t rttCost(Duration rtt, const RttParams& p);
// One RTT sample from an IHU timestamp (origin, receive) and the Hello timestamp sent
// in the same packet, all in the 32-bit microsecond clocks of either side.
std::optional<Duration> rttSample(uint32_t origin, uint32_t remoteReceive,
                                  uint32_t remoteSend, uint32_t localNowUs);
// Exponential smoothing with rtt-decay (weight of the new sample, out of 256).
Duration smoothRtt(Duration old, bool oldValid, Duration sample, uint8_t decay);
// The link cost used for routes: txcost/rxcost combination + RTT penalty, × multipliers.
uint16_t linkCost(const Neighbour& n, const LinkParams& link, Time now);

}  // namespace re6st::babel
