#include "re6st/registry/api.h"

#include <nlohmann/json.hpp>

#include "re6st/crypto/csr.h"
#include "registry_fixture.h"

using namespace r6reg;
using json = nlohmann::json;

TEST_CASE("api routes like BaseHTTPRequestHandler + RegistryServer", "[api]") {
  Fixture f;
  CHECK(f.getOk("/getCa") == caCert().pem());
  CHECK(f.get("/").response.status == 400);
  CHECK(f.get("/getCa/").response.status == 400);
  CHECK(f.get("/a/b").response.status == 400);
  CHECK(f.get("/noSuchMethod").response.status == 400);
  CHECK(f.get("/getCa?x=1").response.status == 400);       // extra parameter
  CHECK(f.get("/hello").response.status == 400);           // missing parameter
  CHECK(f.get("/requestToken?token").response.status == 400);  // strict query
  CHECK(f.get("/requestToken?email=a%40b").response.status == 403);  // no --mailhost
  CHECK(f.get("/getDh?cn=0101").response.status == 400);   // no Re6stHMAC header
  CHECK(f.get("/getDh?cn=0101", "127.0.0.1", "AAAA").response.status == 401);  // no session
  CHECK(f.get("/hello?client_prefix=0101&protocol=10").response.status == 404);
  CHECK(f.get("/getCountry?cn=&address=1.2.3.4").response.status == 400);
}

TEST_CASE("private RPCs only from --authorized-origin", "[api]") {
  Fixture f;
  CHECK(f.get("/isToken?token=abc", "192.0.2.1").response.status == 403);
  CHECK(f.get("/isToken?token=abc", "127.0.0.1", {}, std::string("192.0.2.1")).response.status == 403);
  CHECK(f.get("/isToken?token=abc", "::ffff:127.0.0.1").response.status == 204);
  CHECK(f.get("/addToken?email=dave%40example.com&token=interopx").response.status == 204);
  CHECK(f.get("/addToken?email=dave%40example.com&token=interopx").response.status == 409);
  CHECK(f.getOk("/isToken?token=interopx") == "1");
  CHECK(f.get("/deleteToken?token=interopx").response.status == 204);
  CHECK(f.get("/isToken?token=interopx").response.status == 204);
}

TEST_CASE("registration, hello, HMAC chain and network config", "[api]") {
  Fixture f;
  auto ka = nodeKey(), kb = nodeKey();
  auto pem = f.registerAnon(ka);
  auto cert = crypto::Certificate::parsePem(pem).value();
  CHECK(cert.subjectCn() == "0/20");
  CHECK(cert.subjectField("serialNumber") == std::string("0"));
  CHECK(cert.serialU64() == 1u);
  CHECK(cert.version() == 1);
  CHECK(cert.notAfter() - cert.notBefore() == kCertDuration);
  CHECK(f.api->registryPrefix() == "00000000000000000000");
  CHECK(f.api->version() == 1);

  // Token registration gets a /16 (REGISTRY-PROTOCOL.md §7 order).
  REQUIRE(f.get("/addToken?email=bob%40example.com&token=tok").response.status == 204);
  http::Query q;
  q.add("token", "tok");
  q.add("req", csrFor(kb, {{"emailAddress", "bob@example.com", 0}}));
  auto bpem = f.getOk("/requestCertificate?" + http::encodeQuery(q));
  auto bcert = crypto::Certificate::parsePem(bpem).value();
  CHECK(bcert.subjectCn() == "1/16");
  CHECK(crypto::nameString(bcert.subject()) == "emailAddress=bob@example.com, serialNumber=1, CN=1/16");
  CHECK(f.get("/requestCertificate?" + http::encodeQuery(q)).response.status == 204);  // used token
  CHECK(f.getOk("/getNodePrefix?email=bob%40example.com") == "1/16");
  CHECK(f.getOk("/getIPv6Address?email=bob%40example.com") == "2001:db8:42:1::");

  Client a{f, "00000000000000000000", ka, {}};
  a.hello();
  auto target = "/getNetworkConfig?cn=00000000000000000000";
  auto r = a.call(target);
  REQUIRE(r.status == 200);
  CHECK(r.body[0] == 0x78);
  auto text = asString(inflate(r.body));
  CHECK(text.rfind("{\"babel_default\": \"max-rtt-penalty 5000 rtt-max 500 rtt-decay 125\", \"crl\": [], "
                   "\"protocol\": 10, \"registry_prefix\": \"00000000000000000000\", \"client_count\": 10",
                   0) == 0);
  auto j = json::parse(text);
  Bytes version, hmac;
  REQUIRE(base64Decode(j["version"].get<std::string>(), version));
  CHECK(version[0] == 1);
  CHECK(caCert().publicKey().verifySha512(ByteSpan(version).subspan(0, 1), ByteSpan(version).subspan(1)).ok());
  REQUIRE(base64Decode(j["babel_hmac_sign"].get<std::string>(), hmac));
  CHECK(ka.decrypt(hmac).value().size() == 16);
  CHECK_FALSE(j.contains("babel_hmac_accept"));

  // Replaying the same signed target fails (key chain moved on): 400, session kept.
  auto replay = base64Encode(crypto::hmacSha1(crypto::sha1(crypto::sha1(crypto::sha1(a.secret))), asBytes(target)));
  CHECK(f.get(target, "127.0.0.1", replay).response.status == 400);
  CHECK(a.call("/getDh?cn=00000000000000000000").body == toBytes("DH PARAMS\n"));
  // Two live secrets: after a new hello, the previous chain key still works once.
  Bytes old = a.secret;
  a.hello();
  Bytes hello_key = a.secret;
  a.secret = old;
  CHECK(a.call(target).status == 200);
  a.secret = hello_key;  // collapsed onto the other chain: the hello key is gone
  auto mac = base64Encode(crypto::hmacSha1(hello_key, asBytes(target)));
  CHECK(f.get(target, "127.0.0.1", mac).response.status == 400);
}

TEST_CASE("revocation reaches the CRL and renewal follows re6st rules", "[api]") {
  Fixture f;
  auto ka = nodeKey(), kb = nodeKey();
  f.registerAnon(ka);
  auto bpem = f.registerAnon(kb);
  auto bcert = crypto::Certificate::parsePem(bpem).value();
  CHECK(bcert.subjectCn() == "1/20");
  Client a{f, "00000000000000000000", ka, {}};
  a.hello();
  Client b{f, "00000000000000000001", kb, {}};
  b.hello();
  // Renewal too early returns the same PEM.
  CHECK(asString(b.call("/renewCertificate?cn=00000000000000000001").body) == bpem);
  // Revoke by serial: CRL only, the session still works; the renewal keeps notAfter.
  CHECK(f.get("/revoke?cn_or_serial=2").response.status == 204);
  CHECK(f.get("/revoke?cn_or_serial=2").response.status == 500);  // twice
  CHECK(f.api->version() == 2);
  auto j = json::parse(asString(inflate(a.call("/getNetworkConfig?cn=00000000000000000000").body)));
  CHECK(j["crl"] == json::array({2}));
  auto renewed = crypto::Certificate::parsePem(asString(b.call("/renewCertificate?cn=00000000000000000001").body)).value();
  CHECK(renewed.serialU64() == 3u);
  CHECK(renewed.notAfter() == bcert.notAfter());
  CHECK(renewed.subjectCn() == "1/20");
  // Near expiry: a fresh year.
  f.now_us += (kCertDuration - 10 * 86400) * int64_t(1000000);
  auto fresh = crypto::Certificate::parsePem(asString(b.call("/renewCertificate?cn=00000000000000000001").body)).value();
  CHECK(fresh.serialU64() == 4u);
  CHECK(fresh.notAfter() > bcert.notAfter());
  // Revoke by CN: row freed, session dropped, later hello is 404.
  CHECK(f.get("/revoke?cn_or_serial=1%2F20").response.status == 204);
  CHECK(f.get("/revoke?cn_or_serial=1%2F20").response.status == 404);
  CHECK(f.get("/hello?client_prefix=00000000000000000001&protocol=10").response.status == 404);
  CHECK(b.call("/getNetworkConfig?cn=00000000000000000001").status == 401);
}

TEST_CASE("updateHMAC rotates Babel keys and bumps the version", "[api]") {
  Fixture f;
  auto ka = nodeKey();
  f.registerAnon(ka);
  Client a{f, "00000000000000000000", ka, {}};
  a.hello();
  auto conf = [&] { return json::parse(asString(inflate(a.call("/getNetworkConfig?cn=00000000000000000000").body))); };
  auto key = [&](const json& j, const char* name) {
    Bytes b;
    REQUIRE(base64Decode(j[name].get<std::string>(), b));
    return ka.decrypt(b).value();
  };
  auto j0 = conf();
  Bytes k0 = key(j0, "babel_hmac_sign");
  REQUIRE(f.get("/updateHMAC").response.status == 204);
  auto j1 = conf();
  CHECK(key(j1, "babel_hmac_sign") == k0);
  Bytes k1 = key(j1, "babel_hmac_accept");
  CHECK(j1.contains("valid_until"));
  REQUIRE(f.get("/updateHMAC").response.status == 204);
  auto j2 = conf();
  CHECK(key(j2, "babel_hmac_sign") == k1);
  CHECK(key(j2, "babel_hmac_accept") == k0);
  CHECK_FALSE(j2.contains("valid_until"));
  REQUIRE(f.get("/updateHMAC").response.status == 204);
  auto j3 = conf();
  CHECK(key(j3, "babel_hmac_sign") == k1);
  CHECK_FALSE(j3.contains("babel_hmac_accept"));
  CHECK(f.api->version() == 4);
  // A restart with the same options keeps the version.
  f.start();
  CHECK(f.api->version() == 4);
  f.options.net.client_count = 12;
  f.start();
  CHECK(f.api->version() == 5);
}

TEST_CASE("cleanup frees certificates expired past the grace period", "[api]") {
  Fixture f;
  auto ka = nodeKey(), kb = nodeKey();
  f.registerAnon(ka);
  f.registerAnon(kb);
  REQUIRE(f.get("/addToken?email=x%40y&token=old").response.status == 204);
  int64_t now_s = f.now_us / 1000000;
  auto next = f.api->cleanup(now_s);
  REQUIRE(next.ok());
  CHECK(*next == now_s + kDefaultGracePeriod);  // the token expires first
  auto later = f.api->cleanup(now_s + kCertDuration + kDefaultGracePeriod + 1);
  REQUIRE(later.ok());
  CHECK(f.get("/isToken?token=old").response.status == 204);
  // The registry node's certificate is never deleted; the other one is.
  CHECK(f.api->issuedCount() == 1);
  CHECK(f.get("/hello?client_prefix=00000000000000000001&protocol=10").response.status == 404);
}

TEST_CASE("requestCertificate refuses bad or DER requests without using the token", "[api]") {
  Fixture f;
  REQUIRE(f.get("/addToken?email=bob%40example.com&token=tok").response.status == 204);
  auto k = nodeKey();
  std::string pem = csrFor(k, {});
  std::string der = asString(crypto::Csr::parse(pem).value().der());
  std::string forged = pem;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& req : {std::string("junk"), der, forged, pem.substr(0, pem.size() / 2)}) {
    http::Query q;
    q.add("token", "tok");
    q.add("req", req);
    CHECK(f.get("/requestCertificate?" + http::encodeQuery(q)).response.status == 500);
  }
  http::Query q;
  q.add("token", "tok");
  q.add("req", pem);
  CHECK(f.get("/requestCertificate?" + http::encodeQuery(q)).response.status == 200);
}
