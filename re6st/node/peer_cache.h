// The node's peer cache, --state/cache.db, with re6stnet's schema (tables peer(prefix,
// address) and config(name, value)) so an existing cache.db is reused as is. Peers carry
// ';'-separated address lists ("ip,port,proto;…"); connection failures are remembered in
// a volatile table (not persisted), as re6stnet does. Not thread-safe; loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/random.h"
#include "re6st/base/result.h"

struct sqlite3;

namespace re6st::node {

// A config value as SQLite stores it (re6stnet writes ints, text and blobs).
using ConfigValue = std::variant<int64_t, double, std::string, Bytes>;
using ConfigMap = std::map<std::string, ConfigValue>;

struct CachedPeer {
  std::string prefix;   // CN-style prefix "bits/len" as re6stnet stores it
  std::string address;  // "ip,port,proto;ip,port,proto"
};

class PeerCache {
 public:
  // Opens (creating tables if needed) the cache at `path` (":memory:" for tests).
  // A corrupt file is renamed to path + ".bak" and a fresh cache started, as re6stnet.
  static Result<std::unique_ptr<PeerCache>> open(const std::string& path,
                                                 const std::string& myPrefix,
                                                 int maxPeers = 200);
  ~PeerCache();
  PeerCache(const PeerCache&) = delete;
  PeerCache& operator=(const PeerCache&) = delete;

  // Adds or updates a peer. Existing addresses keep their order of preference unless
  // setPreferred, in which case the new order wins. Evicts random peers (failed ones
  // first) beyond maxPeers when a new prefix arrives.
  Status addPeer(const std::string& prefix, const std::string& address,
                 bool setPreferred = false);
  Status removePeer(const std::string& prefix);
  // The address of a peer that has not failed (try == 0).
  std::optional<std::string> address(const std::string& prefix) const;
  // Peers other than ourselves whose failure mark equals `failed`, in random order.
  std::vector<CachedPeer> peers(Random& random, int failed = 0) const;
  int peerCount(int failed = 0) const;
  // Marks a peer as being tried / failed (non-zero) or usable again (0).
  void connecting(const std::string& prefix, int mark);
  void resetConnecting();

  // Our own external address list, stored under the empty prefix.
  std::optional<std::string> myAddress() const;
  Status setMyAddress(const std::string& address);  // empty deletes

  // Network configuration (as received from the registry, decoded).
  ConfigMap config() const;
  // Replaces the whole config in one transaction; returns the names that changed,
  // appeared or disappeared.
  Result<std::vector<std::string>> replaceConfig(const ConfigMap& config);

 private:
  PeerCache(sqlite3* db, std::string myPrefix, int maxPeers);
  Status exec(const std::string& sql);
  Status minimize(int size);
  sqlite3* db_;
  std::string myPrefix_;
  int maxPeers_;
};

}  // namespace re6st::node
