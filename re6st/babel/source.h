// The source table (RFC 8966 §3.2.5): for each (router-id, prefix, source prefix) the
// feasibility distance of what we last advertised, and the feasibility condition
// (§3.5.1) that keeps routing loop-free. Plain data; no I/O.
#pragma once

#include <cstring>
#include <unordered_map>

#include "re6st/babel/router.h"
#include "re6st/base/clock.h"
#include "re6st/base/prefix.h"

namespace re6st::babel {

struct SourceKey {
  RouterId routerId{};
  Prefix dst;
  Prefix src;
  auto operator<=>(const SourceKey&) const = default;
};

// Hashing for the tables keyed by prefixes (hash maps: lookups dominate update processing).
inline uint64_t hashMix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}
inline uint64_t hashPrefix(uint64_t h, const Prefix& p) {
  uint64_t a, b;
  std::memcpy(&a, p.addr.data(), 8);
  std::memcpy(&b, p.addr.data() + 8, 8);
  return hashMix(hashMix(hashMix(h, a), b), uint64_t(p.len));
}
struct SourceKeyHash {
  size_t operator()(const SourceKey& k) const {
    uint64_t id;
    std::memcpy(&id, k.routerId.data(), 8);
    uint64_t h = hashPrefix(hashPrefix(hashMix(0, id), k.dst), k.src);
    h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ULL;  // splitmix64 finaliser
    return size_t(h ^ (h >> 29));
  }
};

struct FeasibilityDistance {
  uint16_t seqno = 0;
  uint16_t metric = kInfinity;
  Time time{};  // last time we advertised with this source (garbage collection)
};

class SourceTable {
 public:
  // §3.5.1: a retraction is always feasible; otherwise (seqno, metric) must be strictly
  // better than the feasibility distance: newer seqno, or same seqno and smaller metric.
  bool isFeasible(const SourceKey& key, uint16_t seqno, uint16_t metric) const;
  // §3.7.3: after advertising (seqno, metric), the distance becomes the better of the two.
  void advertised(const SourceKey& key, uint16_t seqno, uint16_t metric, Time now);
  const FeasibilityDistance* find(const SourceKey& key) const;
  // Drops entries unused for `age` (babeld keeps sources about 3 minutes).
  void expire(Time now, Duration age);
  size_t size() const { return table_.size(); }

 private:
  std::unordered_map<SourceKey, FeasibilityDistance, SourceKeyHash> table_;
  // No entry's time is older than this (exact after each expire scan, lowered by new
  // entries), so expire() skips the scan while nothing can be old enough.
  std::optional<Time> oldest_;
};

}  // namespace re6st::babel
