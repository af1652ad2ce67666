#include "re6st/registry/issuer.h"

#include <mbedtls/bignum.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>

#include "re6st/crypto/name.h"
#include "re6st/crypto/random.h"

namespace re6st::registry {
namespace {
struct CrtWriter {
  mbedtls_x509write_cert w;
  CrtWriter() { mbedtls_x509write_crt_init(&w); }
  ~CrtWriter() { mbedtls_x509write_crt_free(&w); }
};
struct Mpi {
  mbedtls_mpi v;
  Mpi() { mbedtls_mpi_init(&v); }
  ~Mpi() { mbedtls_mpi_free(&v); }
};
}  // namespace

Result<std::string> issueNodeCertificate(const crypto::Certificate& ca, const crypto::PrivateKey& ca_key,
                                         const crypto::PublicKey& node_key, crypto::Name subject,
                                         const std::string& subject_serial, const std::string& cn,
                                         int64_t serial, int64_t not_before, int64_t not_after) {
  // pyOpenSSL semantics: setting a field removes the existing one and appends it.
  std::erase_if(subject, [](const crypto::NameField& f) { return f.name == "serialNumber" || f.name == "CN"; });
  subject.push_back({"serialNumber", subject_serial, 0});
  subject.push_back({"CN", cn, 0});
  auto sub = crypto::MbedName::build(subject);
  if (!sub) return sub.error();
  auto iss = crypto::MbedName::build(ca.subject());
  if (!iss) return iss.error();
  CrtWriter c;
  c.w.subject = sub->release();  // freed by mbedtls_x509write_crt_free
  c.w.issuer = iss->release();
  mbedtls_x509write_crt_set_version(&c.w, MBEDTLS_X509_CRT_VERSION_1);
  mbedtls_x509write_crt_set_md_alg(&c.w, MBEDTLS_MD_SHA512);
  mbedtls_x509write_crt_set_subject_key(&c.w, node_key.raw());
  mbedtls_x509write_crt_set_issuer_key(&c.w, ca_key.raw());
  Mpi s;
  int rc = mbedtls_mpi_lset(&s.v, mbedtls_mpi_sint(serial));
  if (rc == 0) rc = mbedtls_x509write_crt_set_serial(&c.w, &s.v);
  std::string from = crypto::x509TimeString(not_before), to = crypto::x509TimeString(not_after);
  if (rc == 0) rc = mbedtls_x509write_crt_set_validity(&c.w, from.c_str(), to.c_str());
  if (rc != 0) return crypto::mbedFailure(Code::kCrypto, "cannot build certificate", rc);
  std::string pem(16384, '\0');
  rc = mbedtls_x509write_crt_pem(&c.w, reinterpret_cast<unsigned char*>(pem.data()), pem.size(),
                                 crypto::Csprng::mbedRandom, nullptr);
  if (rc != 0) return crypto::mbedFailure(Code::kCrypto, "cannot sign certificate", rc);
  pem.resize(pem.find('\0'));
  return pem;
}

}  // namespace re6st::registry
