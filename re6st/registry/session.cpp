#include "re6st/registry/session.h"

#include "re6st/crypto/hmac.h"

namespace re6st::registry {

void Sessions::hello(const std::string& prefix, Bytes key, int protocol) {
  auto& s = table_[prefix];
  s.resize(std::min<size_t>(s.size(), 1));
  s.push_back({std::move(key), protocol});
}

Result<Sessions::Match> Sessions::authenticate(const std::string& prefix, ByteSpan mac,
                                               std::string_view target) {
  auto it = table_.find(prefix);
  if (it == table_.end()) return makeError(Code::kNotFound, "no session for " + prefix);
  for (auto& e : it->second) {
    if (!crypto::constantTimeEqual(crypto::hmacSha1(e.key, asBytes(target)), mac)) continue;
    // Key chain: the response is signed with SHA1(k); the next call must use SHA1(SHA1(k)),
    // so a captured request cannot be replayed.
    Match m{crypto::sha1(e.key), e.protocol};
    Entry next{crypto::sha1(m.response_key), e.protocol};
    it->second.assign(1, std::move(next));
    return m;
  }
  return makeError(Code::kPermission, "Wrong HMAC");
}

std::optional<int> Sessions::protocol(const std::string& prefix) const {
  auto it = table_.find(prefix);
  if (it == table_.end() || it->second.empty()) return std::nullopt;
  return it->second.front().protocol;
}

Bytes newHmacSecret(int64_t wall_micros, uint64_t rand64, uint32_t rand32) {
  Bytes out;
  Writer w(out);
  w.u64(uint64_t(wall_micros));
  w.u64(rand64);
  w.u32(rand32);
  return out;
}

}  // namespace re6st::registry
