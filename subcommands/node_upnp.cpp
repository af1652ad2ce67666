// UPnP wiring of `re6st node` (re6stnet's --ip upnp, and the default when no --ip is
// given): the IGD maps our IPv4 tunnel servers; the external address and ports become
// our address list; no IGD → re6stnet's "assume we are not NATed".
#include "re6st/node/upnp.h"
#include "subcommands/node_extra.h"

namespace re6st::cmd {

std::shared_ptr<void> startUpnp(loop::Loop& loop, node::Node& node) {
  if (!node.wantsUpnp()) return nullptr;
  auto served = node.ipv4Served();
  auto handle = node::startNodeUpnp(
      loop, served,
      [&node](const std::string& ip, const std::vector<cli::PortProto>& mapped) {
        node.upnpMapped(ip, mapped);
      },
      [&node](const std::string& reason) { node.upnpFailed(reason); });
  if (!handle) node.upnpFailed("no IPv4 server port to map");
  return handle;
}

}  // namespace re6st::cmd
