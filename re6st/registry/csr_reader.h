// Certificate requests as the registry reads them: PKCS#10 PEM from re6st-conf, whose
// subject is often EMPTY (anonymous registration), which mbedTLS 2.28's CSR parser
// refuses. This reader walks the DER itself, keeps subject and key, and checks the
// self-signature (re6st-registry does not; we refuse forged requests). Pure.
#pragma once

#include <string_view>

#include "re6st/base/result.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/x509.h"

namespace re6st::registry {

struct NodeRequest {
  crypto::Name subject;
  crypto::PublicKey key;
};

// kInvalid for anything that is not a well-formed, correctly self-signed request.
Result<NodeRequest> parseNodeRequest(std::string_view pem);

}  // namespace re6st::registry
