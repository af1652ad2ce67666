// Options of `re6st registry` (drop-in for re6st-registry: re6st/cli/registry.py), every
// option with re6st-registry's name, default and meaning, and the checks its main()
// applies after parsing (--min-protocol range, --ipv4 syntax, --max-clients default).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "re6st/base/result.h"
#include "re6st/cli/options.h"

namespace re6st::cli {

// re6st protocol numbers (re6st/version.py): what we speak and the oldest we accept.
inline constexpr int kProtocol = 10;
inline constexpr int kMinProtocol = 1;

struct Ipv4Option {
  std::string network;  // "10.42.0.0/16", normalised dotted quad and integer length
  int plen = 0;         // per-node sub-length
};

struct RegistryOptions {
  bool help = false;

  int port = 80;                                     // --port
  std::string bind4 = "0.0.0.0";                     // -4 (empty = no IPv4 listener)
  std::string bind6 = "::";                          // -6 (empty = no IPv6 listener)
  std::string db = "/var/lib/re6stnet/registry.db";  // --db
  std::optional<std::string> dh;                     // --dh FILE (served by getDh)
  std::string ca;                                    // --ca (required)
  std::string key;                                   // --key (required)
  std::optional<std::string> mailhost;               // --mailhost HOST[:PORT] or mbox path
  std::optional<std::string> smtp_user;              // --smtp-user
  std::optional<std::string> smtp_pwd;               // --smtp-pwd
  bool smtp_starttls = false;                        // --smtp-starttls
  int prefix_length = 16;                            // --prefix-length (0: no email registration)
  std::optional<int> anonymous_prefix_length;        // --anonymous-prefix-length
  std::optional<Ipv4Option> ipv4;                    // --ipv4 IP/N PLEN
  std::string logfile = "/var/log/re6stnet/registry.log";          // -l/--logfile
  std::string run = "/var/run/re6stnet";                           // -r/--run
  int verbose = 1;                                                 // -v/--verbose
  int min_protocol = kMinProtocol;                                 // --min-protocol
  std::vector<std::string> authorized_origin{"127.0.0.1", "::1"};  // --authorized-origin (appends)
  std::optional<std::string> community;                            // --community FILE
  int grace_period = 8640000;             // --grace-period seconds (100 days)
  int hello = 15;                         // --hello seconds
  bool encrypt = false;                   // --encrypt
  int client_count = 10;                  // --client-count
  int max_clients = 20;                   // --max-clients (default 2 × client-count)
  int tunnel_refresh = 300;               // --tunnel-refresh seconds
  std::vector<std::string> same_country;  // --same-country CODE (repeatable)
};

const CommandSpec& registryCommandSpec();
Result<RegistryOptions> parseRegistryOptions(const std::vector<std::string>& args,
                                             const FileReader& reader = readFileFromDisk);

}  // namespace re6st::cli
