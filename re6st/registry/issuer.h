// Node certificates as re6st-registry issues them (REGISTRY-PROTOCOL.md §6), through
// crypto::issueCertificate with CertSpec version 1: X.509 v1
// without extensions, issuer = CA subject, RSA-SHA512, subject = request subject with
// serialNumber then CN appended last. Pure apart from the CSPRNG used for RSA blinding.
#pragma once

#include <cstdint>
#include <string>

#include "re6st/base/result.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/x509.h"

namespace re6st::registry {

// subject: the request's fields; any serialNumber/CN in it is replaced (moved last).
Result<crypto::Certificate> issueNodeCertificate(const crypto::Certificate& ca, const crypto::PrivateKey& ca_key,
                                         const crypto::PublicKey& node_key, crypto::Name subject,
                                         const std::string& subject_serial, const std::string& cn,
                                         int64_t serial, int64_t not_before, int64_t not_after);

}  // namespace re6st::registry
