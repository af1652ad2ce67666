// Placeholder until the option layer lands; replaced by the real subcommand.
#include "subcommands/subcommand.h"

namespace re6st::cmd {

int runBabel(const Args&, Io& io) {
  io.err << "re6st babel: not available in this build yet\n";
  return 1;
}

}  // namespace re6st::cmd
