// Fuzz target for everything re6st/crypto parses from files and the network: PEM and
// DER certificates (then every accessor and a verification against itself), private and
// public keys, and certificate requests (the registry parses these from any client).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "re6st/crypto/ca.h"
#include "re6st/crypto/csr.h"
#include "re6st/crypto/pk.h"
#include "re6st/crypto/verify.h"
#include "re6st/crypto/x509.h"

using namespace re6st;
using namespace re6st::crypto;

static void exercise(const Certificate& c) {
  (void)c.subject();
  (void)c.issuer();
  (void)c.subjectCn();
  (void)c.serialHex();
  (void)c.serialU128();
  (void)c.notBefore();
  (void)c.notAfter();
  (void)c.pem();
  (void)networkFromCa(c);
  (void)checkCertificate(c, c, 1'700'000'000);
  (void)c.publicKey().bits();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ByteSpan bytes(data, size);
  if (auto c = Certificate::parsePem(text); c.ok()) exercise(*c);
  if (auto c = Certificate::parseDer(bytes); c.ok()) exercise(*c);
  if (auto r = Csr::parse(text); r.ok()) {
    (void)r->subject();
    (void)r->publicKey().der();
  }
  (void)PublicKey::parsePem(text);
  (void)PublicKey::parseDer(bytes);
  // Private key parsing checks RSA consistency (bignum work): keep inputs small.
  if (size < 4096) {
    (void)PrivateKey::parsePem(text);
    (void)PrivateKey::parseDer(bytes);
  }
  return 0;
}
