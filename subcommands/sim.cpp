// re6st sim: N complete node cores on a virtual clock (re6st/scale), for operators who
// want to size a network: options → scenario → tables, CSV and JSON.
#include "re6st/scale/report.h"
#include "re6st/scale/scenario.h"
#include "subcommands/subcommand.h"

namespace re6st::cmd {

int runSim(const Args& args, Io& io) {
  if (scale::wantsHelp(args)) {
    io.out << scale::usage();
    return 0;
  }
  auto config = scale::parseArgs(args);
  if (!config) {
    io.err << "re6st sim: " << config.error().message << "\n";
    return 2;
  }
  const scale::Config& c = *config;
  bool table = !c.quiet && !c.json;
  if (table) {
    io.out << "re6st sim: " << c.nodes << " nodes, client-count " << c.clientCount
           << ", max-clients " << c.effectiveMaxClients() << ", hello "
           << c.hello.count() / 1e6 << " s, seed " << c.seed << "\n";
    scale::printTimelineHeader(io.out);
  }
  auto report = scale::runScenario(c, [&](const scale::Sample& s) {
    if (table) scale::printTimelineRow(io.out, s);
    io.out.flush();
  });
  if (!report) {
    io.err << "re6st sim: " << report.error().message << "\n";
    return 1;
  }
  if (c.json)
    io.out << scale::summaryJson(c, *report) << "\n";
  else
    scale::printSummary(io.out, c, *report);
  if (!c.csvDir.empty()) {
    if (auto s = scale::writeCsv(c.csvDir, c, *report); !s) {
      io.err << "re6st sim: " << s.error().message << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace re6st::cmd
