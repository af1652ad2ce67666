// The Re6stHMAC session table (REGISTRY-PROTOCOL.md §3): per client prefix at most two
// live secrets, [last key that authenticated something, key of the last hello]. A call
// is authenticated by HMAC-SHA1(key, raw request target); a match collapses the session
// onto SHA1(SHA1(key)) and the response is signed with SHA1(key). Pure, single-threaded.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"

namespace re6st::registry {

class Sessions {
 public:
  struct Entry {
    Bytes key;
    int protocol = 1;
  };
  // A successful check: the key that signs the response body, and the session protocol.
  struct Match {
    Bytes response_key;
    int protocol = 1;
  };

  // hello: keep entry 0, replace entry 1 with the new secret.
  void hello(const std::string& prefix, Bytes key, int protocol);
  // kNotFound: no session (401); kPermission: no entry matches (400, session unchanged).
  Result<Match> authenticate(const std::string& prefix, ByteSpan mac, std::string_view target);
  void drop(const std::string& prefix) { table_.erase(prefix); }
  std::optional<int> protocol(const std::string& prefix) const;
  size_t size() const { return table_.size(); }

 private:
  std::map<std::string, std::vector<Entry>> table_;
};

// x509.newHmacSecret: struct.pack(">QQI", int(time*1e6), rand64, rand32), 20 bytes.
Bytes newHmacSecret(int64_t wall_micros, uint64_t rand64, uint32_t rand32);

}  // namespace re6st::registry
