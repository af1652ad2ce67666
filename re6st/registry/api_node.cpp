// Answers that need the registry's own node (REGISTRY-PROTOCOL.md §12): the driver runs
// the UDP conversation and hands the outcome back here to be encrypted and signed.
#include "re6st/base/log.h"
#include "re6st/base/prefix.h"
#include "re6st/crypto/hmac.h"
#include "re6st/registry/api.h"

namespace re6st::registry {

namespace {
ApiResponse sign(ApiResponse r, const NodeWork& w) {
  if (r.status == 200 && r.body.empty()) r.status = 204;
  if (w.response_key && (r.status == 200 || r.status == 204))
    r.hmac = base64Encode(crypto::hmacSha1(*w.response_key, r.body));
  return r;
}

// Protocol < 7 nodes do not know the country field: keep "ip,port,proto" of each address.
std::string stripCountry(const std::string& msg) {
  std::string out;
  size_t start = 0;
  for (;;) {
    size_t end = msg.find(';', start);
    std::string a = msg.substr(start, end == std::string::npos ? std::string::npos : end - start);
    size_t cut = a.find(',');
    if (cut != std::string::npos) cut = a.find(',', cut + 1);
    if (cut != std::string::npos) cut = a.find(',', cut + 1);
    if (cut != std::string::npos) a.resize(cut);
    out += a;
    if (end == std::string::npos) return out;
    out += ';';
    start = end + 1;
  }
}
}  // namespace

std::string Api::bootstrapPeer(const std::string& cn, int64_t now_s,
                               const std::optional<std::vector<std::string>>& routes) {
  if (routes) bootstrap_.refill(now_s, *routes, prefix_, random_);
  return bootstrap_.pick(cn, prefix_);
}

ApiResponse Api::finishBootstrap(const NodeWork& w, const std::optional<std::string>& reply) {
  if (!reply) {
    LOG_INFO("Timeout while querying address for " + cnFromBits(w.peer));
    return sign({204, {}, {}}, w);
  }
  std::string msg = w.protocol < 7 ? stripCountry(*reply) : *reply;
  auto pem = certPem(w.cn);
  if (!pem || !*pem) return {500, {}, {}};
  auto cert = crypto::Certificate::parsePem(**pem);
  if (!cert) return {500, {}, {}};
  msg = w.peer + " " + msg;
  LOG_INFO("Sending bootstrap peer: " + msg);
  auto enc = cert->publicKey().encrypt(asBytes(msg));
  if (!enc) return {500, {}, {}};
  return sign({200, *enc, {}}, w);
}

ApiResponse Api::finishJson(const NodeWork& w, const std::string& json) {
  return sign({200, toBytes(json), {}}, w);
}

ApiResponse Api::finishIpv4(const NodeWork& w, const std::optional<std::string>& reply) {
  if (!reply) return sign({204, {}, {}}, w);
  return sign({200, toBytes(reply->substr(0, reply->find(','))), {}}, w);
}

}  // namespace re6st::registry
