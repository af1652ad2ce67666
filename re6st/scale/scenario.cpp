// The `re6st sim` timeline; see scenario.h.
#include "re6st/scale/scenario.h"

#include <chrono>
#include <cmath>
#include <optional>

namespace re6st::scale {
namespace {

constexpr Duration kTrackStep = seconds(1);
constexpr Duration kTrackWindow = seconds(900);

double secondsOf(Duration d) { return double(d.count()) / 1e6; }
double secondsOf(Time t) { return secondsOf(t.time_since_epoch()); }

class Runner {
 public:
  Runner(const Config& c, const Pki& pki)
      : c_(c), world_(c, pki), rnd_(c.seed * 31 + 7), checkRnd_(c.seed * 17 + 3),
        t0_(std::chrono::steady_clock::now()) {}

  Result<Report> run(const std::function<void(const Sample&)>& onSample);

 private:
  double wall() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }
  void at(Duration t, std::function<void()> fn) { world_.events().at(Time() + t, std::move(fn)); }
  void startNode(size_t i);
  void scheduleFailures();
  void failure(std::string what, size_t killed);
  void killShare(double share);
  void churn();
  void stepTracking();
  Sample sample();

  const Config& c_;
  World world_;
  SeededRandom rnd_, checkRnd_;
  std::chrono::steady_clock::time_point t0_;
  std::optional<Error> error_;
  Report report_;
  std::vector<size_t> tracking_;  // indexes into report_.failures
  // Counters at the previous sample, for per-period rates.
  uint64_t lastBabel_ = 0, lastPeer_ = 0, lastTunnelEvents_ = 0;
  Time lastSample_{};
};

void Runner::startNode(size_t i) {
  if (error_) return;
  if (auto s = world_.start(i); !s) error_ = s.error().wrap("node " + std::to_string(i));
}

void Runner::failure(std::string what, size_t killed) {
  Failure f;
  f.what = std::move(what);
  f.at = secondsOf(world_.now());
  f.killed = killed;
  f.graphShare = tunnelComponents(world_).share();
  report_.failures.push_back(std::move(f));
  tracking_.push_back(report_.failures.size() - 1);
}

void Runner::killShare(double share) {
  std::vector<size_t> live;
  for (size_t i = 1; i < world_.size(); ++i)  // the registry node stays (see --registry-down)
    if (world_.alive(i)) live.push_back(i);
  shuffle(live, rnd_);
  size_t n = size_t(std::llround(share * double(live.size())));
  for (size_t k = 0; k < n; ++k) world_.kill(live[k]);
  failure("kill " + std::to_string(int(std::lround(share * 100))) + "%", n);
}

// One leave and one join: a random live node crashes, a random dead one (fresh state,
// empty cache, like a new machine with that certificate) starts.
void Runner::churn() {
  std::vector<size_t> live, dead;
  for (size_t i = 1; i < world_.size(); ++i) (world_.alive(i) ? live : dead).push_back(i);
  if (!live.empty()) world_.kill(live[size_t(rnd_.below(live.size()))]);
  if (!dead.empty()) startNode(dead[size_t(rnd_.below(dead.size()))]);
  double rate = c_.churn / 3600.0;  // events per second: Poisson process
  double gap = -std::log(1.0 - rnd_.unit()) / rate;
  world_.events().after(Duration(int64_t(gap * 1e6) + 1), [this] { churn(); });
}

void Runner::scheduleFailures() {
  for (const KillEvent& k : c_.kills) at(k.at, [this, share = k.share] { killShare(share); });
  if (c_.partition > Duration{}) {
    at(c_.partition, [this] {
      std::vector<uint8_t> side(world_.size());
      for (size_t i = 1; i < side.size(); ++i) side[i] = uint8_t(rnd_.below(2));
      world_.partition(std::move(side));
      failure("partition", 0);
    });
  }
  if (c_.registryDown > Duration{}) {
    at(c_.registryDown, [this] {
      world_.setRegistryUp(false);
      world_.kill(0);
      failure("registry down", 1);
    });
  }
  if (c_.churn > 0) {
    double gap = -std::log(1.0 - rnd_.unit()) / (c_.churn / 3600.0);
    at(c_.join + Duration(int64_t(gap * 1e6)), [this] { churn(); });
  }
}

// Each tracked failure ends at its first converged check (or after the window).
void Runner::stepTracking() {
  RouteCheck r = checkRoutes(world_, c_.pairs, checkRnd_);
  double now = secondsOf(world_.now());
  std::vector<size_t> still;
  for (size_t idx : tracking_) {
    Failure& f = report_.failures[idx];
    // At start-up, converged also means every node joined one connected network.
    bool ready = f.what != "start" || (now >= secondsOf(c_.join) && r.expected == r.pairs);
    bool done = ready && r.converged() && r.pairs > 0;
    if (done || now - f.at >= secondsOf(kTrackWindow) || now >= secondsOf(c_.duration)) {
      if (done) f.reconverged = now - f.at;
      f.routedShare = r.share();
      f.expectedShare = r.pairs ? double(r.expected) / double(r.pairs) : 0;
    } else {
      still.push_back(idx);
    }
  }
  tracking_ = std::move(still);
}

Sample Runner::sample() {
  Sample s;
  Time now = world_.now();
  s.t = secondsOf(now);
  s.alive = world_.aliveCount();
  s.tunnels = world_.tunnelsUp();
  s.routes = checkRoutes(world_, c_.pairs, checkRnd_);
  Components comp = tunnelComponents(world_);
  s.graphShare = comp.share();
  s.components = comp.count;
  const Counters& k = world_.counters();
  double period = secondsOf(now - lastSample_);
  double perNode = s.alive && period > 0 ? 1.0 / (double(s.alive) * period) : 0;
  s.babelBps = double(world_.babelBytes() - lastBabel_) * perNode;
  s.peerBps = double(k.peerBytes - lastPeer_) * perNode;
  uint64_t tunnelEvents = k.tunnelsOpened + k.tunnelsClosed;
  s.churn = double(tunnelEvents - lastTunnelEvents_) * perNode * 3600;
  lastBabel_ = world_.babelBytes();
  lastPeer_ = k.peerBytes;
  lastTunnelEvents_ = tunnelEvents;
  lastSample_ = now;
  s.sessions = s.alive ? double(world_.peerSessions()) / double(s.alive) : 0;
  s.rssKb = processMemory().rssKb;
  s.wall = wall();
  return s;
}

Result<Report> Runner::run(const std::function<void(const Sample&)>& onSample) {
  at(Duration{}, [this] { startNode(0); });
  for (size_t i = 1; i < world_.size(); ++i) {
    auto t = Duration(int64_t(1 + rnd_.below(uint64_t(std::max<int64_t>(1, c_.join.count())))));
    at(t, [this, i] { startNode(i); });
  }
  failure("start", 0);
  scheduleFailures();
  Time end = Time() + c_.duration;
  Time nextSample = Time() + c_.sampleEvery;
  while (world_.now() < end && !error_) {
    Time next = std::min(nextSample, end);
    if (!tracking_.empty()) next = std::min(next, world_.now() + kTrackStep);
    world_.runUntil(next);
    if (!tracking_.empty()) stepTracking();
    if (world_.now() >= nextSample) {
      report_.timeline.push_back(sample());
      if (onSample) onSample(report_.timeline.back());
      nextSample += c_.sampleEvery;
    }
  }
  if (error_) return *error_;
  if (!tracking_.empty()) stepTracking();
  report_.counters = world_.counters();
  report_.events = world_.events().executed();
  report_.wall = wall();
  report_.peakKb = processMemory().peakKb;
  report_.nodes = world_.size();
  size_t alive = world_.aliveCount();
  report_.avgTunnels = alive ? 2.0 * double(world_.tunnelsUp()) / double(alive) : 0;
  return std::move(report_);
}

}  // namespace

Result<Report> runScenario(const Config& config,
                           const std::function<void(const Sample&)>& onSample) {
  auto pki = Pki::create(1024);
  if (!pki) return pki.error();
  Runner runner(config, **pki);
  return runner.run(onSample);
}

}  // namespace re6st::scale
