// Test PKI for tunnel tests: a network CA and node certificates made in-process with
// re6st/crypto (RSA 2048: mbedTLS refuses shorter keys in TLS), plus helpers to pair handshakes.
// Header-only; keys are generated once per process and cached.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "re6st/crypto/ca.h"
#include "re6st/crypto/pk.h"
#include "re6st/tunnel/handshake.h"

namespace re6st::tunnel::testing {

constexpr int64_t kNow = 1'750'000'000;  // wall time the tests run "at"

struct TestCa {
  crypto::PrivateKey key;
  crypto::Certificate cert;
};

inline crypto::PrivateKey testKey(int which) {
  static std::map<int, std::string> pems;
  auto it = pems.find(which);
  if (it == pems.end()) {
    auto k = crypto::PrivateKey::generateRsa(2048);
    if (!k) throw std::runtime_error(k.error().message);
    it = pems.emplace(which, *k->pem()).first;
  }
  return std::move(crypto::PrivateKey::parsePem(it->second).value());
}

inline TestCa makeCa(int keyIndex, uint64_t serial = 0x120010db80042ULL) {
  auto key = testKey(keyIndex);
  crypto::CertSpec spec;
  spec.subject = {{"CN", "test ca " + std::to_string(keyIndex)}};
  spec.serial = crypto::serialFromU128(serial);
  spec.not_before = kNow - 86400 * 365;
  spec.not_after = kNow + 86400 * 365;
  auto cert = crypto::createCaCertificate(key, spec);
  if (!cert) throw std::runtime_error(cert.error().message);
  return {std::move(key), std::move(*cert)};
}

inline crypto::Certificate issue(const TestCa& ca, const crypto::PrivateKey& key,
                                 const std::string& cn, uint64_t serial,
                                 int64_t notBefore = kNow - 86400, int64_t notAfter = kNow + 86400) {
  crypto::CertSpec spec;
  spec.subject = {{"CN", cn}, {"serialNumber", "1"}};
  spec.serial = crypto::serialFromU128(serial);
  spec.not_before = notBefore;
  spec.not_after = notAfter;
  auto cert = crypto::issueCertificate(ca.cert, ca.key, *key.publicKey(), spec);
  if (!cert) throw std::runtime_error(cert.error().message);
  return std::move(*cert);
}

inline std::shared_ptr<Credentials> creds(const TestCa& ca, int keyIndex, const std::string& cn,
                                          uint64_t serial, int64_t notBefore = kNow - 86400,
                                          int64_t notAfter = kNow + 86400) {
  auto key = testKey(keyIndex);
  auto cert = issue(ca, key, cn, serial, notBefore, notAfter);
  return std::make_shared<Credentials>(ca.cert.clone(), std::move(cert), std::move(key));
}

}  // namespace re6st::tunnel::testing
