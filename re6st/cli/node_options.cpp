// re6stnet's option table (re6st/cli/node.py getConfig) and its post-parse checks.
#include "re6st/cli/node_options.h"

#include <algorithm>

namespace re6st::cli {

namespace {

const std::vector<std::string> kProtos{"udp", "tcp", "udp6", "tcp6"};

std::vector<OptionSpec> generalOptions() {
  return {
      {.long_name = "version",
       .short_name = 'V',
       .kind = Kind::kFlag,
       .help = "show program's version number and exit",
       .standalone = true},
      {.long_name = "ip",
       .kind = Kind::kAppend,
       .help = "IP address advertised to other nodes. Special values: 'upnp' (redirect ports when "
               "a UPnP device is found), 'any' (ask peers our IP). Default: like 'upnp' if a UPnP "
               "device answers, otherwise like 'any'"},
      {.long_name = "ipv6",
       .kind = Kind::kAppend,
       .help = "IPv6 address advertised to other nodes. If not given, ask peers our IP."},
      {.long_name = "registry",
       .metavar = "URL",
       .help = "Public HTTP URL of the registry, for bootstrapping.",
       .required = true},
      {.long_name = "log",
       .short_name = 'l',
       .help = "Path to the directory used for log files (re6stnet.log)",
       .default_text = "/var/log/re6stnet"},
      {.long_name = "run",
       .short_name = 'r',
       .help = "Path to re6stnet runtime directory",
       .default_text = "/var/run/re6stnet"},
      {.long_name = "state",
       .short_name = 's',
       .help = "Path to re6stnet state directory (cache.db: network parameters and peer addresses)",
       .default_text = "/var/lib/re6stnet"},
      {.long_name = "verbose",
       .short_name = 'v',
       .type = Type::kInt,
       .metavar = "LEVEL",
       .help = "Log level of re6stnet itself. 0 disables logging. 1=WARNING, 2=INFO, 3=DEBUG, "
               "4=TRACE. Use SIGUSR1 to reopen log.",
       .default_text = "1"},
      {.long_name = "interface",
       .short_name = 'i',
       .kind = Kind::kAppend,
       .key = "iface_list",
       .help = "Extra interface for LAN discovery. Highly recommended if there are other re6st "
               "nodes on the same network segment."},
      {.long_name = "main-interface",
       .short_name = 'I',
       .metavar = "IFACE",
       .help = "Set re6stnet IP on given interface. Any interface not used for tunnelling can be "
               "chosen.",
       .default_text = "lo"},
  };
}

std::vector<OptionSpec> commandOptions() {
  return {
      {.long_name = "up",
       .metavar = "CMD",
       .help = "Shell command to run after successful initialization."},
      {.long_name = "daemon",
       .kind = Kind::kAppend,
       .metavar = "CMD",
       .help = "Same as --up, but run in background: the command is killed at exit (TERM, then "
               "KILL 5 seconds later)."},
      {.long_name = "test",
       .metavar = "EXPR",
       .help = "Exit after configuration parsing; status code is the result of EXPR."},
      {.long_name = "console", .metavar = "SOCK", .help = "Socket path of a debugging console."},
      {.long_name = "country",
       .metavar = "CODE",
       .help = "Country code that is advertised to other nodes (default: country is resolved by "
               "the registry)"},
  };
}

std::vector<OptionSpec> routingOptions() {
  const std::string r = "routing";
  return {
      {.short_name = 'B',
       .kind = Kind::kAppend,
       .key = "babel_args",
       .metavar = "ARG",
       .help = "Extra arguments to forward to Babel.",
       .group = r},
      {.long_name = "default",
       .short_name = 'D',
       .kind = Kind::kFlag,
       .key = "default_route",
       .help = "Access internet via this network (make sure you don't already have a default "
               "route). Meaningless with --gateway.",
       .group = r},
      {.long_name = "table",
       .type = Type::kInt,
       .help = "DEPRECATED: Use --default instead of --table=0",
       .choices = {"0"},
       .group = r},
      {.long_name = "gateway",
       .kind = Kind::kFlag,
       .help = "Act as a gateway for this network (the default route will be exported).",
       .group = r},
  };
}

std::vector<OptionSpec> tunnelOptions() {
  const std::string t = "tunnelling";
  return {
      {.short_name = 'O',
       .kind = Kind::kAppend,
       .key = "openvpn_args",
       .metavar = "ARG",
       .help = "Extra arguments for tunnels (accepted for compatibility with re6stnet's "
               "OpenVPN arguments).",
       .group = t},
      {.long_name = "ovpnlog",
       .kind = Kind::kFlag,
       .help = "Tell each tunnel to log to a dedicated file.",
       .group = t},
      {.long_name = "pp",
       .kind = Kind::kAppend,
       .nargs = 2,
       .metavar = "PORT PROTO",
       .help = "Port and protocol to be announced to other peers, ordered by preference. For each "
               "protocol (udp, tcp, udp6, tcp6), start one server on the first given port. "
               "(default: --pp 1194 udp --pp 1194 tcp)",
       .group = t},
      {.long_name = "dh",
       .help = "File containing Diffie-Hellman parameters in .pem format "
               "(default: DH from registry)",
       .group = t},
      {.long_name = "ca",
       .help = "Certificate authority (CA) file in .pem format. Serial "
               "number defines the prefix of the network.",
       .required = true,
       .group = t},
      {.long_name = "cert",
       .help = "Local peer's signed certificate in .pem format. Common "
               "name defines the allocated prefix in the network.",
       .required = true,
       .group = t},
      {.long_name = "key",
       .help = "Local peer's private key in .pem format.",
       .required = true,
       .group = t},
  };
}

std::vector<OptionSpec> peerOptions() {
  const std::string t = "tunnelling";
  return {
      {.long_name = "client-count",
       .type = Type::kInt,
       .help = "Number of client tunnels to set up. (default: value from registry)",
       .group = t},
      {.long_name = "max-clients",
       .type = Type::kInt,
       .help = "Maximum number of accepted clients per server. (default: value from registry)",
       .group = t},
      {.long_name = "remote-gateway",
       .kind = Kind::kAppend,
       .key = "gw_list",
       .help = "Force each tunnel to be created through one the given gateways, in a round-robin "
               "fashion.",
       .group = t},
      {.long_name = "disable-proto",
       .kind = Kind::kAppend,
       .help = "Do never try to create tunnels using given protocols. 'none' has precedence over "
               "other options. (default: udp, udp6)",
       .choices = {"none", "udp", "tcp", "udp6", "tcp6"},
       .group = t},
      {.long_name = "client",
       .metavar = "HOST,PORT,PROTO[;...]",
       .help = "Do not run any server, but only 1 client, with specified remotes.",
       .group = t},
      {.long_name = "neighbour",
       .kind = Kind::kAppend,
       .metavar = "CN",
       .help = "List of peers that should be reachable directly, by creating tunnels if "
               "necessary.",
       .group = t},
  };
}

CommandSpec makeSpec() {
  CommandSpec s;
  s.prog = "re6st node";
  s.description = "Resilient virtual private network application (re6stnet).";
  for (auto* part : {generalOptions, commandOptions, routingOptions, tunnelOptions, peerOptions})
    for (auto& o : part()) s.options.push_back(std::move(o));
  return s;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

Status parsePp(const Parsed& p, NodeOptions& o) {
  const auto* occ = p.occurrences("pp");
  if (!occ) return {};
  for (const auto& x : *occ) {
    std::string where = x.origin.empty() ? "" : x.origin + ": ";
    auto port = parseIntValue(x.values[0]);
    if (!port || *port < 0 || *port > 65535)
      return makeError(Code::kInvalid, where + "option --pp: invalid port '" + x.values[0] + "'");
    if (!contains(kProtos, x.values[1]))
      return makeError(Code::kInvalid, where + "option --pp: invalid protocol '" + x.values[1] +
                                           "' (choose from udp, tcp, udp6, tcp6)");
    o.pp.push_back({*port, x.values[1]});
  }
  return {};
}

// re6stnet's main(): --table, --default/--gateway, disabled protocols, --pp conflicts.
Status applyRules(NodeOptions& o) {
  if (o.table) o.default_route = true;
  if (o.default_route && o.gateway)
    return makeError(Code::kInvalid, "conflicting options --default and --gateway");
  if (contains(o.disable_proto, "none")) o.disable_proto.clear();
  if (o.default_route)  // never tunnel over re6st itself
    for (const char* p : {"tcp6", "udp6"})
      if (!contains(o.disable_proto, p)) o.disable_proto.push_back(p);
  for (const auto& x : o.pp)
    if (contains(o.disable_proto, x.proto))
      return makeError(Code::kInvalid, "conflicting options --disable-proto " + x.proto +
                                           " and --pp " + std::to_string(x.port) + " " + x.proto);
  if (o.ip.size() > 1 && (contains(o.ip, "upnp") || contains(o.ip, "any")))
    return makeError(Code::kInvalid,
                     "argument --ip can be given only once with 'any' or 'upnp' value");
  return {};
}

}  // namespace

const CommandSpec& nodeCommandSpec() {
  static const CommandSpec spec = makeSpec();
  return spec;
}

Result<NodeOptions> parseNodeOptions(const std::vector<std::string>& args,
                                     const FileReader& reader) {
  auto parsed = parseArgs(nodeCommandSpec(), args, reader);
  if (!parsed.ok()) return parsed.error();
  const Parsed& p = parsed.value();
  NodeOptions o;
  o.help = p.help;
  o.version = p.has("version");
  if (o.help || o.version) return o;
  o.ip = p.all("ip");
  o.ipv6 = p.all("ipv6");
  o.registry = p.last("registry").value_or("");
  o.log = p.last("log").value_or(o.log);
  o.run = p.last("run").value_or(o.run);
  o.state = p.last("state").value_or(o.state);
  o.verbose = p.lastInt("verbose").value_or(o.verbose);
  o.iface_list = p.all("iface_list");
  o.main_interface = p.last("main_interface").value_or(o.main_interface);
  o.up = p.last("up");
  o.daemon = p.all("daemon");
  o.test = p.last("test");
  o.console = p.last("console");
  o.country = p.last("country");
  o.babel_args = p.all("babel_args");
  o.default_route = p.has("default_route");
  o.table = p.lastInt("table");
  o.gateway = p.has("gateway");
  o.openvpn_args = p.all("openvpn_args");
  o.ovpnlog = p.has("ovpnlog");
  RE6ST_TRY(parsePp(p, o));
  o.dh = p.last("dh");
  o.ca = p.last("ca").value_or("");
  o.cert = p.last("cert").value_or("");
  o.key = p.last("key").value_or("");
  o.client_count = p.lastInt("client_count");
  o.max_clients = p.lastInt("max_clients");
  o.gw_list = p.all("gw_list");
  o.disable_proto =
      p.has("disable_proto") ? p.all("disable_proto") : std::vector<std::string>{"udp", "udp6"};
  o.client = p.last("client");
  o.neighbour = p.all("neighbour");
  RE6ST_TRY(applyRules(o));
  return o;
}

std::vector<PortProto> effectivePortProtos(const NodeOptions& o) {
  if (!o.pp.empty()) return o.pp;
  std::vector<PortProto> out;
  for (const char* p : {"udp", "tcp"})
    if (!contains(o.disable_proto, p)) out.push_back({1194, p});
  return out;
}

}  // namespace re6st::cli
