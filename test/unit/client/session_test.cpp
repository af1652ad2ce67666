#include "re6st/client/session.h"

#include <catch2/catch.hpp>

#include "cli_fake_registry.h"
#include "re6st/client/registry_client.h"
#include "re6st/crypto/hmac.h"

using namespace re6st;
using namespace re6st::client;

namespace {
Bytes hex(std::string_view h) {
  Bytes b;
  REQUIRE(fromHex(h, b));
  return b;
}
}  // namespace

TEST_CASE("HmacChain reproduces the captured Re6stHMAC exchange", "[client]") {
  // REGISTRY-PROTOCOL.md §3 worked example.
  HmacChain chain;
  chain.setKey(hex("eb9ed21a566cfb644df3304e52ff8e466b70057b"));
  auto s1 = chain.sign("/getNetworkConfig?cn=0000000000000001");
  CHECK(s1.header == "6zvFdjkOyfcMGE+RWGYYcTGooHo=");
  CHECK(toHex(s1.response_key) == "23ef21fd62025e92b1cca312c901fa8064182e38");
  CHECK(toHex(*chain.key()) == "7880709dea3a0b4ac16cee63588a618d1c20dd28");
  auto s2 = chain.sign("/renewCertificate?cn=0000000000000001");
  CHECK(s2.header == "7KIKouDTClJknZfwYrKmTm7IRMY=");
}

TEST_CASE("HmacChain::checkResponse accepts only the right MAC", "[client]") {
  Bytes rk = hex("23ef21fd62025e92b1cca312c901fa8064182e38");
  Bytes body = toBytes("hello");
  std::string good = base64Encode(crypto::hmacSha1(rk, body));
  CHECK(HmacChain::checkResponse(rk, body, &good));
  std::string bad = good;
  bad[0] = bad[0] == 'A' ? 'B' : 'A';
  CHECK(!HmacChain::checkResponse(rk, body, &bad));
  std::string junk = "***";
  CHECK(!HmacChain::checkResponse(rk, body, &junk));
  CHECK(!HmacChain::checkResponse(rk, body, nullptr));
}

TEST_CASE("rpcTarget encodes parameters like urlencode, in order", "[client]") {
  CHECK(rpcTarget("getCa", {}) == "/getCa");
  CHECK(rpcTarget("requestCertificate",
                  {{"token", "ab cd"}, {"req", "-----X/Y\n"}, {"location", ""}, {"ip", ""}}) ==
        "/requestCertificate?token=ab+cd&req=-----X%2FY%0A&location=&ip=");
  CHECK(rpcTarget("requestToken", {{"email", "bob@example.com"}}) ==
        "/requestToken?email=bob%40example.com");
}

TEST_CASE("openHello checks the CA signature and decrypts the secret", "[client]") {
  auto ca = crypto::PrivateKey::generateRsa(1024).value();
  auto node = crypto::PrivateKey::generateRsa(1024).value();
  Bytes k = toBytes("01234567890123456789");
  Bytes x = node.publicKey().value().encrypt(k).value();
  Bytes s = ca.signSha512(x).value();
  Bytes body = x;
  body.insert(body.end(), s.begin(), s.end());
  auto r = openHello(body, ca.publicKey().value(), node);
  REQUIRE(r.ok());
  CHECK(r.value() == k);
  Bytes forged = body;
  forged[10] ^= 1;
  CHECK(openHello(forged, ca.publicKey().value(), node).error().code == Code::kCrypto);
  CHECK(
      openHello(ByteSpan(body).first(body.size() - 1), ca.publicKey().value(), node).error().code ==
      Code::kProtocol);
  CHECK(!openHello({}, ca.publicKey().value(), node).ok());
  // Signed by another CA.
  auto other = crypto::PrivateKey::generateRsa(1024).value();
  CHECK(!openHello(body, other.publicKey().value(), node).ok());
}

namespace {
struct Enrolled {
  testing::FakeRegistry reg;
  crypto::PrivateKey key = crypto::PrivateKey::generateRsa(1024).value();
  std::string bits;
  crypto::Certificate cert = enrol();

  crypto::Certificate enrol() {
    RegistryClient c(reg);
    // A subject field: mbedTLS cannot parse an empty-subject CSR (crypto layer limitation).
    auto csr = crypto::createCsr(key, {{"O", "test"}}).value();
    auto pem = c.requestCertificate("", csr);
    INFO((pem.ok() ? "" : pem.error().message));
    REQUIRE(pem.ok());
    REQUIRE(pem->has_value());
    auto crt = crypto::Certificate::parsePem(**pem).value();
    bits = bitsFromCn(crt.subjectCn()).value();
    return crt;
  }
};
}  // namespace

TEST_CASE("RegistryClient authenticates with hello and follows the key chain", "[client]") {
  Enrolled e;
  RegistryClient c(e.reg);
  c.setIdentity(e.bits, &e.key, &e.reg.ca);
  auto r1 = c.callSync("getNetworkConfig", {{"cn", e.bits}});
  REQUIRE(r1.ok());
  CHECK(asString(r1.value()) == "{\"config\": 1}");
  auto r2 = c.callSync("renewCertificate", {{"cn", e.bits}});
  REQUIRE(r2.ok());
  CHECK(asString(r2.value()) == e.cert.pem());
  CHECK(e.reg.hello_calls == 1);  // the chain continued without a new hello
}

TEST_CASE("RegistryClient absorbs a registry restart with one new hello", "[client]") {
  Enrolled e;
  RegistryClient c(e.reg);
  c.setIdentity(e.bits, &e.key, &e.reg.ca);
  REQUIRE(c.callSync("getNetworkConfig", {{"cn", e.bits}}).ok());
  e.reg.forgetSessions();
  auto r = c.callSync("getNetworkConfig", {{"cn", e.bits}});
  REQUIRE(r.ok());
  CHECK(e.reg.hello_calls == 2);
}

TEST_CASE("RegistryClient rejects a forged response MAC and unknown nodes", "[client]") {
  Enrolled e;
  RegistryClient c(e.reg);
  c.setIdentity(e.bits, &e.key, &e.reg.ca);
  e.reg.forge_response_mac = true;
  auto r = c.callSync("getNetworkConfig", {{"cn", e.bits}});
  REQUIRE(!r.ok());
  CHECK(r.error().code == Code::kCrypto);
  RegistryClient stranger(e.reg);
  stranger.setIdentity("0000000000000111", &e.key, &e.reg.ca);
  auto s = stranger.callSync("getNetworkConfig", {{"cn", "0000000000000111"}});
  REQUIRE(!s.ok());
  CHECK(s.error().message == "hello: HTTP 404");
  RegistryClient anonymous(e.reg);
  CHECK(anonymous.callSync("getNetworkConfig", {{"cn", e.bits}}).error().code == Code::kInvalid);
}

TEST_CASE("RegistryClient maps statuses: 204 empty, 403 permission, others protocol", "[client]") {
  testing::FakeRegistry reg;
  RegistryClient c(reg);
  reg.anonymous = false;
  auto none = c.requestCertificate("", "x");
  REQUIRE(none.ok());
  CHECK(!none->has_value());
  CHECK(c.callSync("noSuchMethod", {}).error().message == "noSuchMethod: HTTP 400");
  CHECK(reg.targets.back() == "/noSuchMethod");
}
