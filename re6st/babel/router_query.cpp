// The Babel router core, read-only queries: neighbours, routes per neighbour, reachable
// prefixes, and the JSON dump used by `re6st babel` and the node's control socket.
#include <nlohmann/json.hpp>

#include "re6st/babel/router_state.h"

namespace re6st::babel {
namespace {

std::string ridText(const RouterId& id) {
  // babeld prints router-ids as four colon-separated groups of 16 bits.
  std::string out;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i && i % 2 == 0) out += ':';
    out += toHex(ByteSpan(&id[i], 1));
  }
  return out;
}

}  // namespace

std::vector<NeighbourInfo> Router::neighbours() const {
  std::vector<NeighbourInfo> out;
  for (const auto& [key, n] : s_->neighbours) {
    NeighbourInfo i;
    i.address = n.address;
    i.ifindex = n.ifindex;
    i.cost = n.cost;
    i.txcost = n.txcost;
    auto ifc = s_->ifaces.find(n.ifindex);
    // Queries take no time argument: rxcost is judged at the last Hello's time.
    if (ifc != s_->ifaces.end()) i.rxcost = rxcost(n, ifc->second.link, n.helloTime);
    i.rtt = n.rtt;
    i.rttValid = n.rttValid;
    out.push_back(i);
  }
  return out;
}

std::vector<Prefix> Router::routesVia(const Ipv6& neighbour, int ifindex) const {
  std::vector<Prefix> out;
  for (const auto& [key, d] : s_->routes) {
    if (d.selected < 0) continue;
    const Route& r = d.routes[size_t(d.selected)];
    if (r.neighbour->address == neighbour && r.neighbour->ifindex == ifindex) {
      out.push_back(key.first);
    }
  }
  return out;
}

std::vector<Prefix> Router::reachablePrefixes() const {
  std::vector<Prefix> out;
  for (const auto& [key, x] : s_->xroutes) out.push_back(key.first);
  for (const auto& [key, d] : s_->routes) {
    if (d.selected >= 0 && !s_->xroutes.count(key)) out.push_back(key.first);
  }
  return out;
}

std::vector<RouteInfo> Router::routes() const { return s_->routeInfos(false); }
std::vector<RouteInfo> Router::selectedRoutes() const { return s_->routeInfos(true); }

std::vector<RouteInfo> RouterState::routeInfos(bool selectedOnly) const {
  std::vector<RouteInfo> out;
  for (const auto& [key, d] : routes) {
    for (size_t i = 0; i < d.routes.size(); ++i) {
      if (selectedOnly && d.selected != int(i)) continue;
      const Route& r = d.routes[i];
      RouteInfo ri;
      ri.dst = key.first;
      ri.src = key.second;
      ri.routerId = r.routerId;
      ri.seqno = r.seqno;
      ri.metric = r.metric;
      ri.nexthop = r.nexthop;
      ri.ifindex = r.neighbour->ifindex;
      ri.selected = d.selected == int(i);
      ri.feasible = sources.isFeasible({r.routerId, key.first, key.second}, r.seqno,
                                           r.refmetric);
      out.push_back(ri);
    }
  }
  return out;
}

nlohmann::json Router::dump() const {
  nlohmann::json j;
  j["routerId"] = ridText(s_->cfg.routerId);
  j["seqno"] = s_->seqno;
  j["interfaces"] = nlohmann::json::array();
  for (const auto& [idx, ifc] : s_->ifaces) {
    j["interfaces"].push_back({{"name", ifc.name}, {"ifindex", idx},
                               {"linkLocal", formatIpv6(ifc.linkLocal)},
                               {"ipv4", ifc.ipv4 ? formatIpv6(*ifc.ipv4) : ""}});
  }
  j["neighbours"] = nlohmann::json::array();
  for (const NeighbourInfo& n : neighbours()) {
    j["neighbours"].push_back({{"address", formatIpv6(n.address)}, {"ifindex", n.ifindex},
                               {"cost", n.cost}, {"rxcost", n.rxcost}, {"txcost", n.txcost},
                               {"rttMs", n.rttValid ? n.rtt.count() / 1000.0 : -1.0}});
  }
  j["routes"] = nlohmann::json::array();
  for (const RouteInfo& r : routes()) {
    j["routes"].push_back({{"prefix", r.dst.str()}, {"from", r.src.str()},
                           {"routerId", ridText(r.routerId)}, {"seqno", r.seqno},
                           {"metric", r.metric}, {"nexthop", formatIpv6(r.nexthop)},
                           {"ifindex", r.ifindex}, {"selected", r.selected},
                           {"feasible", r.feasible}});
  }
  j["xroutes"] = nlohmann::json::array();
  for (const auto& [key, x] : s_->xroutes) {
    j["xroutes"].push_back({{"prefix", x.dst.str()}, {"from", x.src.str()}, {"metric", x.metric}});
  }
  return j;
}

}  // namespace re6st::babel
