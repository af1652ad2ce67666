// Registry ↔ node conversations (see node_query.h). Each rule cites registry.py.
#include "re6st/registry/node_query.h"

#include <algorithm>

#include "re6st/base/prefix.h"
#include "re6st/registry/netconfig.h"

namespace re6st::registry {

Bytes encodeNodeMessage(const NodeMessage& m) {
  // registry.py sendto: "%s\0%c" % (prefix, code).
  Bytes out = toBytes(m.prefix);
  out.push_back(0);
  out.push_back(m.code);
  return out;
}

std::optional<NodeAnswer> parseNodeAnswer(ByteSpan datagram) {
  // registry.py recv: split at the first NUL, int(prefix, 2) must parse, a code byte
  // must follow. An empty prefix is refused too (int('', 2) fails).
  std::string s = asString(datagram);
  size_t nul = s.find('\0');
  if (nul == std::string::npos || nul == 0 || nul > 128 || nul + 1 >= s.size()) return std::nullopt;
  NodeAnswer a{s.substr(0, nul), uint8_t(s[nul + 1]), s.substr(nul + 2)};
  if (!isBitString(a.prefix)) return std::nullopt;
  return a;
}

std::vector<std::string> routedPrefixes(const nlohmann::json& status, const std::string& network) {
  std::set<std::string> out;
  if (!status.is_object() || !status.contains("routes") || !status["routes"].is_array()) return {};
  auto text = [](const nlohmann::json& o, const char* k) {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const auto& r : status["routes"]) {
    if (!r.is_object()) continue;
    if (auto s = r.find("selected"); s != r.end() && s->is_boolean() && !s->get<bool>()) continue;
    if (text(r, "via").empty() && text(r, "nexthop").empty()) continue;  // our own prefix
    auto p = parsePrefix(text(r, "prefix"));
    if (!p) continue;
    // ctl.py handle_dump: routes inside the network give the node prefix ip[a:plen];
    // the network's own route and anything outside it name no node.
    std::string bits = p->bits();
    if (bits.size() <= network.size() || bits.compare(0, network.size(), network) != 0) continue;
    out.insert(bits.substr(network.size()));
  }
  return {out.begin(), out.end()};
}

void BootstrapPeers::refill(int64_t now_s, std::vector<std::string> routed,
                            const std::string& registry, Random& random) {
  peers_ = std::move(routed);
  peers_.push_back(registry);
  // random.shuffle (Fisher–Yates with the injected generator).
  for (size_t i = peers_.size(); i > 1; --i) std::swap(peers_[i - 1], peers_[random.next64() % i]);
  until_ = now_s + kLifetime;
}

std::string BootstrapPeers::pick(const std::string& cn, const std::string& registry) {
  if (peers_.empty()) return registry;
  std::string peer = peers_.back();
  peers_.pop_back();
  // "Very unlikely (e.g. peer restarted with empty cache)": give the registry node.
  return peer == cn ? registry : peer;
}

NodeQuery::NodeQuery(Kind kind, std::vector<std::string> targets)
    : kind_(kind),
      code_(kind == kAddress    ? kCodeAddress
            : kind == kVersions ? kCodeVersion
                                : kCodeTopology),
      targets_(std::move(targets)) {}

std::vector<NodeMessage> NodeQuery::start() {
  started_ = true;
  std::vector<NodeMessage> out;
  for (const auto& t : targets_) {
    if (!asked_.insert(t).second) continue;
    waiting_.insert(t);
    if (kind_ == kVersions) versions_[t] = std::nullopt;  // null until it answers
    out.push_back({t, code_});
  }
  return out;
}

NodeQuery::Step NodeQuery::onAnswer(const NodeAnswer& a) {
  Step step;
  if (!started_ || a.code != code_ || !waiting_.count(a.prefix)) return step;
  step.accepted = true;
  waiting_.erase(a.prefix);
  switch (kind_) {
    case kAddress:
      address_ = a.payload;
      break;
    case kVersions:
      versions_[a.prefix] = a.payload;
      break;
    case kTopology:
      step.send = addTopology(cnFromBits(a.prefix), a.payload);
      break;
  }
  return step;
}

// registry.py topology: "N cn cn ...": the first N are the node's tunnels (edges from
// it), the rest its incoming peers (edges to it). An answer naming its sender, or with
// N larger than the list, is ignored. Every CN not seen yet is asked in turn.
std::vector<NodeMessage> NodeQuery::addTopology(const std::string& from,
                                                const std::string& payload) {
  std::vector<std::string> words;
  for (size_t pos = 0;;) {
    size_t b = payload.find_first_not_of(" \t\n\r\v\f", pos);
    if (b == std::string::npos) break;
    size_t e = payload.find_first_of(" \t\n\r\v\f", b);
    words.push_back(payload.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    pos = e;
  }
  if (words.empty() || words[0].empty() || words[0].size() > 6 ||
      words[0].find_first_not_of("0123456789") != std::string::npos)
    return {};
  size_t n = size_t(std::stoul(words[0]));
  words.erase(words.begin());
  if (n > words.size() || std::find(words.begin(), words.end(), from) != words.end()) return {};
  std::vector<NodeMessage> next;
  for (size_t i = 0; i < words.size(); ++i) {
    auto bits = bitsFromCn(words[i]);
    if (!bits) continue;  // not a CN: nothing to ask, no edge (Python would ask anyway)
    const std::string cn = cnFromBits(*bits);
    if (i < n)
      graph_[from].insert(cn);
    else
      graph_[cn].insert(from);
    if (asked_.insert(*bits).second) {
      waiting_.insert(*bits);
      next.push_back({*bits, code_});
    }
  }
  graph_[from];
  graph_[""].insert(from);
  return next;
}

std::string NodeQuery::resultJson() const {
  JsonItems items;
  if (kind_ == kVersions) {
    for (const auto& [k, v] : versions_) items.push_back({k, v ? jsonString(*v) : "null"});
  } else {
    for (const auto& [k, s] : graph_) {
      std::string list = "[";
      for (const auto& x : s) list += (list.size() > 1 ? ", " : "") + jsonString(x);
      items.push_back({k, list + "]"});
    }
  }
  return jsonObject(items, false);
}

}  // namespace re6st::registry
