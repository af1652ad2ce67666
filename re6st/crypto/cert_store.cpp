#include "re6st/crypto/cert_store.h"

#include "re6st/base/prefix.h"
#include "re6st/crypto/ca.h"
#include "re6st/crypto/file.h"

namespace re6st::crypto {

CertPaths CertPaths::inDir(const std::string& dir) {
  std::string d = dir.empty() ? "." : dir;
  if (d.back() != '/') d += '/';
  return {d + "ca.crt", d + "cert.crt", d + "cert.key"};
}

static Status checkCert(const CertPaths& p, const Certificate& ca, const PrivateKey& key,
                        const Certificate& cert, int64_t now_unix) {
  if (!key.matches(cert.publicKey()))
    return Error{Code::kCrypto, p.cert + ": certificate does not match the key in " + p.key};
  auto ok = verify(cert, ca, now_unix);
  if (!ok) return ok.error().wrap(p.cert + " (CA " + p.ca + ")");
  return {};
}

Result<CertStore> CertStore::loadWithoutCert(const CertPaths& paths) {
  auto ca = Certificate::load(paths.ca);
  if (!ca) return ca.error();
  auto key = PrivateKey::load(paths.key);
  if (!key) return key.error();
  if (!key->raw() || !mbedtls_pk_can_do(key->raw(), MBEDTLS_PK_RSA))
    return Error{Code::kUnsupported, paths.key + ": not an RSA key"};
  return CertStore(paths, std::move(*ca), std::move(*key));
}

Result<CertStore> CertStore::load(const CertPaths& paths, int64_t now_unix) {
  auto store = loadWithoutCert(paths);
  if (!store) return store.error();
  auto cert = Certificate::load(paths.cert);
  if (!cert) return cert.error();
  RE6ST_TRY(checkCert(paths, store->ca_, store->key_, *cert, now_unix));
  store->cert_ = std::move(*cert);
  return store;
}

Result<std::string> CertStore::networkBits() const {
  auto bits = networkBitsFromCa(ca_);
  if (!bits) return bits.error().wrap(paths_.ca);
  return bits;
}

Result<std::string> CertStore::prefixBits() const {
  if (!cert_) return Error{Code::kNotFound, paths_.cert + ": no certificate loaded"};
  auto bits = bitsFromCn(cert_->subjectCn());
  if (!bits) return bits.error().wrap(paths_.cert);
  return bits;
}

Status CertStore::replaceCert(const std::string& pem, int64_t now_unix) {
  auto cert = Certificate::parsePem(pem);
  if (!cert) return cert.error().wrap("new " + paths_.cert);
  RE6ST_TRY(checkCert(paths_, ca_, key_, *cert, now_unix));
  RE6ST_TRY(writeFileAtomic(paths_.cert, cert->pem(), 0644));
  cert_ = std::move(*cert);
  return {};
}

Status CertStore::replaceCa(const std::string& pem) {
  auto ca = Certificate::parsePem(pem);
  if (!ca) return ca.error().wrap("new " + paths_.ca);
  auto oldBits = networkBitsFromCa(ca_);
  auto newBits = networkBitsFromCa(*ca);
  if (!newBits) return newBits.error().wrap("new " + paths_.ca);
  if (oldBits.ok() && *oldBits != *newBits)
    return Error{Code::kProtocol, "new " + paths_.ca + ": network prefix changed"};
  RE6ST_TRY(writeFileAtomic(paths_.ca, ca->pem(), 0644));
  ca_ = std::move(*ca);
  return {};
}

}  // namespace re6st::crypto
