// Re6stHMAC client session and RPC target encoding.
#include "re6st/client/session.h"

#include "re6st/crypto/hmac.h"
#include "re6st/http/query.h"

namespace re6st::client {

std::string rpcTarget(std::string_view method, const Params& params) {
  std::string t = "/" + std::string(method);
  if (params.empty()) return t;
  http::Query q;
  for (const auto& [k, v] : params) q.add(k, v);
  return t + "?" + http::encodeQuery(q);
}

Result<Bytes> openHello(ByteSpan body, const crypto::PublicKey& ca_key,
                        const crypto::PrivateKey& node_key) {
  // REGISTRY-PROTOCOL.md §3: body = X ‖ S with len(X) == len(S) == key size.
  if (body.empty() || body.size() % 2 != 0)
    return makeError(Code::kProtocol, "hello: answer of " + std::to_string(body.size()) + " bytes");
  size_t half = body.size() / 2;
  ByteSpan x = body.first(half), s = body.subspan(half);
  if (auto st = ca_key.verifySha512(x, s); !st.ok())
    return makeError(Code::kCrypto, "hello: bad CA signature (" + st.error().message + ")");
  auto secret = node_key.decrypt(x);
  if (!secret.ok()) return secret.error().wrap("hello: cannot decrypt the session secret");
  if (secret->empty()) return makeError(Code::kProtocol, "hello: empty session secret");
  return secret;
}

HmacChain::Signed HmacChain::sign(std::string_view target) {
  const Bytes& k = *key_;
  Signed s;
  s.header = base64Encode(crypto::hmacSha1(k, asBytes(target)));
  s.response_key = crypto::sha1(k);
  key_ = crypto::sha1(s.response_key);
  return s;
}

bool HmacChain::checkResponse(const Bytes& response_key, ByteSpan body, const std::string* header) {
  if (!header) return false;
  Bytes got;
  if (!base64Decode(*header, got)) return false;
  return crypto::constantTimeEqual(got, crypto::hmacSha1(response_key, body));
}

}  // namespace re6st::client
