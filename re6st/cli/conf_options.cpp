// re6st-conf's option table (re6st/cli/conf.py main) and its argument checks.
#include "re6st/cli/conf_options.h"

#include <cctype>

namespace re6st::cli {

namespace {

CommandSpec makeSpec() {
  CommandSpec s;
  s.prog = "re6st conf";
  s.description =
      "Setup script for re6stnet: registers this machine with a registry and "
      "writes ca.crt, cert.key, cert.crt and a sample re6stnet.conf.";
  s.options = {
      {.long_name = "fingerprint",
       .metavar = "ALG:FINGERPRINT",
       .help = "Check CA fingerprint to protect against MITM."},
      {.long_name = "registry",
       .metavar = "URL",
       .help = "HTTP URL of the server delivering certificates.",
       .required = true},
      {.long_name = "is-needed",
       .kind = Kind::kFlag,
       .help = "Exit immediately after asking the registry CA. Status code is non-zero if we're "
               "already part of the network, which means re6st is already running or we're behind "
               "a re6st router."},
      {.long_name = "ca-only",
       .kind = Kind::kFlag,
       .help = "Only fetch CA from registry and exit."},
      {.long_name = "dir",
       .short_name = 'd',
       .metavar = "DIR",
       .help = "Directory where the key and certificate will be stored."},
      {.long_name = "req",
       .short_name = 'r',
       .kind = Kind::kAppend,
       .nargs = 2,
       .metavar = "KEY VALUE",
       .help = "The registry only sets the Common Name of your certificate, which actually encodes "
               "your allocated prefix in the network. You can repeat this option to add any field "
               "you want to its subject."},
      {.long_name = "email",
       .metavar = "EMAIL",
       .help = "Email address where your token is sent. Use -r option if "
               "you want to show an email in your certificate."},
      {.long_name = "token", .metavar = "TOKEN", .help = "The token you received."},
      {.long_name = "anonymous",
       .kind = Kind::kFlag,
       .help = "Request an anonymous certificate. No email is required but the registry may "
               "deliver a longer prefix."},
      {.long_name = "location",
       .metavar = "LOCATION",
       .help = "Override the location (country code) the registry uses to choose a community."},
      {.long_name = "registry-ca",
       .metavar = "FILE",
       .help = "CA certificates to verify an https registry with (not a re6stnet option).",
       .default_text = "/etc/ssl/certs/ca-certificates.crt"},
  };
  return s;
}

Status parseFingerprint(ConfOptions& o) {
  const std::string& f = *o.fingerprint;
  size_t colon = f.find(':');
  if (colon == std::string::npos)
    return makeError(Code::kInvalid, "invalid fingerprint: expected ALG:HEX");
  o.fingerprint_alg = f.substr(0, colon);
  for (auto& c : o.fingerprint_alg)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t size = digestSize(o.fingerprint_alg);
  if (size == 0)
    return makeError(Code::kInvalid,
                     "invalid fingerprint: unsupported hash type " + o.fingerprint_alg);
  if (!fromHex(std::string_view(f).substr(colon + 1), o.fingerprint_digest))
    return makeError(Code::kInvalid, "invalid fingerprint: not hexadecimal");
  if (o.fingerprint_digest.size() != size)
    return makeError(Code::kInvalid, "invalid fingerprint: wrong size");
  return {};
}

}  // namespace

size_t digestSize(std::string_view alg) {
  struct Entry {
    const char* name;
    size_t size;
  };
  static const Entry kAlgs[] = {{"md5", 16},    {"sha1", 20},   {"sha224", 28},
                                {"sha256", 32}, {"sha384", 48}, {"sha512", 64}};
  for (const auto& e : kAlgs)
    if (alg == e.name) return e.size;
  return 0;
}

const CommandSpec& confCommandSpec() {
  static const CommandSpec spec = makeSpec();
  return spec;
}

Result<ConfOptions> parseConfOptions(const std::vector<std::string>& args,
                                     const FileReader& reader) {
  auto parsed = parseArgs(confCommandSpec(), args, reader);
  if (!parsed.ok()) return parsed.error();
  const Parsed& p = parsed.value();
  ConfOptions o;
  o.help = p.help;
  if (o.help) return o;
  o.fingerprint = p.last("fingerprint");
  o.registry = p.last("registry").value_or("");
  o.is_needed = p.has("is_needed");
  o.ca_only = p.has("ca_only");
  o.dir = p.last("dir");
  for (const auto& g : p.groups("req")) o.req.emplace_back(g[0], g[1]);
  o.email = p.last("email");
  o.token = p.last("token");
  o.anonymous = p.has("anonymous");
  o.location = p.last("location");
  o.registry_ca = p.last("registry_ca");
  if (o.fingerprint) RE6ST_TRY(parseFingerprint(o));
  if (o.anonymous && (o.email || o.token))
    return makeError(Code::kInvalid, "--anonymous conflicts with --email/--token");
  for (const auto& [k, v] : o.req)
    if (k == "CN" || k == "serial") return makeError(Code::kInvalid, k + " field is reserved.");
  return o;
}

}  // namespace re6st::cli
