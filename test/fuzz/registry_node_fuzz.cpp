// Fuzz target: what the registry reads from its local node (REGISTRY-PROTOCOL.md §12):
// UDP answers "<bits>\0<code><payload>" fed to the address/versions/topology
// conversations, and control-socket answers (JSON) read for routed prefixes.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "re6st/registry/node_query.h"

using namespace re6st;
using namespace re6st::registry;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string reg = "00000000000000000000";
  NodeQuery topo(NodeQuery::kTopology, {reg}), vers(NodeQuery::kVersions, {reg, "01"}),
      addr(NodeQuery::kAddress, {reg});
  topo.start();
  vers.start();
  addr.start();
  // Several datagrams separated by '|', each answering as the registry node or, after
  // the first, as whatever prefix it names (a topology walk through hostile nodes).
  std::string in(reinterpret_cast<const char*>(data), size);
  for (size_t pos = 0; pos <= in.size();) {
    size_t end = in.find('|', pos);
    if (end == std::string::npos) end = in.size();
    std::string d = in.substr(pos, end - pos);
    if (auto a = parseNodeAnswer(asBytes(d))) {
      for (auto* q : {&topo, &vers, &addr}) (void)q->onAnswer(*a);
      NodeAnswer as_reg{reg, a->code, a->payload};
      for (auto* q : {&topo, &vers, &addr}) (void)q->onAnswer(as_reg);
    }
    pos = end + 1;
  }
  (void)topo.resultJson();
  (void)vers.resultJson();
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_discarded())
    (void)routedPrefixes(j, "001000000000000100001101101110000000000001000010");
  return 0;
}
