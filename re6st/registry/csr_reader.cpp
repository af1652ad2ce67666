#include "re6st/registry/csr_reader.h"

#include "re6st/crypto/csr.h"

namespace re6st::registry {

Result<NodeRequest> parseNodeRequest(std::string_view pem) {
  // re6st-registry loads requests as PEM only; bound the text before decoding it.
  if (pem.size() > 64 * 1024 || pem.find("-----BEGIN") == std::string_view::npos)
    return makeError(Code::kInvalid, "bad certificate request: not a PEM certificate request");
  auto csr = crypto::Csr::parse(pem);  // checks the self-signature; accepts an empty subject
  if (!csr) return makeError(Code::kInvalid, csr.error().message);
  crypto::PublicKey key = csr->publicKey();
  if (!key.isRsa()) return makeError(Code::kInvalid, "bad certificate request: node keys must be RSA");
  return NodeRequest{csr->subject(), std::move(key)};
}

}  // namespace re6st::registry
