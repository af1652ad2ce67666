// The tunnel manager's view (peer::PeerCache) of the node's SQLite cache.db
// (node::PeerCache): the same operations, failures logged instead of returned.
// Loop thread only.
#pragma once

#include "re6st/base/log.h"
#include "re6st/base/random.h"
#include "re6st/node/peer_cache.h"
#include "re6st/peer/cache.h"

namespace re6st::node {

class SqlPeerCache final : public peer::PeerCache {
 public:
  SqlPeerCache(node::PeerCache& db, Random& random) : db_(db), random_(random) {}
  void addPeer(const std::string& prefix, const std::string& address, bool preferred) override {
    if (auto s = db_.addPeer(prefix, address, preferred); !s)
      LOG_WARNING("cache: " + s.error().message);
  }
  std::optional<std::string> getAddress(const std::string& prefix) const override {
    return db_.address(prefix);
  }
  void connecting(const std::string& prefix, bool failed) override {
    db_.connecting(prefix, failed ? 1 : 0);
  }
  std::vector<peer::CachedPeer> peerList(bool failed) override {
    std::vector<peer::CachedPeer> out;
    for (auto& p : db_.peers(random_, failed ? 1 : 0))
      out.push_back({std::move(p.prefix), std::move(p.address)});
    return out;
  }
  size_t size() const override { return size_t(db_.peerCount(0) + db_.peerCount(1)); }

 private:
  node::PeerCache& db_;
  Random& random_;
};

}  // namespace re6st::node
