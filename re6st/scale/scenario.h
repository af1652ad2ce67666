// A whole `re6st sim` run: nodes join, failures happen on schedule (kills, churn,
// partition, registry outage) and the network is measured — a timeline every --sample,
// plus each failure's reconvergence time (first moment every pair the tunnels connect has
// a working loop-free route, checked every second). Deterministic for a seed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "re6st/scale/config.h"
#include "re6st/scale/metrics.h"
#include "re6st/scale/world.h"

namespace re6st::scale {

struct Sample {
  double t = 0;             // virtual seconds
  size_t alive = 0;
  size_t tunnels = 0;       // live tunnels
  RouteCheck routes;
  double graphShare = 0;    // share of live pairs the tunnel graph connects
  size_t components = 0;
  double babelBps = 0;      // Babel bytes per second per live node over the last period
  double peerBps = 0;       // peer-protocol bytes per second per live node
  double churn = 0;         // tunnels opened + closed per live node per hour
  double sessions = 0;      // peer-protocol sessions per live node
  uint64_t rssKb = 0;
  double wall = 0;          // wall seconds since the run began
};

struct Failure {
  std::string what;         // "start", "kill 30%", "churn", "partition", "registry down"
  double at = 0;            // virtual seconds
  size_t killed = 0;
  double graphShare = 1;    // right after the failure (before anything adapts)
  double reconverged = -1;  // seconds until converged; -1 = not within the tracking window
  double routedShare = 0;   // routed share of live pairs at reconvergence or window end
  double expectedShare = 0; // graph share at that moment
};

struct Report {
  std::vector<Sample> timeline;
  std::vector<Failure> failures;
  Counters counters;
  uint64_t events = 0;
  double wall = 0;
  uint64_t peakKb = 0;
  size_t nodes = 0;
  double avgTunnels = 0;    // per live node at the end (both directions)
};

// onSample is called with each timeline row as it is measured (progress output).
Result<Report> runScenario(const Config& config, const std::function<void(const Sample&)>& onSample);

}  // namespace re6st::scale
