// `re6st node` (= re6stnet). Options are parsed and checked with re6stnet's full table
// (so `--help`, options files and errors already behave like re6stnet); running the node
// itself is the next step of issue 6: until then it says so and exits 1.
#include "re6st/cli/node_options.h"
#include "subcommands/subcommand.h"

namespace re6st::cmd {

int runNode(const Args& args, Io& io) {
  auto parsed = cli::parseNodeOptions(args);
  if (!parsed) {
    io.err << "re6st node: error: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed->help) {
    io.out << cli::helpText(cli::nodeCommandSpec());
    return 0;
  }
  io.err << "re6st node: running a node is not available in this build yet "
            "(options are valid)\n";
  return 1;
}

}  // namespace re6st::cmd
