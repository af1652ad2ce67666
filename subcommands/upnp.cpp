// `re6st upnp` (hidden test entry point): maps --port for each --proto on the LAN's UPnP
// IGD exactly as a node with `--ip upnp` does (node::Upnp), prints one line per mapping
// ("external IP PORT PROTO INTERNAL"), keeps renewing, and deletes the mappings on
// SIGINT/SIGTERM or after --seconds. Exit 1 when no IGD maps the ports.
#include "re6st/node/upnp.h"

#include <signal.h>

#include <optional>

#include "re6st/base/log.h"
#include "re6st/cli/options.h"
#include "re6st/loop/loop.h"
#include "subcommands/subcommand.h"

namespace re6st::cmd {
namespace {

using cli::Kind;
using cli::Type;

const cli::CommandSpec& upnpSpec() {
  static const cli::CommandSpec spec = [] {
    cli::CommandSpec s;
    s.prog = "re6st upnp";
    s.description =
        "Map a local port on the UPnP Internet Gateway Device as `re6st node --ip upnp` "
        "does, print the external address and ports, renew, and remove the mappings at exit.";
    s.options = {
        {.long_name = "port",
         .type = Type::kInt,
         .metavar = "PORT",
         .help = "Local port to expose.",
         .default_text = "1194"},
        {.long_name = "proto",
         .kind = Kind::kAppend,
         .metavar = "PROTO",
         .help = "Protocol to map (repeat).",
         .default_text = "udp and tcp",
         .choices = {"udp", "tcp"}},
        {.long_name = "seconds",
         .type = Type::kInt,
         .metavar = "N",
         .help = "Remove the mappings and exit N seconds after mapping (0: at SIGINT/SIGTERM).",
         .default_text = "0"},
        {.long_name = "description",
         .metavar = "TEXT",
         .help = "Mapping description, as \"TEXT (PORT/proto)\".",
         .default_text = "re6stnet"},
        {.long_name = "lease",
         .type = Type::kInt,
         .metavar = "SECONDS",
         .help = "Lease asked for each mapping (0: permanent).",
         .default_text = "3600"},
        {.long_name = "refresh",
         .type = Type::kInt,
         .metavar = "SECONDS",
         .help = "Renewal period (also at most half the lease).",
         .default_text = "500"},
        {.long_name = "discover-delay",
         .type = Type::kInt,
         .metavar = "MS",
         .help = "SSDP wait per device type searched.",
         .default_text = "200"},
        {.long_name = "verbose",
         .short_name = 'v',
         .type = Type::kInt,
         .metavar = "N",
         .help = "Log level: 0 none, 1 warnings, 2 info, 3 debug, 4 trace.",
         .default_text = "1"},
        {.long_name = "log",
         .short_name = 'l',
         .metavar = "FILE",
         .help = "Log file (default: stderr)."},
    };
    return s;
  }();
  return spec;
}

struct UpnpCmdOptions {
  std::vector<node::UpnpRule> rules;
  int seconds = 0;
  std::string description = "re6stnet";
  node::UpnpOptions upnp;
  int verbose = 1;
  std::string logPath;
};

Result<UpnpCmdOptions> parseOptions(const cli::Parsed& p) {
  UpnpCmdOptions o;
  int port = p.lastInt("port").value_or(1194);
  if (port < 1 || port > 65535) return makeError(Code::kInvalid, "--port: want 1..65535");
  auto protos = p.all("proto");
  if (protos.empty()) protos = {"udp", "tcp"};
  for (const auto& pr : protos)
    o.rules.push_back(
        {static_cast<uint16_t>(port), pr == "tcp" ? node::UpnpProto::kTcp : node::UpnpProto::kUdp});
  o.seconds = p.lastInt("seconds").value_or(0);
  if (o.seconds < 0) return makeError(Code::kInvalid, "--seconds: want N >= 0");
  o.description = p.last("description").value_or("re6stnet");
  int lease = p.lastInt("lease").value_or(3600);
  int refresh = p.lastInt("refresh").value_or(500);
  int delay = p.lastInt("discover_delay").value_or(200);
  if (lease < 0) return makeError(Code::kInvalid, "--lease: want SECONDS >= 0");
  if (refresh < 1) return makeError(Code::kInvalid, "--refresh: want SECONDS >= 1");
  if (delay < 10 || delay > 60000)
    return makeError(Code::kInvalid, "--discover-delay: want 10..60000");
  o.upnp.leaseSeconds = static_cast<uint32_t>(lease);
  o.upnp.refresh = seconds(refresh);
  o.upnp.discoverDelay = milliseconds(delay);
  o.verbose = p.lastInt("verbose").value_or(1);
  o.logPath = p.last("log").value_or("");
  return o;
}

int runMapper(const UpnpCmdOptions& o, Io& io) {
  loop::Loop loop;
  int status = 0;
  bool everMapped = false;
  loop::Timer hold(loop);
  node::Upnp::Handlers h;
  h.onMapped = [&](const std::string& ip, const std::vector<node::UpnpMapping>& maps) {
    // --seconds counts from the first mapping (discovery alone takes 2 s).
    if (!everMapped && o.seconds > 0) hold.start(seconds(o.seconds), [&] { loop.stop(); });
    everMapped = true;
    for (const auto& m : maps)
      io.out << "external " << ip << " " << m.externalPort << " " << node::upnpProtoName(m.proto)
             << " " << m.internalPort << "\n";
    io.out << std::flush;
  };
  h.onLost = [&](const std::string& reason) {
    if (everMapped) {
      io.out << "lost " << reason << std::endl;  // the driver keeps trying
      return;
    }
    io.err << "re6st upnp: " << reason << "\n";
    status = 1;
    loop.stop();
  };
  node::Upnp upnp(loop, h, o.upnp);
  if (auto st = upnp.start(o.rules, o.description); !st.ok()) {
    io.err << "re6st upnp: " << st.error().message << "\n";
    return 1;
  }
  loop::Signal term(loop), intr(loop);
  auto quit = [&](int) { loop.stop(); };
  (void)term.start(SIGTERM, quit);
  (void)intr.start(SIGINT, quit);
  loop.run();
  upnp.stop();
  if (everMapped)
    io.out << "removed" << std::endl;
  else if (status == 0) {
    io.err << "re6st upnp: interrupted before any mapping\n";
    status = 1;
  }
  return status;
}

}  // namespace

int runUpnp(const Args& args, Io& io) {
  auto parsed = cli::parseArgs(upnpSpec(), args);
  if (!parsed.ok()) {
    io.err << "re6st upnp: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed->help) {
    io.out << cli::helpText(upnpSpec());
    return 0;
  }
  auto o = parseOptions(*parsed);
  if (!o.ok()) {
    io.err << "re6st upnp: " << o.error().message << "\n";
    return 2;
  }
  log::setup(o->verbose, o->logPath);
  try {
    return runMapper(*o, io);
  } catch (const std::exception& e) {
    io.err << "re6st upnp: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace re6st::cmd
