#include "re6st/registry/allocator.h"

#include <algorithm>
#include <sstream>

#include "re6st/base/prefix.h"

namespace re6st::registry {

Result<CommunityMap> parseCommunities(const std::string& text, size_t max_len) {
  CommunityMap map;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::istringstream words(line);
    std::string prefix, loc;
    if (!(words >> prefix) || prefix[0] == '#') continue;
    auto where = "community line " + std::to_string(n) + ": ";
    if (!isBitString(prefix) || prefix.empty() || prefix.size() > max_len)
      return makeError(Code::kInvalid, where + "'" + prefix.substr(0, 40) + "' is not a prefix bit string");
    if (map.count(prefix)) return makeError(Code::kInvalid, where + "duplicate prefix " + prefix);
    auto& locs = map[prefix];
    while (words >> loc) locs.push_back(loc);
    if (locs.empty()) return makeError(Code::kInvalid, where + "no location for " + prefix);
  }
  // re6st-registry: "X and Y overlap, refusing to run" (sorted order puts X before X...).
  std::string prev;
  bool first = true;
  for (auto& [p, _] : map) {
    if (!first && p.compare(0, prev.size(), prev) == 0)
      return makeError(Code::kInvalid, prev + " and " + p + " overlap, refusing to run");
    prev = p;
    first = false;
  }
  return map;
}

std::vector<std::string> complementPrefixes(const std::vector<std::string>& prefixes) {
  if (prefixes.empty()) return {""};
  if (std::find(prefixes.begin(), prefixes.end(), "") != prefixes.end()) return {};
  std::vector<std::string> out;
  for (char bit : {'0', '1'}) {
    std::vector<std::string> sub;
    for (auto& p : prefixes)
      if (p[0] == bit) sub.push_back(p.substr(1));
    if (sub.empty()) {
      out.push_back(std::string(1, bit));
      continue;
    }
    for (auto& c : complementPrefixes(sub)) out.push_back(bit + c);
  }
  return out;
}

Status Allocator::init() {
  // A community strictly inside an issued prefix cannot be honoured.
  for (auto& [c, _] : communities_)
    for (size_t i = 1; i < c.size(); ++i) {
      auto row = store_->findRow(c.substr(0, i));
      if (!row) return row.error();
      if (*row && (*row)->cert)
        return makeError(Code::kInvalid, "Prefix " + (*row)->prefix + " strictly contains community " + c);
    }
  std::vector<std::string> roots;
  for (auto& [c, _] : communities_) roots.push_back(c);
  auto complement = complementPrefixes(roots);
  roots.insert(roots.end(), complement.begin(), complement.end());
  for (auto& c : roots) {
    auto used = store_->anyIssuedUnder(c);
    if (!used) return used.error();
    if (*used) continue;  // the tree there is already complete
    for (size_t i = 1; i <= c.size(); ++i) {
      auto row = store_->findRow(c.substr(0, i));
      if (!row) return row.error();
      if (*row && !(*row)->cert) RE6ST_TRY(store_->deleteRow(c.substr(0, i)));
    }
    auto row = store_->findRow(c);
    if (!row) return row.error();
    if (!*row) RE6ST_TRY(store_->insertRow(c, std::nullopt, std::nullopt));
  }
  return merge();
}

Status Allocator::merge() {
  auto all = store_->rows();
  if (!all) return all.error();
  // Leaves by length; a free pair "x0","x1" (neither a community root) becomes "x".
  std::map<std::string, bool> free_rows;  // prefix -> free
  size_t longest = 0;
  for (auto& r : *all) {
    free_rows[r.prefix] = !r.cert;
    longest = std::max(longest, r.prefix.size());
  }
  for (size_t len = longest; len > 0; --len) {
    for (auto it = free_rows.begin(); it != free_rows.end(); ++it) {
      const std::string& p = it->first;
      if (p.size() != len || !it->second || p.back() != '0') continue;
      std::string sib = p.substr(0, len - 1) + '1', parent = p.substr(0, len - 1);
      auto s = free_rows.find(sib);
      if (s == free_rows.end() || !s->second || communities_.count(p) || communities_.count(sib))
        continue;
      RE6ST_TRY(store_->deleteRow(p));
      RE6ST_TRY(store_->deleteRow(sib));
      RE6ST_TRY(store_->insertRow(parent, std::nullopt, std::nullopt));
      s->second = false;  // sibling gone; mark so it is not reused in this pass
      it->second = false;
      free_rows[parent] = true;  // parent is shorter: handled in a later pass
    }
  }
  return {};
}

Result<std::string> Allocator::newPrefix(size_t prefix_len, const std::string& community) {
  if (prefix_len == 0 || prefix_len > max_len_)
    return makeError(Code::kInvalid, "prefix length " + std::to_string(prefix_len) + " out of range");
  for (;;) {
    auto found = store_->longestFree(prefix_len, community);
    if (!found) return found.error();
    if (!*found)
      return makeError(Code::kNotFound, "No more free /" + std::to_string(prefix_len) + " prefix available");
    std::string prefix = **found;
    // Split down to the wanted length: keep the "0" half, free the "1" half.
    while (prefix.size() < prefix_len) {
      RE6ST_TRY(store_->renameRow(prefix, prefix + '1'));
      prefix += '0';
      RE6ST_TRY(store_->insertRow(prefix, std::nullopt, std::nullopt));
    }
    // The all-zero maximum-length prefix (after the community) is never handed out.
    bool all_zero = prefix.find('1', community.size()) == std::string::npos;
    if (prefix.size() < max_len_ || !all_zero) return prefix;
    RE6ST_TRY(store_->setRow(prefix, std::nullopt, std::string("reserved")));
  }
}

std::string Allocator::communityFor(const std::string& country, const std::string& continent) const {
  std::string fallback;
  for (auto& [prefix, locs] : communities_) {
    for (auto& l : locs) {
      if (l == country || l == continent) return prefix;
      if (l == "*") fallback = prefix;
    }
  }
  return fallback;
}

}  // namespace re6st::registry
