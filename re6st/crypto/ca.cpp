#include "re6st/crypto/ca.h"

#include <mbedtls/bignum.h>
#include <mbedtls/x509_crt.h>

#include "re6st/crypto/random.h"

namespace re6st::crypto {
namespace {

Status checkSpec(const CertSpec& spec) {
  size_t i = 0;
  while (i < spec.serial.size() && spec.serial[i] == 0) ++i;
  // RFC 5280 §4.1.2.2: positive, at most 20 octets.
  if (i == spec.serial.size()) return Error{Code::kInvalid, "certificate serial must be positive"};
  if (spec.serial.size() - i > 20) return Error{Code::kInvalid, "certificate serial too long"};
  if (spec.not_after <= spec.not_before)
    return Error{Code::kInvalid, "certificate validity ends before it starts"};
  if (spec.version != 1 && spec.version != 3)
    return Error{Code::kInvalid, "certificate version must be 1 or 3"};
  if (spec.not_before < 0 || spec.not_after > 253402300799)  // 9999-12-31T23:59:59Z
    return Error{Code::kInvalid, "certificate validity out of range"};
  return {};
}

// Fills the parts common to CA and node certificates, then signs and re-parses.
Result<Certificate> writeCertificate(mbedtls_x509write_cert& w, const CertSpec& spec,
                                     const Name& issuer) {
  auto subject = MbedName::build(spec.subject);
  if (!subject) return subject.error();
  auto iss = MbedName::build(issuer);
  if (!iss) return iss.error();
  w.subject = subject->release();  // both lists are freed by mbedtls_x509write_crt_free
  w.issuer = iss->release();
  bool v3 = spec.version == 3;
  mbedtls_x509write_crt_set_version(&w, v3 ? MBEDTLS_X509_CRT_VERSION_3 : MBEDTLS_X509_CRT_VERSION_1);
  mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA512);
  mbedtls_mpi serial;
  mbedtls_mpi_init(&serial);
  int rc = mbedtls_mpi_read_binary(&serial, spec.serial.data(), spec.serial.size());
  if (rc == 0) rc = mbedtls_x509write_crt_set_serial(&w, &serial);
  mbedtls_mpi_free(&serial);
  std::string from = x509TimeString(spec.not_before), to = x509TimeString(spec.not_after);
  if (rc == 0) rc = mbedtls_x509write_crt_set_validity(&w, from.c_str(), to.c_str());
  if (rc == 0 && v3) rc = mbedtls_x509write_crt_set_subject_key_identifier(&w);
  if (rc == 0 && v3) rc = mbedtls_x509write_crt_set_authority_key_identifier(&w);
  if (rc != 0) return mbedFailure(Code::kCrypto, "cannot build certificate", rc);
  Bytes buf(16384);
  // Writes at the end of buf and returns the length.
  int n = mbedtls_x509write_crt_der(&w, buf.data(), buf.size(), Csprng::mbedRandom, nullptr);
  if (n < 0) return mbedFailure(Code::kCrypto, "cannot sign certificate", n);
  return Certificate::parseDer({buf.data() + buf.size() - n, size_t(n)});
}

struct Writer {
  mbedtls_x509write_cert w;
  Writer() { mbedtls_x509write_crt_init(&w); }
  ~Writer() { mbedtls_x509write_crt_free(&w); }
};

}  // namespace

Result<Certificate> issueCertificate(const Certificate& ca_cert, const PrivateKey& ca_key,
                                     const PublicKey& subject_key, const CertSpec& spec) {
  RE6ST_TRY(checkSpec(spec));
  if (!ca_key.matches(ca_cert.publicKey()))
    return Error{Code::kInvalid, "CA key does not match the CA certificate"};
  if (!subject_key.isRsa()) return Error{Code::kUnsupported, "node keys must be RSA"};
  Writer wr;
  mbedtls_x509write_crt_set_subject_key(&wr.w, subject_key.raw());
  mbedtls_x509write_crt_set_issuer_key(&wr.w, ca_key.raw());
  int rc = spec.version == 3 ? mbedtls_x509write_crt_set_basic_constraints(&wr.w, 0, -1) : 0;
  if (rc != 0) return mbedFailure(Code::kCrypto, "cannot build certificate", rc);
  return writeCertificate(wr.w, spec, ca_cert.subject());
}

Result<Certificate> createCaCertificate(const PrivateKey& key, const CertSpec& ca_spec) {
  CertSpec spec = ca_spec;
  spec.version = 3;  // basicConstraints CA:TRUE needs extensions
  RE6ST_TRY(checkSpec(spec));
  Writer wr;
  mbedtls_x509write_crt_set_subject_key(&wr.w, key.raw());
  mbedtls_x509write_crt_set_issuer_key(&wr.w, key.raw());
  int rc = mbedtls_x509write_crt_set_basic_constraints(&wr.w, 1, -1);
  if (rc == 0)
    rc = mbedtls_x509write_crt_set_key_usage(
        &wr.w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_CERT_SIGN |
                   MBEDTLS_X509_KU_CRL_SIGN);
  if (rc != 0) return mbedFailure(Code::kCrypto, "cannot build CA certificate", rc);
  return writeCertificate(wr.w, spec, spec.subject);
}

Result<std::string> networkBitsFromCa(const Certificate& ca) {
  Bytes serial = ca.serial();
  if (serial.empty()) return Error{Code::kInvalid, "CA serial is zero: no network prefix"};
  // DESIGN.md §2 / re6stnet x509.networkFromCa: bin(serial) without "0b1".
  std::string bits;
  for (uint8_t b : serial)
    for (int i = 7; i >= 0; --i) bits += (b >> i & 1) ? '1' : '0';
  bits.erase(0, bits.find('1') + 1);
  if (bits.size() > 128)
    return Error{Code::kInvalid, "CA serial too long for an IPv6 network prefix"};
  return bits;
}

Result<Prefix> networkFromCa(const Certificate& ca) {
  auto bits = networkBitsFromCa(ca);
  if (!bits) return bits.error();
  return prefixFromBits(*bits);
}

Result<Bytes> caSerialForNetwork(const Prefix& network) {
  if (network.len >= 128)
    return Error{Code::kInvalid, "network " + network.str() + " leaves no room for node subnets"};
  std::string bits = "1" + network.bits();
  // Left-pad to whole bytes, then pack big-endian.
  bits.insert(0, (8 - bits.size() % 8) % 8, '0');
  Bytes out;
  for (size_t i = 0; i < bits.size(); i += 8) {
    uint8_t b = 0;
    for (size_t j = 0; j < 8; ++j) b = uint8_t(b << 1 | (bits[i + j] == '1'));
    out.push_back(b);
  }
  return out;
}

}  // namespace re6st::crypto
