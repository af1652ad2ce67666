// Feasibility distances; see source.h. Section numbers are RFC 8966.
#include "re6st/babel/source.h"

#include "re6st/babel/seqno.h"

namespace re6st::babel {

bool SourceTable::isFeasible(const SourceKey& key, uint16_t seqno, uint16_t metric) const {
  if (metric == kInfinity) return true;
  auto it = table_.find(key);
  if (it == table_.end()) return true;
  const FeasibilityDistance& fd = it->second;
  int c = seqnoCompare(seqno, fd.seqno);
  return c > 0 || (c == 0 && metric < fd.metric);
}

void SourceTable::advertised(const SourceKey& key, uint16_t seqno, uint16_t metric, Time now) {
  if (metric == kInfinity) return;  // §3.7.3: retractions do not change the distance
  auto [it, fresh] = table_.try_emplace(key, FeasibilityDistance{seqno, metric, now});
  FeasibilityDistance& fd = it->second;
  if (!fresh) {
    int c = seqnoCompare(seqno, fd.seqno);
    if (c > 0) {
      fd.seqno = seqno;
      fd.metric = metric;
    } else if (c == 0 && metric < fd.metric) {
      fd.metric = metric;
    }
  }
  fd.time = now;
  if (fresh && (!oldest_ || now < *oldest_)) oldest_ = now;
}

const FeasibilityDistance* SourceTable::find(const SourceKey& key) const {
  auto it = table_.find(key);
  return it == table_.end() ? nullptr : &it->second;
}

void SourceTable::expire(Time now, Duration age) {
  if (!oldest_ || now - *oldest_ <= age) return;
  oldest_.reset();
  for (auto it = table_.begin(); it != table_.end();) {
    if (now - it->second.time > age) {
      it = table_.erase(it);
      continue;
    }
    if (!oldest_ || it->second.time < *oldest_) oldest_ = it->second.time;
    ++it;
  }
}

}  // namespace re6st::babel
