// Decoding of the registry's getNetworkConfig answer on the node side
// (REGISTRY-PROTOCOL.md §4–§5): zlib inflate with a size cap, JSON into typed fields,
// base64 for the keys listed under "", RSA decryption of babel_hmac_* with the node key,
// and the CA-signed version blob. Pure: hostile input gives an error, never a throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"
#include "re6st/crypto/pk.h"

namespace re6st::client {

struct NetworkConfig {
  std::string babel_default;
  std::vector<uint64_t> crl;  // revoked certificate serials
  int protocol = 0;
  std::string registry_prefix;      // bits of the registry node's prefix
  std::optional<std::string> ipv4;  // "10.42.0.0/16"
  std::optional<int> ipv4_sublen;
  std::vector<std::string> same_country;
  int client_count = 10;
  bool encrypt = false;
  int hello = 15;
  int max_clients = 20;
  int min_protocol = 1;
  int tunnel_refresh = 300;
  Bytes version;  // packInteger(n) ‖ RSA-SHA512 signature by the CA
  std::optional<double> valid_until;
  // Babel HMAC keys, decrypted (raw RSA ciphertext when no node key was given). An
  // empty accept key means "accept bad signatures" (re6stnet's reading).
  std::optional<Bytes> babel_hmac_sign;
  std::optional<Bytes> babel_hmac_accept;
};

// RFC 1950 zlib stream → bytes; fails beyond max_out bytes (zip bombs).
Result<std::string> inflateZlib(ByteSpan data, size_t max_out = 1 << 20);

// The JSON text of a network configuration. node_key may be null (no decryption).
Result<NetworkConfig> parseNetworkConfig(std::string_view json, const crypto::PrivateKey* node_key);

// inflateZlib + parseNetworkConfig: the raw getNetworkConfig body.
Result<NetworkConfig> decodeNetworkConfig(ByteSpan body, const crypto::PrivateKey* node_key);

// The version number in a version blob after checking the CA signature over it
// (re6stnet's Cert.verifyVersion).
Result<uint64_t> verifyVersion(ByteSpan version, const crypto::PublicKey& ca_key);

}  // namespace re6st::client
