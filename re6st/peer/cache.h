// The peer cache as the tunnel manager sees it (re6stnet's cache.py, tables peer and
// volatile.stat): known peers with their address lists, and which ones failed lately.
// PeerCache is the interface (SQLite in the node, memory in tests and the simulator);
// MemoryPeerCache is the in-memory one. No I/O; single-threaded.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "re6st/base/random.h"

namespace re6st::peer {

struct CachedPeer {
  std::string prefix;   // bit string
  std::string address;  // "ip,port,proto[,country];..." (peer protocol code 1 format)
};

class PeerCache {
 public:
  virtual ~PeerCache() = default;
  // Records an address list (and clears the failure mark). With preferred, the entries of
  // `address` move to the front of the stored list; otherwise the new list is ordered like
  // the stored one (cache.py addPeer).
  virtual void addPeer(const std::string& prefix, const std::string& address,
                       bool preferred = false) = 0;
  // The address list of a peer not marked as failed.
  virtual std::optional<std::string> getAddress(const std::string& prefix) const = 0;
  // Marks (failed=true) or clears the failure mark (cache.py connecting).
  virtual void connecting(const std::string& prefix, bool failed) = 0;
  // Peers with the given failure mark, in random order, never our own prefix.
  virtual std::vector<CachedPeer> peerList(bool failed) = 0;
  virtual size_t size() const = 0;
};

class MemoryPeerCache final : public PeerCache {
 public:
  // ourPrefix is never returned; at most maxSize peers are kept (re6stnet: 200).
  MemoryPeerCache(std::string ourPrefix, Random& random, size_t maxSize = 200);
  void addPeer(const std::string& prefix, const std::string& address,
               bool preferred = false) override;
  std::optional<std::string> getAddress(const std::string& prefix) const override;
  void connecting(const std::string& prefix, bool failed) override;
  std::vector<CachedPeer> peerList(bool failed) override;
  size_t size() const override { return peers_.size(); }
  bool failed(const std::string& prefix) const;

 private:
  struct Entry {
    std::string address;
    bool failed = false;
  };
  void minimize(size_t size);
  std::string ours_;
  Random& random_;
  size_t maxSize_;
  std::map<std::string, Entry> peers_;
};

// Orders the ';'-separated entries of `address` by their position in `reference`
// (unknown entries last, stable): the ordering rule of cache.py addPeer.
std::string orderAddresses(const std::string& address, const std::string& reference);

}  // namespace re6st::peer
