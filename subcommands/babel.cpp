// `re6st babel`: the Babel router alone (no tunnels, no registry), for tests and small
// routers: re6st's Babel core + driver on the given interfaces, redistributing the given
// prefixes. Signals as babeld: SIGTERM/SIGINT exit cleanly (routes flushed), SIGUSR1
// writes the JSON dump (--dump-json FILE, else the log), SIGUSR2 reopens the log file.
#include <signal.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "re6st/babel/driver.h"
#include "re6st/base/log.h"
#include "re6st/cli/options.h"
#include "re6st/crypto/file.h"
#include "re6st/crypto/random.h"
#include "subcommands/subcommand.h"

namespace re6st::cmd {
namespace {

using cli::Kind;
using cli::Type;

const cli::CommandSpec& babelSpec() {
  static const cli::CommandSpec spec = [] {
    cli::CommandSpec s;
    s.prog = "re6st babel";
    s.description =
        "Run only re6st's Babel router (RFC 8966, source-specific routes, RTT, HMAC) on the "
        "given interfaces; it interoperates with babeld.";
    s.options = {
        {.long_name = "interface", .short_name = 'i', .kind = Kind::kAppend, .metavar = "IFACE",
         .help = "Interface to run Babel on (repeat; may appear later).", .required = true},
        {.long_name = "type", .metavar = "TYPE", .help = "Link type of the interfaces.",
         .default_text = "wired", .choices = {"wired", "wireless", "tunnel"}},
        {.long_name = "redistribute", .kind = Kind::kAppend, .metavar = "PREFIX",
         .help = "Prefix to originate (repeat), IPv6 or IPv4. IPv4 routes go out with the "
                 "interface's IPv4 address as next hop, or as v4-via-v6 (RFC 9229) where it "
                 "has none."},
        {.long_name = "export-default", .metavar = "NETWORK",
         .help = "Originate the source-specific default route ::/0 from NETWORK (gateway)."},
        {.long_name = "hello", .metavar = "SECONDS", .help = "Hello interval.",
         .default_text = "4"},
        {.long_name = "key", .kind = Kind::kAppend, .metavar = "TYPE:HEX", .help =
             "RFC 8967 key, TYPE blake2s128 or hmac-sha256 (repeat: the first signs, all "
             "are accepted; with a key, unsigned packets are dropped)."},
        {.long_name = "prefsrc", .metavar = "ADDRESS", .help =
             "Preferred source of installed routes (default: a local address inside a "
             "redistributed prefix)."},
        {.long_name = "router-id", .metavar = "HEX16", .help = "Router id (default random)."},
        {.long_name = "table", .type = Type::kInt, .metavar = "N",
         .help = "Kernel routing table.", .default_text = "254"},
        {.long_name = "dump-json", .metavar = "FILE",
         .help = "Where SIGUSR1 writes the JSON dump of neighbours and routes."},
        {.long_name = "verbose", .short_name = 'v', .type = Type::kInt, .metavar = "N",
         .help = "Log level: 0 none, 1 warnings, 2 info, 3 debug, 4 trace.",
         .default_text = "1"},
        {.long_name = "log", .short_name = 'l', .metavar = "FILE",
         .help = "Log file (default: stderr)."},
    };
    return s;
  }();
  return spec;
}

struct BabelOptions {
  std::vector<std::string> interfaces;
  babel::IfType type = babel::IfType::kWired;
  babel::Config config;
  babel::DriverOptions driver;
  std::string dumpPath;
  int verbose = 1;
  std::string logPath;
};

Result<babel::Key> parseKey(const std::string& text, int n) {
  auto colon = text.find(':');
  if (colon == std::string::npos) return makeError(Code::kInvalid, "--key wants TYPE:HEX");
  babel::Key k;
  std::string type = text.substr(0, colon);
  if (type == "blake2s128") k.type = babel::KeyType::kBlake2s128;
  else if (type == "hmac-sha256") k.type = babel::KeyType::kHmacSha256;
  else return makeError(Code::kInvalid, "--key: unknown key type '" + type + "'");
  if (!fromHex(text.substr(colon + 1), k.value) || k.value.empty())
    return makeError(Code::kInvalid, "--key: bad hex value");
  k.id = "k" + std::to_string(n);
  return k;
}

Status parseRouting(const cli::Parsed& p, BabelOptions& o) {
  for (const auto& text : p.all("redistribute")) {
    auto pre = kernel::parseAnyPrefix(text);
    if (!pre.ok()) return pre.error().wrap("--redistribute");
    o.config.redistribute.push_back({*pre, {}, 0});
  }
  if (auto net = p.last("export_default")) {
    auto pre = kernel::parseAnyPrefix(*net);
    if (!pre.ok()) return pre.error().wrap("--export-default");
    o.config.redistribute.push_back({Prefix{}, *pre, 0});
  }
  int n = 0;
  for (const auto& text : p.all("key")) {
    auto k = parseKey(text, ++n);
    if (!k.ok()) return k.error();
    if (!o.config.signKey) o.config.signKey = *k;
    o.config.acceptKeys.push_back(*k);
  }
  if (auto h = p.last("hello")) {
    char* end = nullptr;
    double s = std::strtod(h->c_str(), &end);
    if (end == h->c_str() || *end || !std::isfinite(s) || s < 0.05 || s > 600)
      return makeError(Code::kInvalid, "--hello: want seconds in [0.05, 600]");
    o.config.helloInterval = Duration(static_cast<int64_t>(s * 1e6));
  }
  if (auto id = p.last("router_id")) {
    Bytes b;
    if (!fromHex(*id, b) || b.size() != 8) return makeError(Code::kInvalid, "--router-id: want 16 hex digits");
    std::copy(b.begin(), b.end(), o.config.routerId.begin());
  }
  if (auto a = p.last("prefsrc")) {
    auto addr = kernel::parseAnyAddress(*a);
    if (!addr.ok()) return addr.error().wrap("--prefsrc");
    (kernel::isV4(*addr) ? o.driver.prefsrc4 : o.driver.prefsrc6) = *addr;
  }
  return {};
}

Result<BabelOptions> parseOptions(const cli::Parsed& p) {
  BabelOptions o;
  o.interfaces = p.all("interface");
  for (const auto& i : o.interfaces)
    if (i.empty() || i.size() >= 16 || i.find('/') != std::string::npos)
      return makeError(Code::kInvalid, "bad interface name '" + i + "'");
  std::string type = p.last("type").value_or("wired");
  o.type = type == "tunnel" ? babel::IfType::kTunnel
           : type == "wireless" ? babel::IfType::kWireless : babel::IfType::kWired;
  RE6ST_TRY(parseRouting(p, o));
  int table = p.lastInt("table").value_or(254);
  if (table <= 0) return makeError(Code::kInvalid, "--table: want a positive number");
  o.driver.table = static_cast<uint32_t>(table);
  o.dumpPath = p.last("dump_json").value_or("");
  o.verbose = p.lastInt("verbose").value_or(1);
  o.logPath = p.last("log").value_or("");
  return o;
}

// Without --prefsrc: a local address inside a redistributed prefix (the node address
// on lo, for a re6st node), per family.
void choosePrefsrc(kernel::Routes& k, BabelOptions& o) {
  for (bool v4 : {false, true}) {
    auto& slot = v4 ? o.driver.prefsrc4 : o.driver.prefsrc6;
    if (slot) continue;
    auto addrs = k.listAddresses(v4);
    if (!addrs.ok()) continue;
    for (const auto& a : *addrs)
      for (const auto& x : o.config.redistribute)
        if (x.dst.len && !a.tentative && x.dst.contains(a.prefix.addr) && !slot) slot = a.prefix.addr;
    if (slot) LOG_INFO("babel: preferred source " + kernel::formatAddress(*slot));
  }
}

void writeDump(const babel::Router& router, const babel::Driver& driver, const std::string& path) {
  nlohmann::json j = router.dump();
  nlohmann::json ifs = nlohmann::json::array();
  for (const auto& i : driver.interfaces())
    ifs.push_back({{"name", i.name}, {"ifindex", i.ifindex}, {"active", i.active},
                   {"link_local", i.linkLocal ? formatIpv6(*i.linkLocal) : ""}});
  j["interfaces"] = ifs;
  j["installed"] = driver.installedRoutes();
  j["kernel_errors"] = driver.kernelErrors();
  if (path.empty()) {
    LOG_INFO("babel: dump " + j.dump());
    return;
  }
  // Atomic: a reader never sees half a dump.
  if (auto st = crypto::writeFileAtomic(path, j.dump(1) + "\n", 0644); !st.ok())
    LOG_WARNING("babel: " + st.error().message);
}

int runRouter(BabelOptions o) {
  auto k = kernel::openLinuxRoutes();
  if (!k.ok()) {
    LOG_ERROR("babel: " + k.error().message);
    return 1;
  }
  choosePrefsrc(**k, o);
  crypto::Csprng rng;
  if (o.config.routerId == babel::RouterId{}) rng.fill(o.config.routerId);
  o.config.seqno = static_cast<uint16_t>(rng.next64());
  babel::Router router(o.config, rng);
  loop::Loop loop;
  babel::Driver driver(loop, router, **k, o.driver);
  for (const auto& i : o.interfaces) driver.addInterface(i, o.type);
  if (auto st = driver.start(); !st.ok()) {
    LOG_ERROR(st.error().message);
    return 1;
  }
  LOG_INFO("babel: router " + toHex(o.config.routerId) + " started");
  loop::Signal term(loop), intr(loop), usr1(loop), usr2(loop);
  auto quit = [&](int sig) {
    LOG_INFO("babel: signal " + std::to_string(sig) + ", exiting");
    loop.stop();
  };
  (void)term.start(SIGTERM, quit);
  (void)intr.start(SIGINT, quit);
  (void)usr1.start(SIGUSR1, [&](int) { writeDump(router, driver, o.dumpPath); });
  (void)usr2.start(SIGUSR2, [&](int) { log::reopen(); });
  loop.run();
  driver.stop();
  LOG_INFO("babel: routes flushed, bye");
  return 0;
}

}  // namespace

int runBabel(const Args& args, Io& io) {
  auto parsed = cli::parseArgs(babelSpec(), args);
  if (!parsed.ok()) {
    io.err << "re6st babel: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed->help) {
    io.out << cli::helpText(babelSpec());
    return 0;
  }
  auto o = parseOptions(*parsed);
  if (!o.ok()) {
    io.err << "re6st babel: " << o.error().message << "\n";
    return 2;
  }
  log::setup(o->verbose, o->logPath);
  try {
    return runRouter(std::move(*o));
  } catch (const std::exception& e) {
    io.err << "re6st babel: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace re6st::cmd
