// UPnP wiring of `re6st node`: until the UPnP client lands, a node that wants UPnP is
// told that no gateway is available (re6stnet: "assume we are not NATed").
#include "subcommands/node_extra.h"

namespace re6st::cmd {

std::shared_ptr<void> startUpnp(loop::Loop&, node::Node& node) {
  if (node.wantsUpnp()) node.upnpFailed("no UPnP client in this build");
  return nullptr;
}

}  // namespace re6st::cmd
