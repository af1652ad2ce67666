// The client half of the registry's Re6stHMAC authentication (REGISTRY-PROTOCOL.md §3):
// opening a hello answer (CA-signed, RSA-encrypted 20-byte secret), signing request
// targets with HMAC-SHA1 and the SHA-1 key chain, checking response MACs, and the RPC
// target encoding (urlencode in signature order). Pure: no I/O, no clock.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"
#include "re6st/crypto/pk.h"

namespace re6st::client {

// The re6st protocol version we announce in hello (re6st/version.py).
inline constexpr int kRegistryProtocol = 10;
inline constexpr const char* kHmacHeader = "Re6stHMAC";

using Params = std::vector<std::pair<std::string, std::string>>;

// "/method" or "/method?k1=v1&k2=v2" (quote_plus encoding, order kept).
std::string rpcTarget(std::string_view method, const Params& params);

// Splits a hello body X ‖ S, checks S = RSA-SHA512(CA key, X) and decrypts X with the
// node key: the session secret.
Result<Bytes> openHello(ByteSpan body, const crypto::PublicKey& ca_key,
                        const crypto::PrivateKey& node_key);

class HmacChain {
 public:
  bool hasKey() const { return key_.has_value(); }
  void setKey(Bytes key) { key_ = std::move(key); }
  void drop() { key_.reset(); }
  const std::optional<Bytes>& key() const { return key_; }

  struct Signed {
    std::string header;  // Re6stHMAC value: base64(HMAC-SHA1(k, target))
    Bytes response_key;  // SHA1(k): the key of the response MAC
  };
  // Signs target with the current key k (which must exist) and advances the chain to
  // SHA1(SHA1(k)), as the registry does when the MAC matches.
  Signed sign(std::string_view target);

  // True when header is base64(HMAC-SHA1(response_key, body)).
  static bool checkResponse(const Bytes& response_key, ByteSpan body, const std::string* header);

 private:
  std::optional<Bytes> key_;
};

}  // namespace re6st::client
