// Options of `re6st node` (drop-in for re6stnet: re6st/cli/node.py), as a plain struct
// with every option under its re6stnet name, default and meaning, plus the checks
// re6stnet's main() applies right after parsing. No I/O except reading @options files.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "re6st/base/result.h"
#include "re6st/cli/options.h"

namespace re6st::cli {

struct PortProto {
  int port = 0;
  std::string proto;  // udp, tcp, udp6, tcp6
};

struct NodeOptions {
  bool help = false;
  bool version = false;  // -V/--version

  std::vector<std::string> ip;              // --ip (repeatable; special values upnp, any)
  std::vector<std::string> ipv6;            // --ipv6 (repeatable)
  std::string registry;                     // --registry URL (required)
  std::string log = "/var/log/re6stnet";    // -l/--log directory
  std::string run = "/var/run/re6stnet";    // -r/--run directory
  std::string state = "/var/lib/re6stnet";  // -s/--state directory
  int verbose = 1;                          // -v/--verbose LEVEL
  std::vector<std::string> iface_list;      // -i/--interface (repeatable)
  std::string main_interface = "lo";        // -I/--main-interface
  std::optional<std::string> up;            // --up CMD
  std::vector<std::string> daemon;          // --daemon CMD (repeatable)
  std::optional<std::string> test;          // --test EXPR
  std::optional<std::string> console;       // --console SOCK
  std::optional<std::string> country;       // --country CODE

  // routing
  std::vector<std::string> babel_args;  // -B ARG (repeatable)
  bool default_route = false;           // -D/--default (also set by --table 0)
  std::optional<int> table;             // --table 0 (deprecated)
  bool gateway = false;                 // --gateway

  // tunnelling
  std::vector<std::string> openvpn_args;  // -O ARG (repeatable)
  bool ovpnlog = false;                   // --ovpnlog
  std::vector<PortProto> pp;              // --pp PORT PROTO (repeatable); empty = default
  std::optional<std::string> dh;          // --dh FILE
  std::string ca, cert, key;              // --ca, --cert, --key (required)
  std::optional<int> client_count;        // --client-count (default: from registry)
  std::optional<int> max_clients;         // --max-clients (default: from registry)
  std::vector<std::string> gw_list;       // --remote-gateway (repeatable)
  // --disable-proto (repeatable). Effective list after re6stnet's rules: default
  // udp, udp6; "none" → empty; --default adds udp6 and tcp6.
  std::vector<std::string> disable_proto;
  std::optional<std::string> client;   // --client HOST,PORT,PROTO[;...]
  std::vector<std::string> neighbour;  // --neighbour CN (repeatable)
};

const CommandSpec& nodeCommandSpec();
// Parses and applies re6stnet's post-parse rules (conflicts --default/--gateway,
// --pp vs --disable-proto, --ip any/upnp given more than once).
Result<NodeOptions> parseNodeOptions(const std::vector<std::string>& args,
                                     const FileReader& reader = readFileFromDisk);

// The ports and protocols the node serves: --pp, or 1194 udp and 1194 tcp minus the
// disabled protocols (re6stnet's default).
std::vector<PortProto> effectivePortProtos(const NodeOptions& o);

}  // namespace re6st::cli
