#include <catch2/catch.hpp>

#include "crypto_fixtures.h"
#include "re6st/crypto/ca.h"
#include "re6st/crypto/name.h"
#include "re6st/crypto/x509.h"

using namespace re6st;
using namespace re6st::crypto;
using namespace re6st::crypto::test;

TEST_CASE("the CA serial encodes the network prefix behind a leading 1 bit") {
  Bytes s = must(caSerialForNetwork(must(parsePrefix("2001:db8:42::/48"))));
  CHECK(serialToHex(s) == "120010db80042");
  CHECK(serialToHex(must(caSerialForNetwork(must(parsePrefix("::/0"))))) == "1");
  CHECK(serialToHex(must(caSerialForNetwork(must(parsePrefix("8000::/1"))))) == "3");
  auto full = caSerialForNetwork(must(parsePrefix("2001:db8::1/128")));
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().message.find("no room") != std::string::npos);
  CHECK(must(caSerialForNetwork(must(parsePrefix("2001:db8::/127")))).size() == 16);
}

TEST_CASE("a CA certificate gives back its network, subject and validity") {
  const Certificate& ca = testCa();
  CHECK(ca.serialHex() == "120010db80042");
  CHECK(ca.serialU64() == 0x120010db80042ULL);
  CHECK(must(networkFromCa(ca)).str() == "2001:db8:42::/48");
  CHECK(must(networkBitsFromCa(ca)) == must(parsePrefix("2001:db8:42::/48")).bits());
  CHECK(ca.subjectCn() == "re6st test CA");
  CHECK(ca.subjectField("emailAddress") == "admin@example.com");
  CHECK_FALSE(ca.subjectField("O").has_value());
  CHECK(ca.notBefore() == kNow - 86400);
  CHECK(ca.notAfter() == kNow + 86400 * 365);
  CHECK(ca.isCa());
  CHECK(ca.version() == 3);
  CHECK(ca.issuer() == ca.subject());
}

TEST_CASE("issued certificates carry the requested subject, serial and validity") {
  Certificate cert = issue(testCa(), testKey(0), testKey(1), "5/16", 7);
  CHECK(cert.subjectCn() == "5/16");
  CHECK(cert.subjectField("serialNumber") == "0");
  CHECK(cert.serialHex() == "7");
  CHECK(cert.serial() == Bytes{7});
  CHECK(cert.notBefore() == kNow - 3600);
  CHECK(cert.notAfter() == kNow + 86400);
  CHECK_FALSE(cert.isCa());
  CHECK(cert.issuer() == testCa().subject());
  CHECK(cert.publicKey() == must(testKey(1).publicKey()));
  // Subject order is kept as given.
  Name n = cert.subject();
  REQUIRE(n.size() == 2);
  CHECK(n[0].name == "CN");
  CHECK(n[1].name == "serialNumber");
}

TEST_CASE("certificates round-trip through PEM and DER; clone is identical") {
  Certificate cert = issue(testCa(), testKey(0), testKey(1), "6/16", 8);
  Certificate a = must(Certificate::parsePem(cert.pem()));
  Certificate b = must(Certificate::parseDer(cert.der()));
  CHECK(a.der() == cert.der());
  CHECK(b.der() == cert.der());
  CHECK(cert.clone().der() == cert.der());
  // Text before the PEM block and a second certificate after it are ignored.
  Certificate c = must(Certificate::parsePem("junk\n" + cert.pem() + testCa().pem()));
  CHECK(c.der() == cert.der());
}

TEST_CASE("issuing refuses bad specifications") {
  CertSpec spec;
  spec.subject = {{"CN", "1/16"}};
  spec.serial = {};
  spec.not_before = kNow;
  spec.not_after = kNow + 10;
  PublicKey pub = must(testKey(1).publicKey());
  CHECK_FALSE(issueCertificate(testCa(), testKey(0), pub, spec).ok());  // zero serial
  spec.serial = Bytes(21, 1);
  CHECK_FALSE(issueCertificate(testCa(), testKey(0), pub, spec).ok());  // > 20 bytes
  spec.serial = {1};
  spec.not_after = kNow - 1;
  CHECK_FALSE(issueCertificate(testCa(), testKey(0), pub, spec).ok());  // ends before start
  spec.not_after = kNow + 10;
  auto wrong = issueCertificate(testCa(), testKey(1), pub, spec);  // key is not the CA's
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message.find("CA key") != std::string::npos);
  spec.subject = {{"bogusField", "x"}};
  CHECK_FALSE(issueCertificate(testCa(), testKey(0), pub, spec).ok());
}

TEST_CASE("serials up to 20 bytes and dates after 2049 are handled") {
  CertSpec spec;
  spec.subject = {{"CN", "1/16"}};
  spec.serial = Bytes(20, 0xff);  // high bit set: encoded with a leading zero
  spec.not_before = kNow;
  spec.not_after = 4102444800;  // 2100-01-01: GeneralizedTime
  Certificate c = must(issueCertificate(testCa(), testKey(0), must(testKey(1).publicKey()), spec));
  CHECK(c.serial() == Bytes(20, 0xff));
  CHECK_FALSE(c.serialU128().has_value());
  CHECK(c.notAfter() == 4102444800);
}

TEST_CASE("x509 time conversion matches known dates") {
  CHECK(x509TimeString(0) == "19700101000000");
  CHECK(x509TimeString(951782400) == "20000229000000");
  CHECK(x509TimeString(4102444799) == "20991231235959");
  mbedtls_x509_time t{2024, 2, 29, 12, 34, 56};
  CHECK(unixFromX509Time(t) == 1709210096);
}

TEST_CASE("serial helpers") {
  CHECK(serialToHex(Bytes{0, 0, 1, 0x2a}) == "12a");
  CHECK(serialToHex(Bytes{}) == "0");
  CHECK(*serialFromHex("0x120010db80042") == Bytes{0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x42});
  CHECK_FALSE(serialFromHex("xyz").ok());
  CHECK_FALSE(serialFromHex("").ok());
  CHECK(serialFromU128(0x1234) == Bytes{0x12, 0x34});
}

TEST_CASE("names: fields, dotted OIDs and unknown names") {
  Name n = {{"CN", "a"}, {"O", "b"}};
  setNameField(n, "CN", "c");
  setNameField(n, "serialNumber", "4");
  CHECK(nameString(n) == "CN=c, O=b, serialNumber=4");
  CHECK(nameField(n, "O") == "b");
  CHECK(*oidFromDotted("2.5.4.3") == std::string("\x55\x04\x03", 3));
  CHECK(*oidFromDotted("1.2.840.113549.1.9.1") ==
        std::string("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01", 9));
  CHECK_FALSE(oidFromDotted("3.1").has_value());
  CHECK_FALSE(oidFromDotted("1..2").has_value());
  CHECK_FALSE(oidFromDotted("1.40").has_value());
  CHECK_FALSE(oidFromDotted("abc").has_value());
  CHECK(MbedName::build({{"1.3.6.1.4.1.99999.1", "x"}}).ok());
  CHECK_FALSE(MbedName::build({{"nonsense", "x"}}).ok());
}

TEST_CASE("corrupt certificates are rejected with a clear error") {
  std::string pem = testCa().pem();
  CHECK_FALSE(Certificate::parsePem("").ok());
  CHECK_FALSE(Certificate::parsePem("hello").ok());
  std::string cut = pem.substr(0, pem.size() / 2);
  CHECK_FALSE(Certificate::parsePem(cut).ok());
  std::string flipped = pem;
  flipped[40] = flipped[40] == 'A' ? 'B' : 'A';
  auto r = Certificate::parsePem(flipped);
  if (!r.ok()) CHECK(r.error().message.find("certificate") != std::string::npos);
  Bytes der = testCa().der();
  der.resize(der.size() - 10);
  CHECK_FALSE(Certificate::parseDer(der).ok());
  TempDir dir;
  auto missing = Certificate::load(dir.file("ca.crt"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("ca.crt") != std::string::npos);
}

TEST_CASE("large certificates round-trip through PEM") {
  CertSpec spec;
  spec.subject = {{"CN", "1/16"}, {"O", std::string(6000, 'o')}, {"OU", "a,b=c+d"}};
  spec.serial = {3};
  spec.not_before = kNow;
  spec.not_after = kNow + 100;
  Certificate c = must(issueCertificate(testCa(), testKey(0), must(testKey(1).publicKey()), spec));
  CHECK(c.der().size() > 6000);
  Certificate back = must(Certificate::parsePem(c.pem()));
  CHECK(back.der() == c.der());
  CHECK(back.subjectField("OU") == "a,b=c+d");
  CHECK(back.subjectField("O")->size() == 6000);
}

TEST_CASE("v1 node certificates carry no extensions, as re6st-registry issues them") {
  CertSpec spec;
  spec.subject = {{"emailAddress", "carol@example.com"}, {"serialNumber", "2"}, {"CN", "2/16"}};
  spec.serial = {3};
  spec.not_before = kNow;
  spec.not_after = kNow + 365 * 86400;
  spec.version = 1;
  Certificate c = must(issueCertificate(testCa(), testKey(0), must(testKey(1).publicKey()), spec));
  CHECK(c.version() == 1);
  CHECK_FALSE(c.isCa());
  CHECK(c.subject() == spec.subject);
  CHECK(c.raw()->v3_ext.len == 0);
  spec.version = 2;
  CHECK_FALSE(issueCertificate(testCa(), testKey(0), must(testKey(1).publicKey()), spec).ok());
}
