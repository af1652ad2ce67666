// The simulated network's CA and shared node key; see pki.h.
#include "re6st/scale/pki.h"

#include "re6st/crypto/ca.h"

namespace re6st::scale {

Result<std::unique_ptr<Pki>> Pki::create(unsigned keyBits) {
  std::unique_ptr<Pki> p(new Pki);
  auto caKey = crypto::PrivateKey::generateRsa(keyBits);
  if (!caKey) return caKey.error().wrap("CA key");
  auto nodeKey = crypto::PrivateKey::generateRsa(keyBits);
  if (!nodeKey) return nodeKey.error().wrap("node key");
  auto pem = nodeKey->pem();
  if (!pem) return pem.error();
  auto pub = nodeKey->publicKey();
  if (!pub) return pub.error();
  p->nodeKeyPem_ = *pem;
  p->nodePub_.emplace(std::move(*pub));
  // 2001:db8:42::/48, the documentation network the tests use (DESIGN.md §2: the CA
  // serial is 1 followed by the network bits).
  auto network = parsePrefix("2001:db8:42::/48");
  if (!network) return network.error();
  auto serial = crypto::caSerialForNetwork(*network);
  if (!serial) return serial.error();
  crypto::CertSpec spec;
  spec.subject = {{"CN", "re6st sim CA"}};
  spec.serial = *serial;
  spec.not_before = kWallStart - 86400;
  spec.not_after = kWallStart + 10 * 365 * 86400;
  auto ca = crypto::createCaCertificate(*caKey, spec);
  if (!ca) return ca.error().wrap("CA certificate");
  auto bits = crypto::networkBitsFromCa(*ca);
  if (!bits) return bits.error();
  p->network_ = *bits;
  p->networkPrefix_ = *network;
  p->caKey_.emplace(std::move(*caKey));
  p->ca_.emplace(std::move(*ca));
  return p;
}

Result<peer::Identity> Pki::identity(const std::string& prefix, uint64_t serial) const {
  crypto::CertSpec spec;
  spec.subject = {{"CN", cnFromBits(prefix)}, {"serialNumber", std::to_string(serial)}};
  spec.serial = crypto::serialFromU128(serial);
  spec.not_before = kWallStart - 86400;
  spec.not_after = kWallStart + 365 * 86400;
  spec.version = 1;  // as re6st-registry issues node certificates
  auto cert = crypto::issueCertificate(*ca_, *caKey_, *nodePub_, spec);
  if (!cert) return cert.error().wrap("node certificate");
  auto key = crypto::PrivateKey::parsePem(nodeKeyPem_);
  if (!key) return key.error();
  return peer::Identity{ca_->clone(), std::move(*cert), std::move(*key)};
}

Result<Bytes> Pki::version(uint64_t n) const {
  Bytes v = packInteger(n);
  auto sig = caKey_->signSha512(v);
  if (!sig) return sig.error();
  v.insert(v.end(), sig->begin(), sig->end());
  return v;
}

}  // namespace re6st::scale
