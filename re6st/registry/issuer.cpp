#include "re6st/registry/issuer.h"

#include <algorithm>

#include "re6st/crypto/ca.h"

namespace re6st::registry {

Result<crypto::Certificate> issueNodeCertificate(const crypto::Certificate& ca, const crypto::PrivateKey& ca_key,
                                         const crypto::PublicKey& node_key, crypto::Name subject,
                                         const std::string& subject_serial, const std::string& cn,
                                         int64_t serial, int64_t not_before, int64_t not_after) {
  // pyOpenSSL semantics: setting a field removes the existing one and appends it.
  std::erase_if(subject, [](const crypto::NameField& f) { return f.name == "serialNumber" || f.name == "CN"; });
  subject.push_back({"serialNumber", subject_serial, 0});
  subject.push_back({"CN", cn, 0});
  crypto::CertSpec spec{std::move(subject), {}, not_before, not_after, 1};
  for (int shift = 56; shift >= 0; shift -= 8) spec.serial.push_back(uint8_t(uint64_t(serial) >> shift));
  return crypto::issueCertificate(ca, ca_key, node_key, spec);
}

}  // namespace re6st::registry
