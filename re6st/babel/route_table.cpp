// Route selection; see route_table.h. Section numbers are RFC 8966.
#include "re6st/babel/route_table.h"

#include <algorithm>

#include "re6st/babel/seqno.h"

namespace re6st::babel {

uint16_t addMetric(uint16_t refmetric, uint16_t cost) {
  if (refmetric >= kInfinity || cost >= kInfinity) return kInfinity;
  return uint16_t(std::min<int>(int(refmetric) + cost, kInfinity - 1));
}

namespace {

// Feasibility lookups, memoised per router-id: the routes to one destination nearly
// always share their origin, and the source table lookup dominates selection.
class Feasibility {
 public:
  Feasibility(const RouteKey& key, const SourceTable& sources) : key_(key), sources_(sources) {}
  bool usable(const Route& r) {
    if (r.metric >= kInfinity || r.refused) return false;
    if (!cached_ || rid_ != r.routerId) {
      rid_ = r.routerId;
      fd_ = sources_.find({r.routerId, key_.first, key_.second});
      cached_ = true;
    }
    // §3.5.1: only feasible routes may be selected (judged on the announced metric).
    if (!fd_) return true;
    int c = seqnoCompare(r.seqno, fd_->seqno);
    return c > 0 || (c == 0 && r.refmetric < fd_->metric);
  }

 private:
  const RouteKey& key_;
  const SourceTable& sources_;
  bool cached_ = false;
  RouterId rid_{};
  const FeasibilityDistance* fd_ = nullptr;
};

}  // namespace

int chooseRoute(const Destination& d, const RouteKey& key, const SourceTable& sources) {
  Feasibility feasible(key, sources);
  int best = -1;
  for (int i = 0; i < int(d.routes.size()); ++i) {
    const Route& r = d.routes[size_t(i)];
    if (!feasible.usable(r)) continue;
    if (best < 0 || r.metric < d.routes[size_t(best)].metric) best = i;
  }
  int cur = d.selected;
  if (best < 0 || cur < 0 || cur == best || cur >= int(d.routes.size())) return best;
  const Route& current = d.routes[size_t(cur)];
  if (!feasible.usable(current)) return best;
  if (int(d.routes[size_t(best)].metric) + hysteresis(current.metric) <= int(current.metric)) {
    return best;
  }
  return cur;
}

}  // namespace re6st::babel
