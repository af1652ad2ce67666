// The subcommands of the multi-call binary. Each runX takes the arguments after the
// subcommand name and an Io (streams, so tests can drive it with string streams) and
// returns the process exit status. Exceptions never escape a runX.
#pragma once

#include <iostream>
#include <string>
#include <vector>

namespace re6st::cmd {

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

using Args = std::vector<std::string>;

int runCa(const Args& args, Io& io);
int runConf(const Args& args, Io& io);
int runRegistry(const Args& args, Io& io);
int runNode(const Args& args, Io& io);
int runStatus(const Args& args, Io& io);
int runBabel(const Args& args, Io& io);
int runSim(const Args& args, Io& io);
int runTunnel(const Args& args, Io& io);
int runUpnp(const Args& args, Io& io);

}  // namespace re6st::cmd
