// Tables, CSV and JSON for `re6st sim`; see report.h.
#include "re6st/scale/report.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sys/stat.h>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace re6st::scale {
namespace {

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

double secs(Duration d) { return double(d.count()) / 1e6; }

// (name, value) rows shared by the table, the JSON and summary.csv.
std::vector<std::pair<std::string, std::string>> summaryRows(const Config& c, const Report& r) {
  std::vector<std::pair<std::string, std::string>> v;
  auto add = [&v](std::string k, std::string x) { v.emplace_back(std::move(k), std::move(x)); };
  add("nodes", std::to_string(c.nodes));
  add("client_count", std::to_string(c.clientCount));
  add("max_clients", std::to_string(c.effectiveMaxClients()));
  add("hello_s", fmt("%g", secs(c.hello)));
  add("tunnel_refresh_s", fmt("%g", secs(c.tunnelRefresh)));
  add("nat", fmt("%g", c.nat));
  add("latency", c.latency.str());
  add("churn_per_hour", fmt("%g", c.churn));
  add("duration_s", fmt("%g", secs(c.duration)));
  add("seed", std::to_string(c.seed));
  add("tracked", c.track ? std::to_string(c.track) + " (sampled mode)" : "all");
  if (!r.timeline.empty()) {
    const Sample& s = r.timeline.back();
    add("alive", std::to_string(s.alive));
    add("pairs_checked", std::to_string(s.routes.pairs) + (s.routes.sampled ? " (sampled)" : " (all)"));
    add("routed_share", fmt("%.6f", s.routes.share()));
    add("graph_share", fmt("%.6f", s.graphShare));
    add("loops", std::to_string(s.routes.loops));
    add("hops_avg", fmt("%.3f", s.routes.avgHops));
    add("hops_max", std::to_string(s.routes.maxHops));
  }
  // Rates over the second half of the run (after the start-up transient).
  double babel = 0, peer = 0, churn = 0;
  size_t n = 0;
  for (size_t i = r.timeline.size() / 2; i < r.timeline.size(); ++i, ++n) {
    babel += r.timeline[i].babelBps;
    peer += r.timeline[i].peerBps;
    churn += r.timeline[i].churn;
  }
  if (n) {
    add("babel_bytes_per_s_per_node", fmt("%.1f", babel / double(n)));
    add("peer_bytes_per_s_per_node", fmt("%.2f", peer / double(n)));
    add("tunnel_churn_per_node_per_h", fmt("%.2f", churn / double(n)));
  }
  add("tunnels_per_node", fmt("%.2f", r.avgTunnels));
  if (!r.timeline.empty())
    add("peer_sessions_per_node", fmt("%.1f", r.timeline.back().sessions));
  for (const Failure& f : r.failures) {
    std::string key = f.what == "start" ? "converged_after_start_s" : "reconverge_" + f.what + "_s";
    for (char& ch : key)
      if (ch == ' ' || ch == '%') ch = ch == ' ' ? '_' : 'p';
    add(key, f.reconverged < 0 ? "never" : fmt("%.0f", f.reconverged));
  }
  add("tunnels_opened", std::to_string(r.counters.tunnelsOpened));
  add("tunnels_refused", std::to_string(r.counters.tunnelsRefused));
  add("bootstrap_answered", std::to_string(r.counters.bootstrapAnswered) + "/" +
                                std::to_string(r.counters.bootstrapAsked));
  add("routing_dumps", std::to_string(r.counters.dumps));
  add("events", std::to_string(r.events));
  add("wall_s", fmt("%.1f", r.wall));
  add("peak_rss_mib", fmt("%.1f", double(r.peakKb) / 1024));
  add("rss_per_node_kib", fmt("%.1f", double(r.peakKb) / double(c.nodes)));
  return v;
}

}  // namespace

void printTimelineHeader(std::ostream& out) {
  out << "     t  alive tunnels  routed%   graph%  loops  hops avg/max  babel B/s  peer B/s"
         "  churn/h  sess/node   RSS MiB   wall s\n";
}

void printTimelineRow(std::ostream& out, const Sample& s) {
  char b[200];
  std::snprintf(b, sizeof b,
                "%6.0f %6zu %7zu %8.3f %8.3f %6llu  %5.2f / %-4llu %9.1f %9.2f %8.2f %10.1f %9.1f %8.1f\n",
                s.t, s.alive, s.tunnels, 100 * s.routes.share(), 100 * s.graphShare,
                (unsigned long long)s.routes.loops, s.routes.avgHops,
                (unsigned long long)s.routes.maxHops, s.babelBps, s.peerBps, s.churn,
                s.sessions, double(s.rssKb) / 1024, s.wall);
  out << b;
}

void printSummary(std::ostream& out, const Config& c, const Report& r) {
  out << "\nfailure          at s   killed  graph% after  reconverged s  routed%  expected%\n";
  for (const Failure& f : r.failures) {
    char b[200];
    std::snprintf(b, sizeof b, "%-15s %6.0f %8zu %13.3f %14s %8.3f %10.3f\n", f.what.c_str(), f.at,
                  f.killed, 100 * f.graphShare,
                  f.reconverged < 0 ? "never" : fmt("%.0f", f.reconverged).c_str(),
                  100 * f.routedShare, 100 * f.expectedShare);
    out << b;
  }
  out << "\nsummary\n";
  for (const auto& [k, v] : summaryRows(c, r)) out << "  " << k << std::string(30 - std::min<size_t>(29, k.size()), ' ') << v << "\n";
}

std::string summaryJson(const Config& c, const Report& r) {
  nlohmann::json j;
  for (const auto& [k, v] : summaryRows(c, r)) j[k] = v;
  nlohmann::json fails = nlohmann::json::array();
  for (const Failure& f : r.failures)
    fails.push_back({{"what", f.what}, {"at", f.at}, {"killed", f.killed},
                     {"graph_share", f.graphShare}, {"reconverged_s", f.reconverged},
                     {"routed_share", f.routedShare}, {"expected_share", f.expectedShare}});
  j["failures"] = fails;
  return j.dump(2);
}

Status writeCsv(const std::string& dir, const Config& c, const Report& r) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return makeError(Code::kIo, dir + ": " + std::strerror(errno));
  auto open = [&dir](const std::string& name, std::ofstream& f) -> Status {
    f.open(dir + "/" + name);
    if (!f) return makeError(Code::kIo, dir + "/" + name + ": cannot write");
    return {};
  };
  std::ofstream t, f, s;
  RE6ST_TRY(open("timeline.csv", t));
  t << "t,alive,tunnels,pairs,reachable,expected,loops,hops_avg,hops_max,routed_share,"
       "graph_share,components,babel_Bps_node,peer_Bps_node,churn_node_h,sessions_node,rss_kb,"
       "wall_s\n";
  for (const Sample& x : r.timeline) {
    t << x.t << ',' << x.alive << ',' << x.tunnels << ',' << x.routes.pairs << ','
      << x.routes.reachable << ',' << x.routes.expected << ',' << x.routes.loops << ','
      << x.routes.avgHops << ',' << x.routes.maxHops << ',' << x.routes.share() << ','
      << x.graphShare << ',' << x.components << ',' << x.babelBps << ',' << x.peerBps << ','
      << x.churn << ',' << x.sessions << ',' << x.rssKb << ',' << x.wall << '\n';
  }
  RE6ST_TRY(open("failures.csv", f));
  f << "what,at,killed,graph_share,reconverged_s,routed_share,expected_share\n";
  for (const Failure& x : r.failures)
    f << x.what << ',' << x.at << ',' << x.killed << ',' << x.graphShare << ',' << x.reconverged
      << ',' << x.routedShare << ',' << x.expectedShare << '\n';
  RE6ST_TRY(open("summary.csv", s));
  s << "key,value\n";
  for (const auto& [k, v] : summaryRows(c, r)) s << k << ',' << v << '\n';
  if (!t || !f || !s) return makeError(Code::kIo, dir + ": write failed");
  return {};
}

}  // namespace re6st::scale
