// RSA keys on mbedTLS: generation, PEM load/save (keys saved 0600, atomically), and the
// operations re6st's protocols use: PKCS#1 v1.5 encryption (registry hello, Babel HMAC
// keys, peer hello) and RSA-SHA512 PKCS#1 v1.5 signatures. Move-only RAII values;
// one key may be used from one thread at a time (mbedTLS locks the RSA blinding state).
#pragma once

#include <mbedtls/pk.h>

#include <string>
#include <string_view>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"
#include "re6st/crypto/mbed_util.h"

namespace re6st::crypto {

class PublicKey {
 public:
  // SubjectPublicKeyInfo, DER or PEM ("BEGIN PUBLIC KEY").
  static Result<PublicKey> parseDer(ByteSpan der);
  static Result<PublicKey> parsePem(std::string_view pem);

  Result<Bytes> der() const;  // SubjectPublicKeyInfo
  Result<std::string> pem() const;
  size_t bits() const;
  bool isRsa() const;
  bool operator==(const PublicKey& other) const;  // same key material

  // RSA PKCS#1 v1.5 encryption (what `openssl pkeyutl -encrypt` does); plain must be
  // at most bits()/8 - 11 bytes.
  Result<Bytes> encrypt(ByteSpan plain) const;
  // RSA PKCS#1 v1.5 signature over SHA-512(data) (re6stnet: crypto.verify(..,'sha512')).
  Status verifySha512(ByteSpan data, ByteSpan signature) const;

  // For DTLS configuration and certificate writing. Never null.
  mbedtls_pk_context* raw() const { return pk_.get(); }
  explicit PublicKey(PkPtr pk) : pk_(std::move(pk)) {}

 private:
  PkPtr pk_;
};

class PrivateKey {
 public:
  // New RSA key with public exponent 65537. bits in [1024, 8192].
  static Result<PrivateKey> generateRsa(unsigned bits);
  // PKCS#1 ("BEGIN RSA PRIVATE KEY") or PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted.
  static Result<PrivateKey> parsePem(std::string_view pem);
  static Result<PrivateKey> parseDer(ByteSpan der);
  // Reads and parses a file; errors read "<path>: <problem>".
  static Result<PrivateKey> load(const std::string& path);

  // PKCS#1 PEM, as `openssl genrsa` (1.x) and re6st-conf write it.
  Result<std::string> pem() const;
  // Writes pem() to path with mode 0600 via temp file + rename.
  Status saveAtomic(const std::string& path) const;

  Result<Bytes> publicDer() const;  // SubjectPublicKeyInfo
  Result<PublicKey> publicKey() const;
  size_t bits() const;
  // True when pub is the public half of this key.
  bool matches(const PublicKey& pub) const;

  // RSA PKCS#1 v1.5 decryption (openssl rsautl -decrypt / pkeyutl -decrypt).
  Result<Bytes> decrypt(ByteSpan cipher) const;
  // RSA PKCS#1 v1.5 signature over SHA-512(data); bits()/8 bytes long.
  Result<Bytes> signSha512(ByteSpan data) const;

  mbedtls_pk_context* raw() const { return pk_.get(); }
  explicit PrivateKey(PkPtr pk) : pk_(std::move(pk)) {}

 private:
  PkPtr pk_;
};

}  // namespace re6st::crypto
