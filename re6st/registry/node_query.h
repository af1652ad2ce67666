// The registry's conversations with its own node (REGISTRY-PROTOCOL.md §12; re6stnet
// registry.py getBootstrapPeer, getIPv4Information, versions, topology) as sans-I/O
// pieces: the node's routes in, "<prefix>\0<code>" queries out, answers in, a result
// out. No socket, clock or randomness of its own; the driver (service.cpp) runs the UDP
// link to [::1]:326, the control socket and the 3-second silences. Single thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/random.h"

namespace re6st::registry {

// Codes of the registry ↔ node datagrams (re6stnet tunnel.py).
inline constexpr uint8_t kCodeNewVersion = 0, kCodeAddress = 1, kCodeVersion = 4, kCodeTopology = 5;

// "<prefix bits>\0<code>" to the node, and "<prefix bits>\0<code><payload>" back.
struct NodeMessage {
  std::string prefix;
  uint8_t code = 0;
};
struct NodeAnswer {
  std::string prefix;
  uint8_t code = 0;
  std::string payload;
};
Bytes encodeNodeMessage(const NodeMessage& m);
// Refuses anything but a bit string (≤ 128 bits), NUL, a code byte (registry.py recv).
std::optional<NodeAnswer> parseNodeAnswer(ByteSpan datagram);

// Node prefixes (bits after the network's) that the registry node routes through a Babel
// neighbour, from its control socket's "status" answer: "routes" items with "prefix"
// (CIDR text) and a non-empty "via" or "nexthop"; items marked "selected": false are
// alternatives, not routes (ctl.py keeps installed routes only). Sorted, unique.
std::vector<std::string> routedPrefixes(const nlohmann::json& status, const std::string& network);

// getBootstrapPeer's candidates (registry.py): the routed prefixes plus the registry's,
// shuffled, kept 60 s, one taken per request; the caller itself is never returned
// unless nothing else is left (then the registry node is).
class BootstrapPeers {
 public:
  static constexpr int64_t kLifetime = 60;
  bool stale(int64_t now_s) const { return peers_.empty() || now_s > until_; }
  void refill(int64_t now_s, std::vector<std::string> routed, const std::string& registry,
              Random& random);
  std::string pick(const std::string& cn, const std::string& registry);

 private:
  std::vector<std::string> peers_;
  int64_t until_ = 0;
};

// One conversation. kAddress: a code-1 query to one prefix, done at its answer.
// kVersions: code 4 to every prefix given, done when all answered. kTopology: code 5
// walk from the registry node through the prefixes each answer names, done when nothing
// is left to ask. The driver ends any of them after 3 s without an accepted answer.
class NodeQuery {
 public:
  enum Kind { kAddress, kVersions, kTopology };
  // kAddress: targets = {peer}; kVersions: every prefix to ask; kTopology: {registry}.
  NodeQuery(Kind kind, std::vector<std::string> targets);

  std::vector<NodeMessage> start();
  struct Step {
    bool accepted = false;          // the answer belonged to this conversation
    std::vector<NodeMessage> send;  // further queries (topology)
  };
  Step onAnswer(const NodeAnswer& a);
  bool done() const { return started_ && waiting_.empty(); }

  // kAddress: the peer's address list, if it answered.
  const std::optional<std::string>& address() const { return address_; }
  // kVersions: {"bits": "version, platform" | null}; kTopology: {"a/l": ["a/l", ...],
  // "": [every node that answered]} (registry.py topology). Python json.dumps layout.
  std::string resultJson() const;

 private:
  std::vector<NodeMessage> addTopology(const std::string& from, const std::string& payload);

  Kind kind_;
  uint8_t code_;
  std::vector<std::string> targets_;
  bool started_ = false;
  std::set<std::string> waiting_;  // prefixes asked and not answered yet
  std::set<std::string> asked_;    // topology: never ask one node twice
  std::optional<std::string> address_;
  std::map<std::string, std::optional<std::string>> versions_;
  std::map<std::string, std::set<std::string>> graph_;  // by CN
};

}  // namespace re6st::registry
