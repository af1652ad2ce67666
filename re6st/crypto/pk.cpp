#include "re6st/crypto/pk.h"

#include <mbedtls/md.h>
#include <mbedtls/rsa.h>

#include "re6st/crypto/file.h"
#include "re6st/crypto/random.h"

namespace re6st::crypto {
namespace {

// Largest SubjectPublicKeyInfo / private key encodings for keys up to 8192 bits.
constexpr size_t kDerMax = 8192;

Result<Bytes> writePublicDer(mbedtls_pk_context* pk) {
  Bytes buf(kDerMax);
  // mbedtls_pk_write_*_der writes at the end of the buffer and returns the length.
  int n = mbedtls_pk_write_pubkey_der(pk, buf.data(), buf.size());
  if (n < 0) return mbedFailure(Code::kCrypto, "cannot encode public key", n);
  return Bytes(buf.end() - n, buf.end());
}

Result<PublicKey> publicFromDer(ByteSpan der) {
  PkPtr pk = newPk();
  int rc = mbedtls_pk_parse_public_key(pk.get(), der.data(), der.size());
  if (rc != 0) return mbedFailure(Code::kInvalid, "bad public key", rc);
  return PublicKey(std::move(pk));
}

Bytes sha512Of(ByteSpan data) {
  Bytes h(64);
  mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA512), data.data(), data.size(), h.data());
  return h;
}

// PKCS#1 v1.5 operations are only defined for RSA keys.
Status requireRsa(mbedtls_pk_context* pk) {
  if (!mbedtls_pk_can_do(pk, MBEDTLS_PK_RSA))
    return Error{Code::kUnsupported, "not an RSA key"};
  return {};
}

}  // namespace

Result<PublicKey> PublicKey::parseDer(ByteSpan der) { return publicFromDer(der); }

Result<PublicKey> PublicKey::parsePem(std::string_view pem) {
  std::string z(pem);  // mbedTLS wants PEM NUL-terminated, length including the NUL
  PkPtr pk = newPk();
  int rc = mbedtls_pk_parse_public_key(pk.get(), reinterpret_cast<const unsigned char*>(z.c_str()),
                                       z.size() + 1);
  if (rc != 0) return mbedFailure(Code::kInvalid, "bad public key", rc);
  return PublicKey(std::move(pk));
}

Result<Bytes> PublicKey::der() const { return writePublicDer(pk_.get()); }

Result<std::string> PublicKey::pem() const {
  std::string buf(kDerMax * 2, '\0');
  int rc = mbedtls_pk_write_pubkey_pem(pk_.get(), reinterpret_cast<unsigned char*>(buf.data()),
                                       buf.size());
  if (rc != 0) return mbedFailure(Code::kCrypto, "cannot encode public key", rc);
  buf.resize(buf.find('\0'));
  return buf;
}

size_t PublicKey::bits() const { return mbedtls_pk_get_bitlen(pk_.get()); }
bool PublicKey::isRsa() const { return mbedtls_pk_can_do(pk_.get(), MBEDTLS_PK_RSA); }

bool PublicKey::operator==(const PublicKey& other) const {
  auto a = der();
  auto b = other.der();
  return a.ok() && b.ok() && *a == *b;
}

Result<Bytes> PublicKey::encrypt(ByteSpan plain) const {
  RE6ST_TRY(requireRsa(pk_.get()));
  size_t klen = mbedtls_pk_get_len(pk_.get());
  if (klen < 11 || plain.size() > klen - 11)
    return Error{Code::kInvalid, "RSA encrypt: " + std::to_string(plain.size()) +
                                     " bytes too long for a " + std::to_string(bits()) + "-bit key"};
  Bytes out(klen);
  size_t olen = 0;
  int rc = mbedtls_pk_encrypt(pk_.get(), plain.data(), plain.size(), out.data(), &olen,
                              out.size(), Csprng::mbedRandom, nullptr);
  if (rc != 0) return mbedFailure(Code::kCrypto, "RSA encrypt", rc);
  out.resize(olen);
  return out;
}

Status PublicKey::verifySha512(ByteSpan data, ByteSpan signature) const {
  RE6ST_TRY(requireRsa(pk_.get()));
  // A signature is exactly the modulus length; anything else is rejected outright.
  if (signature.size() != mbedtls_pk_get_len(pk_.get()))
    return Error{Code::kCrypto, "bad signature length"};
  Bytes h = sha512Of(data);
  int rc = mbedtls_pk_verify(pk_.get(), MBEDTLS_MD_SHA512, h.data(), h.size(), signature.data(),
                             signature.size());
  if (rc != 0) return Error{Code::kCrypto, "bad signature"};
  return {};
}

Result<PrivateKey> PrivateKey::generateRsa(unsigned bits) {
  if (bits < 1024 || bits > 8192) return Error{Code::kInvalid, "RSA key size must be 1024..8192"};
  PkPtr pk = newPk();
  int rc = mbedtls_pk_setup(pk.get(), mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
  if (rc == 0)
    rc = mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk), Csprng::mbedRandom, nullptr, bits, 65537);
  if (rc != 0) return mbedFailure(Code::kCrypto, "RSA key generation", rc);
  return PrivateKey(std::move(pk));
}

Result<PrivateKey> PrivateKey::parsePem(std::string_view pem) {
  if (pem.find("-----BEGIN") == std::string_view::npos)
    return Error{Code::kInvalid, "not a PEM private key"};
  std::string z(pem);
  PkPtr pk = newPk();
  int rc = mbedtls_pk_parse_key(pk.get(), reinterpret_cast<const unsigned char*>(z.c_str()),
                                z.size() + 1, nullptr, 0);
  if (rc != 0) return mbedFailure(Code::kInvalid, "bad private key", rc);
  return PrivateKey(std::move(pk));
}

Result<PrivateKey> PrivateKey::parseDer(ByteSpan der) {
  PkPtr pk = newPk();
  int rc = mbedtls_pk_parse_key(pk.get(), der.data(), der.size(), nullptr, 0);
  if (rc != 0) return mbedFailure(Code::kInvalid, "bad private key", rc);
  return PrivateKey(std::move(pk));
}

Result<PrivateKey> PrivateKey::load(const std::string& path) {
  auto text = readFile(path);
  if (!text) return text.error();
  auto key = parsePem(*text);
  if (!key) return key.error().wrap(path);
  return key;
}

Result<std::string> PrivateKey::pem() const {
  std::string buf(kDerMax * 2, '\0');
  int rc = mbedtls_pk_write_key_pem(pk_.get(), reinterpret_cast<unsigned char*>(buf.data()),
                                    buf.size());
  if (rc != 0) return mbedFailure(Code::kCrypto, "cannot encode private key", rc);
  buf.resize(buf.find('\0'));
  return buf;
}

Status PrivateKey::saveAtomic(const std::string& path) const {
  auto text = pem();
  if (!text) return text.error().wrap(path);
  return writeFileAtomic(path, *text, 0600);
}

Result<Bytes> PrivateKey::publicDer() const { return writePublicDer(pk_.get()); }

Result<PublicKey> PrivateKey::publicKey() const {
  auto der = publicDer();
  if (!der) return der.error();
  return publicFromDer(*der);
}

size_t PrivateKey::bits() const { return mbedtls_pk_get_bitlen(pk_.get()); }

bool PrivateKey::matches(const PublicKey& pub) const {
  return mbedtls_pk_check_pair(pub.raw(), pk_.get()) == 0;
}

Result<Bytes> PrivateKey::decrypt(ByteSpan cipher) const {
  RE6ST_TRY(requireRsa(pk_.get()));
  size_t klen = mbedtls_pk_get_len(pk_.get());
  if (cipher.size() != klen) return Error{Code::kCrypto, "RSA decrypt: bad ciphertext length"};
  Bytes out(klen);
  size_t olen = 0;
  int rc = mbedtls_pk_decrypt(pk_.get(), cipher.data(), cipher.size(), out.data(), &olen,
                              out.size(), Csprng::mbedRandom, nullptr);
  if (rc != 0) return mbedFailure(Code::kCrypto, "RSA decrypt", rc);
  out.resize(olen);
  return out;
}

Result<Bytes> PrivateKey::signSha512(ByteSpan data) const {
  RE6ST_TRY(requireRsa(pk_.get()));
  Bytes h = sha512Of(data);
  Bytes sig(MBEDTLS_PK_SIGNATURE_MAX_SIZE);
  size_t slen = 0;
  int rc = mbedtls_pk_sign(pk_.get(), MBEDTLS_MD_SHA512, h.data(), h.size(), sig.data(), &slen,
                           Csprng::mbedRandom, nullptr);
  if (rc != 0) return mbedFailure(Code::kCrypto, "RSA sign", rc);
  sig.resize(slen);
  return sig;
}

}  // namespace re6st::crypto
