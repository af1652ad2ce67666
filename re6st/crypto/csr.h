// Certificate signing requests (PKCS#10, RFC 2986) on mbedTLS: creation by a node
// (re6st-conf) with any subject fields, and parsing by the registry with the
// self-signature checked, so a request can only carry a key its sender holds. Requests
// with an EMPTY subject (anonymous re6st-conf) are accepted. Pure: no files, no clock.
#pragma once

#include <mbedtls/x509_csr.h>

#include <string>
#include <string_view>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"
#include "re6st/crypto/mbed_util.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/x509.h"

namespace re6st::crypto {

// A PEM CSR for key with the given subject (may be empty), signed with SHA-512.
Result<std::string> createCsr(const PrivateKey& key, const Name& subject);

class Csr {
 public:
  // Parses a PEM ("BEGIN CERTIFICATE REQUEST") or DER request and checks its signature.
  static Result<Csr> parse(std::string_view pem_or_der);

  const Name& subject() const { return subject_; }
  std::optional<std::string> subjectField(std::string_view name) const;
  PublicKey publicKey() const;  // a copy
  const Bytes& der() const { return der_; }

 private:
  Csr(Bytes der, Name subject, PublicKey key)
      : der_(std::move(der)), subject_(std::move(subject)), key_(std::move(key)) {}
  Bytes der_;
  Name subject_;
  PublicKey key_;
};

}  // namespace re6st::crypto
