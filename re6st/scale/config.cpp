// Option parsing for `re6st sim`; see config.h.
#include "re6st/scale/config.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <map>

namespace re6st::scale {
namespace {

Error bad(const std::string& what) { return makeError(Code::kInvalid, what); }

Result<double> parseNumber(const std::string& text) {
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() ||
      !std::isfinite(v))
    return bad("not a number: '" + text + "'");
  return v;
}

Result<uint64_t> parseCount(const std::string& text, uint64_t max) {
  uint64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v > max)
    return bad("not an integer in 0.." + std::to_string(max) + ": '" + text + "'");
  return v;
}

Result<double> parseShare(const std::string& text) {
  auto v = parseNumber(text);
  if (!v || *v < 0 || *v > 1) return bad("not a share in [0, 1]: '" + text + "'");
  return *v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

Duration LatencyDist::draw(Random& random) const {
  double ms = a;
  if (kind == Kind::kUniform) {
    ms = a + (b - a) * random.unit();
  } else if (kind == Kind::kLognormal) {
    // Box-Muller: median a, shape b (sigma of the underlying normal).
    double u1 = 1.0 - random.unit(), u2 = random.unit();
    double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2);
    ms = std::clamp(a * std::exp(b * z), 1.0, 2000.0);
  }
  return Duration(int64_t(ms * 1000));
}

std::string LatencyDist::str() const {
  auto n = [](double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  switch (kind) {
    case Kind::kFixed: return "fixed:" + n(a);
    case Kind::kUniform: return "uniform:" + n(a) + ":" + n(b);
    case Kind::kLognormal: return "lognormal:" + n(a) + ":" + n(b);
  }
  return "";
}

Result<LatencyDist> parseLatency(const std::string& text) {
  auto parts = split(text, ':');
  LatencyDist d;
  std::vector<double> v;
  for (size_t i = 1; i < parts.size(); ++i) {
    auto x = parseNumber(parts[i]);
    if (!x || *x < 0 || *x > 10000) return bad("--latency: bad value in '" + text + "'");
    v.push_back(*x);
  }
  if (parts[0] == "fixed" && v.size() == 1) {
    d.kind = LatencyDist::Kind::kFixed;
    d.a = d.b = v[0];
  } else if (parts[0] == "uniform" && v.size() == 2 && v[0] <= v[1]) {
    d.kind = LatencyDist::Kind::kUniform;
    d.a = v[0], d.b = v[1];
  } else if (parts[0] == "lognormal" && v.size() == 2 && v[0] > 0 && v[1] <= 5) {
    d.kind = LatencyDist::Kind::kLognormal;
    d.a = v[0], d.b = v[1];
  } else {
    return bad("--latency: expected fixed:MS, uniform:MIN:MAX or lognormal:MEDIAN:SIGMA, got '" +
               text + "'");
  }
  if (d.kind != LatencyDist::Kind::kLognormal && d.a < 0.001 && d.b < 0.001)
    return bad("--latency: must be positive");
  return d;
}

Result<Duration> parseDuration(const std::string& text) {
  static const std::pair<const char*, int64_t> units[] = {
      {"ms", 1'000}, {"s", 1'000'000}, {"m", 60'000'000}, {"h", 3'600'000'000}};
  int64_t scale = 1'000'000;
  std::string number = text;
  for (const auto& [suffix, us] : units) {
    std::string s = suffix;
    if (text.size() > s.size() && text.compare(text.size() - s.size(), s.size(), s) == 0) {
      number = text.substr(0, text.size() - s.size());
      scale = us;
      break;
    }
  }
  auto v = parseNumber(number);
  if (!v || *v < 0 || *v * double(scale) > 1e15) return bad("not a duration: '" + text + "'");
  return Duration(int64_t(*v * double(scale)));
}

std::string usage() {
  return R"(usage: re6st sim [options]
Runs N complete re6st node cores (Babel router, tunnel manager, peer protocol, registry
bootstrap) over virtual tunnels on a virtual clock; deterministic for a seed.
  --nodes N            number of nodes, the registry node included (default 100)
  --client-count N     outgoing tunnels per node (default 10)
  --max-clients N      incoming tunnels accepted per node (default 2 x client-count)
  --tunnel-refresh D   period of the worst-tunnel replacement (default 300s)
  --hello D            Babel hello interval; tunnels time out after 4 x hello (default 15s)
  --nat SHARE          share of nodes unreachable from outside (default 0)
  --latency DIST       tunnel one-way latency: fixed:MS, uniform:MIN:MAX (default 5:80),
                       lognormal:MEDIAN:SIGMA
  --loss P             packet loss probability on every tunnel (default 0)
  --churn PER_HOUR     nodes leaving (and as many joining) per hour (default 0)
  --kill SHARE@TIME    kill a share of the live nodes at TIME (repeatable)
  --partition TIME     split the network in two halves at TIME
  --registry-down TIME the registry (and its node) stop at TIME
  --join D             nodes start spread over this window, registry first (default 60s)
  --duration D         simulated time (default 600s)
  --sample D           period of the timeline rows (default 30s)
  --pairs N            node pairs sampled per connectivity check, 0 = all (default 20000)
  --seed N             random seed (default 1)
  --track K            sampled mode for large N: only K random nodes (the registry's among
                       them) announce their prefix in Babel, routes are checked to them,
                       and each routing dump offers K random nodes of the caller's overlay
                       component as distant-peer candidates (default 0 = all nodes)
  --csv DIR            write timeline.csv, events.csv and summary.csv into DIR
  --json               print the summary as JSON
  --quiet              no timeline table
Durations take a unit: 1500ms, 30s, 5m, 1h (seconds without one).
)";
}

bool wantsHelp(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

Result<Config> parseArgs(const std::vector<std::string>& args) {
  Config c;
  using Setter = std::function<Status(const std::string&)>;
  auto dur = [](Duration& out) {
    return Setter([&out](const std::string& v) -> Status {
      auto d = parseDuration(v);
      if (!d) return d.error();
      out = *d;
      return {};
    });
  };
  auto count = [](auto& out, uint64_t max) {
    return Setter([&out, max](const std::string& v) -> Status {
      auto n = parseCount(v, max);
      if (!n) return n.error();
      out = static_cast<std::remove_reference_t<decltype(out)>>(*n);
      return {};
    });
  };
  auto share = [](double& out) {
    return Setter([&out](const std::string& v) -> Status {
      auto s = parseShare(v);
      if (!s) return s.error();
      out = *s;
      return {};
    });
  };
  std::map<std::string, Setter> value = {
      {"nodes", count(c.nodes, 1'000'000)},
      {"client-count", count(c.clientCount, 1000)},
      {"max-clients", count(c.maxClients, 10000)},
      {"tunnel-refresh", dur(c.tunnelRefresh)},
      {"hello", dur(c.hello)},
      {"nat", share(c.nat)},
      {"loss", share(c.loss)},
      {"duration", dur(c.duration)},
      {"join", dur(c.join)},
      {"sample", dur(c.sampleEvery)},
      {"partition", dur(c.partition)},
      {"registry-down", dur(c.registryDown)},
      {"seed", count(c.seed, UINT64_MAX)},
      {"pairs", count(c.pairs, 1'000'000'000)},
      {"track", count(c.track, 1'000'000)},
      {"csv", [&c](const std::string& v) -> Status {
         c.csvDir = v;
         return {};
       }},
      {"latency", [&c](const std::string& v) -> Status {
         auto d = parseLatency(v);
         if (!d) return d.error();
         c.latency = *d;
         return {};
       }},
      {"churn", [&c](const std::string& v) -> Status {
         auto n = parseNumber(v);
         if (!n || *n < 0 || *n > 1e7) return bad("not a rate: '" + v + "'");
         c.churn = *n;
         return {};
       }},
      {"kill", [&c](const std::string& v) -> Status {
         auto at = v.find('@');
         if (at == std::string::npos) return bad("expected SHARE@TIME, got '" + v + "'");
         auto s = parseShare(v.substr(0, at));
         if (!s) return s.error();
         auto t = parseDuration(v.substr(at + 1));
         if (!t) return t.error();
         c.kills.push_back({*s, *t});
         return {};
       }},
  };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--json" || a == "--quiet") {
      (a == "--json" ? c.json : c.quiet) = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) return bad("unexpected argument '" + a + "'");
    std::string name = a.substr(2), v;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      v = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < args.size()) {
      v = args[++i];
    } else {
      return bad("option --" + name + " needs a value");
    }
    auto it = value.find(name);
    if (it == value.end()) return bad("unknown option --" + name);
    if (auto s = it->second(v); !s) return s.error().wrap("--" + name);
  }
  if (c.nodes < 2) return bad("--nodes: at least 2");
  if (c.nodes > 131072) return bad("--nodes: at most 131072 (198.18.0.0/15 addresses)");
  if (c.clientCount == 0) return bad("--client-count: at least 1");
  if (c.hello < seconds(1)) return bad("--hello: at least 1s");
  if (c.tunnelRefresh < seconds(10)) return bad("--tunnel-refresh: at least 10s");
  if (c.sampleEvery < seconds(1)) return bad("--sample: at least 1s");
  if (c.duration <= Duration::zero()) return bad("--duration: must be positive");
  if (c.track == 1) return bad("--track: at least 2 (the registry node and another)");
  if (c.track >= c.nodes) c.track = 0;  // every node tracked: the full simulation
  return c;
}

}  // namespace re6st::scale
