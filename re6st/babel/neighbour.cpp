// Neighbour link-quality arithmetic; see neighbour.h. Section numbers are RFC 8966.
#include "re6st/babel/neighbour.h"

#include <algorithm>
#include <cmath>

#include "re6st/babel/seqno.h"

namespace re6st::babel {

void noteMissedHellos(Neighbour& n, Time now) {
  if (n.helloInterval <= Duration::zero()) return;
  // babeld: a Hello is missed once 1.7 intervals passed without it.
  Duration late = now - n.helloTime - n.helloInterval * 7 / 10;
  int64_t missed = late / n.helloInterval;
  if (missed <= 0) return;
  n.reach = missed >= 16 ? 0 : uint16_t(n.reach >> missed);
  n.helloTime += n.helloInterval * missed;
  if (n.helloSeqno) n.helloSeqno = seqnoPlus(*n.helloSeqno, int(std::min<int64_t>(missed, 16)));
}

void noteHello(Neighbour& n, uint16_t seqno, Duration interval, Time now) {
  int missed = 0;
  if (n.helloSeqno && n.reach != 0) {
    missed = int(int16_t(uint16_t(seqno - *n.helloSeqno))) - 1;
    if (missed < -8) {
      n.reach = 0;  // the neighbour rebooted and lost its seqno: start afresh
      missed = 0;
    } else if (missed < 0) {
      return;  // a late or duplicated Hello: ignore it (babeld)
    }
  }
  if (missed > 0) n.reach = missed >= 16 ? 0 : uint16_t(n.reach >> missed);
  n.reach = uint16_t(n.reach >> 1 | 0x8000);
  n.helloSeqno = seqno;
  n.helloInterval = interval;
  n.helloTime = now;
}

uint16_t rxcost(const Neighbour& n, const LinkParams& link, Time now) {
  uint16_t reach = n.reach;
  if ((reach & 0xFFF0) == 0 || now - n.helloTime >= seconds(180)) return kInfinity;
  if (link.type != IfType::kWireless) {
    // §A.2.1 2-out-of-3: at least two of the last three Hellos arrived.
    int got = ((reach >> 15) & 1) + ((reach >> 14) & 1) + ((reach >> 13) & 1);
    return got >= 2 ? link.nominalCost : kInfinity;
  }
  // §A.2.2 ETX-like: nominal cost scaled by the inverse of the (weighted) success rate.
  int sreach = (reach & 0x7FFF) + ((reach & 0x8000) >> 1);
  int cost = (0xC000 * int(link.nominalCost)) / (sreach + 1);
  return uint16_t(std::min(cost, int(kInfinity)));
}

uint16_t rttCost(Duration rtt, const RttParams& p) {
  if (p.maxRttPenalty == 0 || rtt <= p.rttMin) return 0;
  if (rtt >= p.rttMax || p.rttMax <= p.rttMin) return p.maxRttPenalty;
  // Linear between rtt-min and rtt-max; 64-bit to avoid overflow with large penalties.
  int64_t num = int64_t(p.maxRttPenalty) * (rtt - p.rttMin).count();
  return uint16_t(num / (p.rttMax - p.rttMin).count());
}

std::optional<Duration> rttSample(uint32_t origin, uint32_t remoteReceive, uint32_t remoteSend,
                                  uint32_t localNowUs) {
  if (origin == 0 || remoteReceive == 0 || remoteSend == 0) return std::nullopt;
  // Wrapping 32-bit differences: local round trip minus the time held by the peer.
  int64_t local = int32_t(localNowUs - origin);
  int64_t remote = int32_t(remoteSend - remoteReceive);
  if (local < 0 || remote < 0) return std::nullopt;
  int64_t rtt = std::max<int64_t>(0, local - remote);
  if (rtt > 60'000'000) return std::nullopt;  // a minute: nonsense, ignore
  return Duration(rtt);
}

Duration smoothRtt(Duration old, bool oldValid, Duration sample, uint8_t decay) {
  if (!oldValid) return sample;
  int d = decay == 0 ? 256 : decay;
  return Duration((d * sample.count() + (256 - d) * old.count()) / 256);
}

uint16_t linkCost(const Neighbour& n, const LinkParams& link, Time now) {
  int a = n.txcost;
  if (a >= kInfinity) return kInfinity;
  int b = rxcost(n, link, now);
  if (b >= kInfinity) return kInfinity;
  int cost;
  if (a <= 256 && b <= 256) {
    cost = std::max(a, b);
  } else {
    // babeld: half the expected number of transmissions in both directions.
    a = std::max(a, 256);
    b = std::max(b, 256);
    cost = (((a * b + 128) >> 8) + b + 1) >> 1;
  }
  if (link.timestamps && n.rttValid && now - n.rttTime < seconds(180)) {
    cost += rttCost(n.rtt, link.rtt);
  }
  double scaled = double(cost) * n.multiplier * link.multiplier;
  if (!(scaled < double(kInfinity - 1))) return kInfinity - 1;
  return uint16_t(std::max(1.0, std::round(scaled)));
}

}  // namespace re6st::babel
