// Certificate requests as the registry accepts them: PKCS#10 PEM from re6st-conf (subject
// often EMPTY), parsed by crypto::Csr, which checks the self-signature (re6st-registry
// does not; we refuse forged requests), restricted to RSA node keys. Pure.
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
