// Prefix allocation as re6st-registry does it (REGISTRY-PROTOCOL.md §7): the cert table
// is a binary tree whose leaves cover the network; allocating a /L splits the longest
// free leaf, freed leaves merge with a free sibling, communities pin subtrees to
// locations. Works on the Store inside the caller's transaction; no clock, no I/O.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "re6st/base/result.h"
#include "re6st/registry/store.h"

namespace re6st::registry {

// Community prefix bits -> locations ("FR", "@EU", "*").
using CommunityMap = std::map<std::string, std::vector<std::string>>;

// --community file: one "<prefix bits> <location>..." per line, '#' comments. Prefixes
// must be bit strings and must not contain each other. Errors name the line.
Result<CommunityMap> parseCommunities(const std::string& text, size_t max_len);

class Allocator {
 public:
  // max_len = 128 - network prefix length (the longest node prefix).
  Allocator(Store& store, size_t max_len, CommunityMap communities)
      : store_(&store), max_len_(max_len), communities_(std::move(communities)) {}

  // Startup: refuses communities strictly inside an issued prefix, makes every
  // community (and the complement of their union) a subtree root, then merges.
  Status init();
  // Allocates a free /prefix_len (community bits included) inside community; an
  // all-zero maximum-length prefix is reserved and skipped.
  Result<std::string> newPrefix(size_t prefix_len, const std::string& community);
  // Merges free sibling leaves into their parent, bottom-up (never a community root).
  Status merge();
  // Community for a location (country, "@continent" or "*"); "" without communities.
  std::string communityFor(const std::string& country, const std::string& continent) const;
  const CommunityMap& communities() const { return communities_; }

 private:
  Store* store_;
  size_t max_len_;
  CommunityMap communities_;
};

// Prefixes covering everything not under one of the given prefixes ("" when none).
std::vector<std::string> complementPrefixes(const std::vector<std::string>& prefixes);

}  // namespace re6st::registry
