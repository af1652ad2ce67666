// A node's certificate files: ca.crt, cert.crt and cert.key (re6st-conf's --dir). load()
// checks that the key is the certificate's and that the certificate verifies against
// the CA at `now`; replacing a file is atomic (temp + rename, keys 0600). Blocking file
// I/O: call at startup or from the renewal path, not per packet.
#pragma once

#include <optional>
#include <string>

#include "re6st/base/result.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/verify.h"
#include "re6st/crypto/x509.h"

namespace re6st::crypto {

struct CertPaths {
  std::string ca;    // ca.crt
  std::string cert;  // cert.crt
  std::string key;   // cert.key
  static CertPaths inDir(const std::string& dir);
};

class CertStore {
 public:
  // Loads all three files; errors name the file and the problem in one line.
  static Result<CertStore> load(const CertPaths& paths, int64_t now_unix);
  // Loads only the CA and key (a node before it has its certificate).
  static Result<CertStore> loadWithoutCert(const CertPaths& paths);

  const Certificate& ca() const { return ca_; }
  const Certificate& cert() const { return *cert_; }
  bool hasCert() const { return cert_.has_value(); }
  const PrivateKey& key() const { return key_; }
  const CertPaths& paths() const { return paths_; }

  // Network bits (from the CA serial) and this node's prefix bits (from the CN).
  Result<std::string> networkBits() const;
  Result<std::string> prefixBits() const;

  // Checks then atomically replaces cert.crt (must match the key and verify at now).
  Status replaceCert(const std::string& pem, int64_t now_unix);
  // Atomically replaces ca.crt (renewed CA; the network prefix must not change).
  Status replaceCa(const std::string& pem);

 private:
  CertStore(CertPaths paths, Certificate ca, PrivateKey key)
      : paths_(std::move(paths)), ca_(std::move(ca)), key_(std::move(key)) {}
  CertPaths paths_;
  Certificate ca_;
  PrivateKey key_;
  std::optional<Certificate> cert_;
};

}  // namespace re6st::crypto
