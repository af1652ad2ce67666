#include "re6st/peer/cache.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace re6st::peer {
namespace {

std::vector<std::string> splitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t i = s.find(';', start);
    out.push_back(s.substr(start, i == std::string::npos ? i : i - start));
    if (i == std::string::npos) return out;
    start = i + 1;
  }
}

}  // namespace

std::string orderAddresses(const std::string& address, const std::string& reference) {
  // Ranks are looked up once per entry: lists come from peers (code 1) and may hold
  // thousands of entries, so no linear search inside the sort.
  std::vector<std::string> ref = splitList(reference);
  std::unordered_map<std::string_view, size_t> position;
  for (size_t i = 0; i < ref.size(); ++i) position.emplace(ref[i], i);
  std::vector<std::pair<size_t, std::string>> items;
  for (auto& a : splitList(address)) {
    auto it = position.find(a);
    items.emplace_back(it == position.end() ? ref.size() : it->second, std::move(a));
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [rank, i] : items) out += (out.empty() ? "" : ";") + i;
  return out;
}

MemoryPeerCache::MemoryPeerCache(std::string ourPrefix, Random& random, size_t maxSize)
    : ours_(std::move(ourPrefix)), random_(random), maxSize_(maxSize) {}

void MemoryPeerCache::addPeer(const std::string& prefix, const std::string& address,
                              bool preferred) {
  auto it = peers_.find(prefix);
  if (it == peers_.end()) {
    // cache.py: make room (dropping failed peers first) before inserting a new one.
    minimize(maxSize_ > 0 ? maxSize_ - 1 : 0);
    peers_[prefix] = Entry{address, false};
    return;
  }
  // preferred: keep the stored list, with the given entries first.
  it->second.address = preferred ? orderAddresses(it->second.address, address)
                                 : orderAddresses(address, it->second.address);
  it->second.failed = false;
}

std::optional<std::string> MemoryPeerCache::getAddress(const std::string& prefix) const {
  auto it = peers_.find(prefix);
  if (it == peers_.end() || it->second.failed) return std::nullopt;
  return it->second.address;
}

void MemoryPeerCache::connecting(const std::string& prefix, bool failed) {
  auto it = peers_.find(prefix);
  if (it != peers_.end()) it->second.failed = failed;
}

std::vector<CachedPeer> MemoryPeerCache::peerList(bool failed) {
  std::vector<CachedPeer> out;
  for (const auto& [p, e] : peers_)
    if (e.failed == failed && p != ours_) out.push_back({p, e.address});
  shuffle(out, random_);
  return out;
}

bool MemoryPeerCache::failed(const std::string& prefix) const {
  auto it = peers_.find(prefix);
  return it != peers_.end() && it->second.failed;
}

void MemoryPeerCache::minimize(size_t size) {
  if (peers_.size() <= size) return;
  // cache.py _cacheMinimize: keep `size` peers, preferring those not failed, else random.
  std::vector<std::string> order;
  for (const auto& [p, e] : peers_) order.push_back(p);
  shuffle(order, random_);
  std::stable_sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    return !peers_[a].failed && peers_[b].failed;
  });
  for (size_t i = size; i < order.size(); ++i) peers_.erase(order[i]);
}

}  // namespace re6st::peer
