// The simulated network's PKI: one CA (network 2001:db8:42::/48, as a real re6st CA
// encodes it in its serial) and one RSA key pair shared by every simulated node, each
// node with its own certificate (CN = its prefix, serial = its index + 1). Sharing the
// key avoids generating thousands of RSA keys; the peer protocol still encrypts, signs and
// verifies with it as with distinct keys. Not thread-safe; built once per simulation.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "re6st/base/bytes.h"
#include "re6st/base/prefix.h"
#include "re6st/base/result.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/x509.h"
#include "re6st/peer/session.h"

namespace re6st::scale {

constexpr int64_t kWallStart = 1'750'000'000;  // Unix seconds at virtual time 0

class Pki {
 public:
  // keyBits: size of the CA key and of the shared node key (1024 keeps set-up fast).
  static Result<std::unique_ptr<Pki>> create(unsigned keyBits = 1024);

  const std::string& network() const { return network_; }  // network bits
  const Prefix& networkPrefix() const { return networkPrefix_; }
  // Node identity: CA, a certificate with CN "<int>/<len>" for prefix bits, the key.
  Result<peer::Identity> identity(const std::string& prefix, uint64_t serial) const;
  // The CA-signed network version (packInteger(n) + signature) the peer protocol carries.
  Result<Bytes> version(uint64_t n) const;

 private:
  Pki() = default;
  std::optional<crypto::PrivateKey> caKey_;
  std::optional<crypto::Certificate> ca_;
  std::string nodeKeyPem_;
  std::optional<crypto::PublicKey> nodePub_;
  std::string network_;
  Prefix networkPrefix_;
};

}  // namespace re6st::scale
