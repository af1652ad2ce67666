// Parameters of a scale simulation (`re6st sim`): network size and re6st's network
// configuration (client-count, max-clients, tunnel-refresh, hello), the underlay
// (latency distribution, NAT share) and the failure timeline. Parsing is pure: option
// text in, Config or a one-line error out. No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "re6st/base/clock.h"
#include "re6st/base/random.h"
#include "re6st/base/result.h"

namespace re6st::scale {

// One-way latency of a tunnel, drawn once per tunnel when it opens.
// "fixed:MS", "uniform:MIN:MAX" (ms), "lognormal:MEDIAN:SIGMA" (ms, clamped to 1..2000).
struct LatencyDist {
  enum class Kind { kFixed, kUniform, kLognormal } kind = Kind::kUniform;
  double a = 5, b = 80;
  Duration draw(Random& random) const;
  std::string str() const;
};
Result<LatencyDist> parseLatency(const std::string& text);

struct KillEvent {
  double share = 0;  // of the live nodes (the registry node excepted)
  Duration at{};
};

struct Config {
  size_t nodes = 100;
  unsigned clientCount = 10;   // re6st-registry --client-count default
  unsigned maxClients = 0;     // 0: 2 × client-count (re6st-registry default)
  Duration tunnelRefresh = seconds(300);
  Duration hello = seconds(15);
  double nat = 0;              // share of nodes that accept no incoming tunnel
  LatencyDist latency;
  double churn = 0;            // node leaves (and as many joins) per hour, network-wide
  std::vector<KillEvent> kills;
  Duration partition{};        // 0 = none; else the two halves split at that time
  Duration registryDown{};     // 0 = never
  Duration join = seconds(60);  // nodes start spread over this window (registry first)
  Duration duration = seconds(600);
  Duration sampleEvery = seconds(30);  // timeline period
  uint64_t seed = 1;
  // Sampled mode, for N beyond what full routing tables fit in memory (O(N^2) routes):
  // only `track` nodes (the registry's among them) announce their prefix in Babel and
  // routes are checked to them; each routing dump offers the tunnel manager `track`
  // random nodes of its overlay component as distant-peer candidates, and peer
  // datagrams to untracked nodes cross the component with a drawn path latency.
  // 0 = every node (full fidelity).
  size_t track = 0;
  size_t pairs = 20000;        // sampled (source, destination) pairs per check; 0 = all
  double loss = 0;             // per-packet loss on tunnels
  std::string csvDir;          // "" = no CSV
  bool json = false;
  bool quiet = false;          // no timeline table

  unsigned effectiveMaxClients() const { return maxClients ? maxClients : 2 * clientCount; }
};

// Parses `re6st sim` arguments (long options, "--name value" or "--name=value").
// Callers check wantsHelp() first and print usage().
Result<Config> parseArgs(const std::vector<std::string>& args);
bool wantsHelp(const std::vector<std::string>& args);
std::string usage();

// "30" / "30s" / "5m" / "2h" / "1500ms" → Duration.
Result<Duration> parseDuration(const std::string& text);

}  // namespace re6st::scale
