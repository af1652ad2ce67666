// Pieces of `re6st node` kept apart from its main loop: the UPnP client wiring (--ip
// upnp, or no --ip) and re6stnet's --test EXPR.
#pragma once

#include <memory>
#include <string>

#include "re6st/cli/node_options.h"
#include "re6st/loop/loop.h"
#include "re6st/node/node.h"
#include "subcommands/subcommand.h"

namespace re6st::cmd {

// Starts the UPnP port mapping when the node wants it; the handle removes the mappings
// when destroyed. Results go to Node::upnpMapped / upnpFailed.
std::shared_ptr<void> startUpnp(loop::Loop& loop, node::Node& node);

// --test EXPR: re6stnet evaluates a Python expression over its options and exits with
// it. Supported: NAME, not NAME, NAME == 'text', NAME != 'text' (NAME: an option's
// dest, e.g. gateway, ip, max_clients). Exit status as Python's sys.exit.
int runTestExpression(const cli::NodeOptions& o, const std::string& expr, Io& io);

}  // namespace re6st::cmd
