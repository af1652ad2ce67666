// The control socket's answers (`re6st status`): the node, its tunnels, Babel
// neighbours and routes, and the peer cache, in the JSON schema subcommands/status.cpp
// prints.
#include <net/if.h>

#include "re6st/node/node.h"

namespace re6st::node {
namespace {

std::string ifName(int ifindex) {
  char buf[IF_NAMESIZE] = {};
  return if_indextoname(unsigned(ifindex), buf) ? buf : std::to_string(ifindex);
}

}  // namespace

nlohmann::json Node::status() const {
  using json = nlohmann::json;
  json j;
  j["node"] = {{"prefix", cnFromBits(s_.prefix)},
               {"ip", formatIpv6(myIp_)},
               {"network", networkPrefix_.str()},
               {"version", RE6ST_VERSION},
               {"addresses", addresses_.str()}};
  json tunnels = json::array();
  for (const auto& t : transports_)
    for (const auto& info : t.t->tunnels()) {
      auto it = tunnels_.find({t.proto, info.id});
      double age = it == tunnels_.end()
                       ? 0.0
                       : std::chrono::duration<double>(loop_.now() - it->second.since).count();
      tunnels.push_back({{"peer", info.peerCn},
                         {"direction", info.role == tunnel::Role::kInitiator ? "out" : "in"},
                         {"transport", t.proto},
                         {"state", info.up ? "up" : "connecting"},
                         {"iface", info.ifname},
                         {"remote", info.remote.str()},
                         {"age", int64_t(age)},
                         {"rx_bytes", info.counters.rxBytes},
                         {"tx_bytes", info.counters.txBytes}});
    }
  j["tunnels"] = std::move(tunnels);
  json neighbours = json::array();
  if (router_)
    for (const auto& n : router_->neighbours())
      neighbours.push_back({{"address", formatIpv6(n.address)},
                            {"iface", ifName(n.ifindex)},
                            {"cost", n.cost},
                            {"rtt_ms", n.rttValid ? std::chrono::duration<double>(n.rtt).count() * 1000 : 0.0}});
  j["neighbours"] = std::move(neighbours);
  json routes = json::array();
  if (router_)
    for (const auto& r : router_->routes())
      if (r.selected)
        routes.push_back({{"prefix", kernel::formatPrefix(r.dst)},
                          {"from", r.src.len ? kernel::formatPrefix(r.src) : ""},
                          {"via", formatIpv6(r.nexthop)},
                          {"iface", ifName(r.ifindex)},
                          {"metric", r.metric}});
  j["routes"] = std::move(routes);
  json peers = json::array();
  for (int failed : {0, 1})
    for (const auto& p : s_.cache->peers(random_, failed))
      peers.push_back({{"prefix", cnFromBits(p.prefix)}, {"address", p.address}, {"failed", failed != 0}});
  j["peers"] = std::move(peers);
  if (manager_) {
    j["outgoing"] = manager_->outgoing();
    j["incoming"] = manager_->incoming();
  }
  return j;
}

nlohmann::json Node::controlRequest(const nlohmann::json& request) {
  std::string cmd = request.is_object() ? request.value("cmd", "") : "";
  if (cmd == "status") return status();
  if (cmd == "babel" && router_) return router_->dump();
  if (cmd == "topology" && manager_) return {{"topology", manager_->topology()}};
  return {{"error", "unknown command '" + cmd + "' (status, babel, topology)"}};
}

}  // namespace re6st::node
