// The node's side of UPnP: re6stnet's node.py adds one Forwarder rule per IPv4 server
// (--pp PORT udp|tcp) and publishes (external IP, external port, proto) for each. This
// adapter turns the node's PortProto lists into UpnpRules and back.
#include "re6st/base/log.h"
#include "re6st/node/upnp.h"

namespace re6st::node {

std::shared_ptr<void> startNodeUpnp(
    loop::Loop& loop, const std::vector<cli::PortProto>& served,
    std::function<void(const std::string& ip, const std::vector<cli::PortProto>& mapped)> mapped,
    std::function<void(const std::string& reason)> failed, UpnpOptions opt,
    std::unique_ptr<UpnpGateway> gateway) {
  std::vector<UpnpRule> rules;
  for (const auto& pp : served) {
    if (pp.port <= 0 || pp.port > 65535) continue;
    if (pp.proto == "udp") rules.push_back({static_cast<uint16_t>(pp.port), UpnpProto::kUdp});
    if (pp.proto == "tcp") rules.push_back({static_cast<uint16_t>(pp.port), UpnpProto::kTcp});
  }
  if (rules.empty()) return nullptr;
  Upnp::Handlers h;
  h.onMapped = [mapped](const std::string& ip, const std::vector<UpnpMapping>& maps) {
    std::vector<cli::PortProto> out;
    for (const auto& m : maps) out.push_back({m.externalPort, upnpProtoName(m.proto)});
    if (mapped) mapped(ip, out);
  };
  h.onLost = failed;
  auto upnp = std::make_shared<Upnp>(loop, std::move(h), opt, std::move(gateway));
  if (auto st = upnp->start(std::move(rules), "re6stnet"); !st.ok()) {
    LOG_WARNING(st.error().message);
    if (failed) failed(st.error().message);
    return nullptr;
  }
  return upnp;
}

}  // namespace re6st::node
