// re6st-registry's option table (re6st/cli/registry.py main) and its post-parse checks.
#include "re6st/cli/registry_options.h"

#include <arpa/inet.h>

#include <algorithm>
#include <climits>

namespace re6st::cli {

namespace {

std::vector<OptionSpec> serverOptions() {
  return {
      {.long_name = "port",
       .type = Type::kInt,
       .help = "Port on which the server will listen.",
       .default_text = "80"},
      {.short_name = '4',
       .key = "bind4",
       .help = "Bind server to this IPv4.",
       .default_text = "0.0.0.0"},
      {.short_name = '6',
       .key = "bind6",
       .help = "Bind server to this IPv6.",
       .default_text = "::"},
      {.long_name = "db",
       .help = "Path to SQLite database file. It is automatically "
               "initialized if the file does not exist.",
       .default_text = "/var/lib/re6stnet/registry.db"},
      {.long_name = "dh",
       .help = "File containing Diffie-Hellman parameters in .pem format "
               "(served to nodes by getDh)."},
      {.long_name = "ca",
       .help = "Certificate authority (CA) file in .pem format. Serial "
               "number defines the prefix of the network.",
       .required = true},
      {.long_name = "key", .help = "CA private key in .pem format.", .required = true},
  };
}

std::vector<OptionSpec> mailOptions() {
  return {
      {.long_name = "mailhost",
       .help = "SMTP host (HOST[:PORT]) to send confirmation emails. "
               "For debugging purpose, it can also be an absolute or "
               "existing path to a mailbox file"},
      {.long_name = "smtp-user", .help = "SMTP user."},
      {.long_name = "smtp-pwd", .help = "SMTP password."},
      {.long_name = "smtp-starttls", .kind = Kind::kFlag, .help = "Use STARTTLS with SMTP."},
      {.long_name = "prefix-length",
       .type = Type::kInt,
       .help = "Default length of allocated prefixes. If 0, registration by email is disabled.",
       .default_text = "16"},
      {.long_name = "anonymous-prefix-length",
       .type = Type::kInt,
       .help = "Length of allocated anonymous prefixes. If 0 or unset, anonymous registration is "
               "disabled."},
      {.long_name = "ipv4",
       .nargs = 2,
       .metavar = "IP/N PLEN",
       .help = "Enable ipv4. Each node is assigned a subnet of length PLEN inside network IP/N."},
      {.long_name = "logfile",
       .short_name = 'l',
       .help = "Path to logging file.",
       .default_text = "/var/log/re6stnet/registry.log"},
      {.long_name = "run",
       .short_name = 'r',
       .help = "Path to re6stnet runtime directory.",
       .default_text = "/var/run/re6stnet"},
      {.long_name = "verbose",
       .short_name = 'v',
       .type = Type::kInt,
       .help = "Log level. 0 disables logging. 1=WARNING, 2=INFO, 3=DEBUG, 4=TRACE. Use SIGUSR1 to "
               "reopen log.",
       .default_text = "1"},
      {.long_name = "min-protocol",
       .type = Type::kInt,
       .help = "Reject nodes that are too old. Current is " + std::to_string(kProtocol) + ".",
       .default_text = std::to_string(kMinProtocol)},
      {.long_name = "authorized-origin",
       .kind = Kind::kAppend,
       .help = "Authorized IPs to access origin-restricted RPC.",
       .default_text = "127.0.0.1 ::1"},
      {.long_name = "community",
       .help = "File containing community configuration. This file cannot be empty and must "
               "contain the default location ('*')."},
      {.long_name = "grace-period",
       .type = Type::kInt,
       .help = "Period in seconds during which a client can renew its certificate even if expired.",
       .default_text = "8640000"},
  };
}

std::vector<OptionSpec> networkOptions() {
  const std::string r = "routing", t = "tunnelling";
  return {
      {.long_name = "hello",
       .type = Type::kInt,
       .help = "Hello interval in seconds, for both wired and wireless connections. Tunnels time "
               "out after 4 times the hello interval.",
       .default_text = "15",
       .group = r},
      {.long_name = "encrypt",
       .kind = Kind::kFlag,
       .help = "Specify that tunnels should be encrypted.",
       .group = t},
      {.long_name = "client-count",
       .type = Type::kInt,
       .help = "Number of client tunnels to set up.",
       .default_text = "10",
       .group = t},
      {.long_name = "max-clients",
       .type = Type::kInt,
       .help = "Maximum number of accepted clients per server. (default: client-count * 2, which "
               "actually represents the average number of tunnels to other peers)",
       .group = t},
      {.long_name = "tunnel-refresh",
       .type = Type::kInt,
       .help = "Interval in seconds between two tunnel refresh: the worst tunnel is closed if the "
               "number of client tunnels has reached its maximum number (client-count).",
       .default_text = "300",
       .group = t},
      {.long_name = "same-country",
       .kind = Kind::kAppend,
       .metavar = "CODE",
       .help = "Do not tunnel through countries other than the given one (nodes of that country "
               "only make tunnels between themselves).",
       .group = t},
  };
}

CommandSpec makeSpec() {
  CommandSpec s;
  s.prog = "re6st registry";
  s.description = "re6stnet registry used to bootstrap nodes and deliver certificates.";
  for (auto* part : {serverOptions, mailOptions, networkOptions})
    for (auto& o : part()) s.options.push_back(std::move(o));
  return s;
}

// --ipv4 IP/N PLEN: a dotted quad, 0 ≤ N ≤ 32 and an integer PLEN, normalised.
Status parseIpv4(const Parsed& p, RegistryOptions& o) {
  const auto* occ = p.occurrences("ipv4");
  if (!occ || occ->empty()) return {};
  const Occurrence& x = occ->back();
  std::string where = x.origin.empty() ? "" : x.origin + ": ";
  Error bad = makeError(
      Code::kInvalid, where + "invalid argument --ipv4 '" + x.values[0] + " " + x.values[1] + "'");
  const std::string& net = x.values[0];
  size_t slash = net.find('/');
  if (slash == std::string::npos) return bad;
  in_addr a{};
  if (inet_pton(AF_INET, net.substr(0, slash).c_str(), &a) != 1) return bad;
  auto n = parseIntValue(net.substr(slash + 1));
  auto plen = parseIntValue(x.values[1]);
  if (!n || *n < 0 || *n > 32 || !plen || *plen < 0 || *plen > 32) return bad;
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  o.ipv4 = Ipv4Option{std::string(buf) + "/" + std::to_string(*n), *plen};
  return {};
}

}  // namespace

const CommandSpec& registryCommandSpec() {
  static const CommandSpec spec = makeSpec();
  return spec;
}

Result<RegistryOptions> parseRegistryOptions(const std::vector<std::string>& args,
                                             const FileReader& reader) {
  auto parsed = parseArgs(registryCommandSpec(), args, reader);
  if (!parsed.ok()) return parsed.error();
  const Parsed& p = parsed.value();
  RegistryOptions o;
  o.help = p.help;
  if (o.help) return o;
  o.port = p.lastInt("port").value_or(o.port);
  o.bind4 = p.last("bind4").value_or(o.bind4);
  o.bind6 = p.last("bind6").value_or(o.bind6);
  o.db = p.last("db").value_or(o.db);
  o.dh = p.last("dh");
  o.ca = p.last("ca").value_or("");
  o.key = p.last("key").value_or("");
  o.mailhost = p.last("mailhost");
  o.smtp_user = p.last("smtp_user");
  o.smtp_pwd = p.last("smtp_pwd");
  o.smtp_starttls = p.has("smtp_starttls");
  o.prefix_length = p.lastInt("prefix_length").value_or(o.prefix_length);
  o.anonymous_prefix_length = p.lastInt("anonymous_prefix_length");
  RE6ST_TRY(parseIpv4(p, o));
  o.logfile = p.last("logfile").value_or(o.logfile);
  o.run = p.last("run").value_or(o.run);
  o.verbose = p.lastInt("verbose").value_or(o.verbose);
  o.min_protocol = p.lastInt("min_protocol").value_or(o.min_protocol);
  for (const auto& a : p.all("authorized_origin")) o.authorized_origin.push_back(a);
  o.community = p.last("community");
  o.grace_period = p.lastInt("grace_period").value_or(o.grace_period);
  o.hello = p.lastInt("hello").value_or(o.hello);
  o.encrypt = p.has("encrypt");
  o.client_count = p.lastInt("client_count").value_or(o.client_count);
  // 2 × client-count, without signed overflow on absurd values.
  o.max_clients = p.lastInt("max_clients")
                      .value_or(static_cast<int>(std::clamp(2LL * o.client_count,
                                                            static_cast<long long>(INT_MIN),
                                                            static_cast<long long>(INT_MAX))));
  o.tunnel_refresh = p.lastInt("tunnel_refresh").value_or(o.tunnel_refresh);
  o.same_country = p.all("same_country");
  if (o.min_protocol < kMinProtocol || o.min_protocol > kProtocol)
    return makeError(Code::kInvalid, "--min-protocol: value must between " +
                                         std::to_string(kMinProtocol) + " and " +
                                         std::to_string(kProtocol) + " (included)");
  if (o.port < 0 || o.port > 65535)
    return makeError(Code::kInvalid, "--port: invalid port " + std::to_string(o.port));
  return o;
}

}  // namespace re6st::cli
