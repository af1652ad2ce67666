#include "re6st/crypto/verify.h"

#include <mbedtls/md.h>

#include <cstring>

namespace re6st::crypto {
namespace {

bool issuedBy(const mbedtls_x509_crt* cert, const mbedtls_x509_crt* ca) {
  // RFC 5280 §7.1 compares names after normalisation; byte equality is the common case,
  // then fall back to comparing attribute types and values, ignoring string types.
  if (cert->issuer_raw.len == ca->subject_raw.len &&
      std::memcmp(cert->issuer_raw.p, ca->subject_raw.p, cert->issuer_raw.len) == 0)
    return true;
  return nameFromMbed(&cert->issuer) == nameFromMbed(&ca->subject);
}

bool signedBy(const mbedtls_x509_crt* cert, mbedtls_x509_crt* ca) {
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(cert->sig_md);
  if (md == nullptr || !mbedtls_pk_can_do(&ca->pk, cert->sig_pk)) return false;
  unsigned char hash[MBEDTLS_MD_MAX_SIZE];
  mbedtls_md(md, cert->tbs.p, cert->tbs.len, hash);
  return mbedtls_pk_verify_ext(cert->sig_pk, cert->sig_opts, &ca->pk, cert->sig_md, hash,
                               mbedtls_md_get_size(md), cert->sig.p, cert->sig.len) == 0;
}

}  // namespace

const char* certProblemName(CertProblem p) {
  switch (p) {
    case CertProblem::kExpired: return "expired";
    case CertProblem::kNotYetValid: return "not yet valid";
    case CertProblem::kWrongCa: return "issued by another CA";
    case CertProblem::kBadSignature: return "bad signature";
    case CertProblem::kRevoked: return "revoked";
    case CertProblem::kCaExpired: return "CA certificate expired or not yet valid";
  }
  return "invalid";
}

std::optional<CertProblem> checkCertificate(const Certificate& cert, const Certificate& ca,
                                            int64_t now_unix, const RevokedSerials& revoked) {
  // Authenticity first: dates and serials of a forged certificate mean nothing.
  if (!issuedBy(cert.raw(), ca.raw())) return CertProblem::kWrongCa;
  if (!signedBy(cert.raw(), ca.raw())) return CertProblem::kBadSignature;
  if (revoked.count(cert.serialHex())) return CertProblem::kRevoked;
  if (now_unix < ca.notBefore() || now_unix > ca.notAfter()) return CertProblem::kCaExpired;
  if (now_unix < cert.notBefore()) return CertProblem::kNotYetValid;
  if (now_unix > cert.notAfter()) return CertProblem::kExpired;
  return std::nullopt;
}

Status verify(const Certificate& cert, const Certificate& ca, int64_t now_unix,
              const RevokedSerials& revoked) {
  auto problem = checkCertificate(cert, ca, now_unix, revoked);
  if (!problem) return {};
  std::string who = nameString(cert.subject());
  return Error{Code::kCrypto, "certificate " + (who.empty() ? std::string("(no subject)") : who) +
                                  " serial 0x" + cert.serialHex() + ": " +
                                  certProblemName(*problem)};
}

}  // namespace re6st::crypto
