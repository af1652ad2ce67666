#include <catch2/catch.hpp>

#include "crypto_fixtures.h"
#include "re6st/crypto/csr.h"
#include "re6st/crypto/verify.h"

using namespace re6st;
using namespace re6st::crypto;
using namespace re6st::crypto::test;

static std::optional<CertProblem> check(const Certificate& c, int64_t now = kNow,
                                        const RevokedSerials& revoked = {}) {
  return checkCertificate(c, testCa(), now, revoked);
}

TEST_CASE("a certificate issued by the CA verifies inside its validity") {
  Certificate c = issue(testCa(), testKey(0), testKey(1), "1/16", 1);
  CHECK_FALSE(check(c).has_value());
  CHECK(verify(c, testCa(), kNow).ok());
  CHECK_FALSE(check(c, c.notBefore()).has_value());
  CHECK_FALSE(check(c, c.notAfter()).has_value());
}

TEST_CASE("expired and not-yet-valid certificates are named as such") {
  Certificate c = issue(testCa(), testKey(0), testKey(1), "1/16", 1);
  CHECK(check(c, c.notAfter() + 1) == CertProblem::kExpired);
  CHECK(check(c, c.notBefore() - 1) == CertProblem::kNotYetValid);
  Status s = verify(c, testCa(), c.notAfter() + 1);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == Code::kCrypto);
  CHECK(s.error().message == "certificate CN=1/16, serialNumber=0 serial 0x1: expired");
}

TEST_CASE("a certificate from another CA is refused") {
  Certificate other = makeCa(testKey(3), "2001:db8:43::/48", kNow - 10, kNow + 1000,
                             "other@example.com");
  Certificate c = issue(other, testKey(3), testKey(1), "1/16", 1);
  CHECK(check(c) == CertProblem::kWrongCa);
  CHECK_FALSE(checkCertificate(c, other, kNow).has_value());
}

TEST_CASE("a CA with the same name but another key is a bad signature") {
  // Same subject as testCa() (same email, same CN), different key.
  Certificate impostor = makeCa(testKey(3), "2001:db8:42::/48");
  Certificate c = issue(impostor, testKey(3), testKey(1), "1/16", 1);
  CHECK(check(c) == CertProblem::kBadSignature);
}

TEST_CASE("a tampered certificate fails its signature") {
  Certificate c = issue(testCa(), testKey(0), testKey(1), "1/16", 1);
  Bytes der = c.der();
  der[der.size() - 3] ^= 1;  // inside the signature value
  Certificate t = must(Certificate::parseDer(der));
  CHECK(check(t) == CertProblem::kBadSignature);
}

TEST_CASE("revoked serials are refused") {
  Certificate c = issue(testCa(), testKey(0), testKey(1), "1/16", 0x1f);
  CHECK(check(c, kNow, {"1f"}) == CertProblem::kRevoked);
  CHECK_FALSE(check(c, kNow, {"1e", "20"}).has_value());
}

TEST_CASE("an expired CA invalidates everything it signed") {
  Certificate shortCa = makeCa(testKey(3), "2001:db8:44::/48", kNow - 100, kNow + 100);
  Certificate c = issue(shortCa, testKey(3), testKey(1), "1/16", 1, kNow - 50, kNow + 1000);
  CHECK_FALSE(checkCertificate(c, shortCa, kNow).has_value());
  CHECK(checkCertificate(c, shortCa, kNow + 500) == CertProblem::kCaExpired);
  CHECK(std::string(certProblemName(CertProblem::kRevoked)) == "revoked");
}

TEST_CASE("CSRs carry subject and key; the signature is checked") {
  Name subject = {{"CN", "node"}, {"emailAddress", "n@example.com"}, {"O", "re6st"}};
  std::string pem = must(createCsr(testKey(1), subject));
  CHECK(pem.rfind("-----BEGIN CERTIFICATE REQUEST-----", 0) == 0);
  Csr csr = must(Csr::parse(pem));
  CHECK(csr.subject() == subject);
  CHECK(csr.subjectField("emailAddress") == "n@example.com");
  CHECK(csr.publicKey() == must(testKey(1).publicKey()));
  CHECK(must(Csr::parse(asString(csr.der()))).der() == csr.der());

  // Registry flow: keep the request subject, set CN and serialNumber, sign with the CA.
  Name s = csr.subject();
  setNameField(s, "CN", "3/16");
  setNameField(s, "serialNumber", "2");
  CertSpec spec{s, {9}, kNow - 1, kNow + 100};
  Certificate c = must(issueCertificate(testCa(), testKey(0), csr.publicKey(), spec));
  CHECK(c.subjectCn() == "3/16");
  CHECK(c.subjectField("O") == "re6st");
  CHECK(verify(c, testCa(), kNow).ok());

  Bytes der = csr.der();
  der[der.size() - 2] ^= 1;  // signature byte
  auto bad = Csr::parse(asString(der));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("signature") != std::string::npos);
  CHECK_FALSE(Csr::parse("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n").ok());
  CHECK_FALSE(Csr::parse("").ok());
  // An empty subject (anonymous re6st-conf) is valid: mbedTLS' own parser refuses it.
  Csr anonymous = must(Csr::parse(must(createCsr(testKey(2), {}))));
  CHECK(anonymous.subject().empty());
  CHECK(anonymous.publicKey() == must(testKey(2).publicKey()));
  // Trailing bytes after the request and truncations are refused.
  Bytes longer = csr.der();
  longer.push_back(0);
  CHECK_FALSE(Csr::parse(asString(longer)).ok());
  for (size_t cut : {size_t(1), size_t(10), csr.der().size() / 2, csr.der().size() - 1})
    CHECK_FALSE(Csr::parse(asString(ByteSpan(csr.der()).first(cut))).ok());
}
