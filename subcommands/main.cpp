// re6st: one binary, several programs. The program is chosen by argv[0]'s basename
// (re6stnet, re6st-registry, re6st-conf: drop-in names for re6stnet's commands) or else
// by the first argument. This file is only the table and the dispatch.
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "subcommands/subcommand.h"

namespace re6st::cmd {
namespace {

struct Subcommand {
  const char* name;
  const char* alias;  // argv[0] basename that selects it, or nullptr
  const char* summary;
  int (*run)(const Args&, Io&);
};

const Subcommand kSubcommands[] = {
    {"node", "re6stnet", "run a node of a re6st network (re6stnet)", runNode},
    {"registry", "re6st-registry", "run the network's registry (re6st-registry)", runRegistry},
    {"conf", "re6st-conf", "register this machine with a registry (re6st-conf)", runConf},
    {"ca", nullptr, "create a new network: CA key and certificate, registry config", runCa},
    {"status", nullptr, "show a running node's tunnels, neighbours, routes and peers", runStatus},
    {"babel", nullptr, "run only the Babel router (testing, small routers)", runBabel},
    {"sim", nullptr, "simulate a network of N nodes on a virtual clock", runSim},
    {"tunnel", nullptr, "bring up one tunnel without the rest of the node (testing)", runTunnel},
    {"upnp", nullptr, "map ports on the UPnP gateway without the rest of the node (testing)",
     runUpnp},
};

void usage(std::ostream& os) {
  os << "usage: re6st <subcommand> [options...]   (or: re6stnet, re6st-registry, re6st-conf)\n"
        "\nsubcommands:\n";
  for (const auto& s : kSubcommands) {
    std::string name = s.name;
    name.resize(10, ' ');
    os << "  " << name << s.summary << "\n";
  }
  os << "\n're6st <subcommand> --help' describes each one. Options may also come from\n"
        "files: '@FILE' reads one 'name value...' per line.\n";
}

}  // namespace

int dispatch(int argc, char** argv) {
  Io io{std::cin, std::cout, std::cerr};
  std::string_view self = argc > 0 ? argv[0] : "re6st";
  if (auto slash = self.rfind('/'); slash != std::string_view::npos) self = self.substr(slash + 1);
  Args rest(argv + (argc > 0 ? 1 : 0), argv + argc);

  for (const auto& s : kSubcommands)
    if (s.alias && self == s.alias) return s.run(rest, io);

  if (rest.empty()) {
    usage(io.err);
    return 2;
  }
  const std::string& first = rest[0];
  if (first == "--help" || first == "-h" || first == "help") {
    usage(io.out);
    return 0;
  }
  if (first == "--version" || first == "-V") {
    io.out << "re6st " << RE6ST_VERSION << "\n";
    return 0;
  }
  for (const auto& s : kSubcommands) {
    if (first == s.name) {
      Args args(rest.begin() + 1, rest.end());
      return s.run(args, io);
    }
  }
  io.err << "re6st: unknown subcommand '" << first << "'\n";
  usage(io.err);
  return 2;
}

}  // namespace re6st::cmd

int main(int argc, char** argv) {
  try {
    return re6st::cmd::dispatch(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "re6st: " << e.what() << "\n";
    return 1;
  }
}
