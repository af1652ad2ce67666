// Shared crypto fixtures for unit tests: RSA keys generated once per test binary (key
// generation is slow under ASan), a test CA for 2001:db8:42::/48 and helpers to issue
// node certificates and make temporary directories. Test-only; not thread-safe.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "re6st/base/prefix.h"
#include "re6st/crypto/ca.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/x509.h"

namespace re6st::crypto::test {

inline constexpr int64_t kNow = 1'750'000'000;  // 2025-06-15, fixed "now" for tests

template <class T>
T must(Result<T> r) {
  if (!r.ok()) throw std::runtime_error(r.error().message);
  return std::move(r).value();
}

// Keys by index (0: CA, 1: node A, 2: node B, 3: another CA), 1024 bits, made once.
inline const PrivateKey& testKey(int i) {
  static PrivateKey* keys[4] = {};
  if (!keys[i]) keys[i] = new PrivateKey(must(PrivateKey::generateRsa(1024)));
  return *keys[i];
}

inline Certificate makeCa(const PrivateKey& key, const std::string& network,
                          int64_t not_before = kNow - 86400, int64_t not_after = kNow + 86400 * 365,
                          const std::string& email = "admin@example.com") {
  CertSpec spec;
  spec.subject = {{"CN", "re6st test CA"}, {"emailAddress", email}};
  spec.serial = must(caSerialForNetwork(must(parsePrefix(network))));
  spec.not_before = not_before;
  spec.not_after = not_after;
  return must(createCaCertificate(key, spec));
}

inline const Certificate& testCa() {
  static Certificate* ca = new Certificate(makeCa(testKey(0), "2001:db8:42::/48"));
  return *ca;
}

inline Certificate issue(const Certificate& ca, const PrivateKey& ca_key, const PrivateKey& key,
                         const std::string& cn, uint64_t serial,
                         int64_t not_before = kNow - 3600, int64_t not_after = kNow + 86400) {
  CertSpec spec;
  spec.subject = {{"CN", cn}, {"serialNumber", "0"}};
  spec.serial = serialFromU128(serial);
  spec.not_before = not_before;
  spec.not_after = not_after;
  return must(issueCertificate(ca, ca_key, must(key.publicKey()), spec));
}

// A fresh empty directory under TMPDIR, removed by the destructor.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "r6cr-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

}  // namespace re6st::crypto::test
