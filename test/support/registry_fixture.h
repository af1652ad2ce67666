// Test fixture for the registry API: a throwaway CA for 2001:db8:42::/48 (1024-bit RSA
// keys so tests stay fast), a temporary database and helpers that sign requests the way
// re6st's RegistryClient does. Test-only; single-threaded.
#pragma once

#include <zlib.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "re6st/base/log.h"
#include "re6st/base/prefix.h"
#include "re6st/crypto/ca.h"
#include "re6st/crypto/csr.h"
#include "re6st/crypto/hmac.h"
#include "re6st/http/query.h"
#include "re6st/registry/api.h"
#include "registry_tmp.h"

namespace r6reg {

using namespace re6st;
using namespace re6st::registry;

inline crypto::PrivateKey& caKey() {
  static crypto::PrivateKey k = crypto::PrivateKey::generateRsa(1024).value();
  return k;
}
inline crypto::Certificate& caCert() {
  static crypto::Certificate c = [] {
    crypto::CertSpec spec;
    spec.subject = {{"CN", "re6st test CA", 0}, {"emailAddress", "registry@example.com", 0}};
    spec.serial = crypto::caSerialForNetwork(parsePrefix("2001:db8:42::/48").value()).value();
    spec.not_before = 1700000000;
    spec.not_after = 2000000000;
    return crypto::createCaCertificate(caKey(), spec).value();
  }();
  return c;
}
inline crypto::PrivateKey nodeKey() { return crypto::PrivateKey::generateRsa(1024).value(); }

inline std::string csrFor(const crypto::PrivateKey& k, crypto::Name subject = {}) {
  return crypto::createCsr(k, subject).value();
}

inline Bytes inflate(const Bytes& z) {
  Bytes out(1 << 16);
  uLongf len = uLongf(out.size());
  REQUIRE(uncompress(out.data(), &len, z.data(), uLong(z.size())) == Z_OK);
  out.resize(len);
  return out;
}

struct Fixture {
  TmpDir dir;
  std::unique_ptr<Store> store = Store::open(dir.path + "/registry.db").value();
  SeededRandom random{42};
  ApiOptions options;
  std::unique_ptr<Api> api;
  int64_t now_us = int64_t(1800000000) * 1000000;

  Fixture() {
    log::setup(getenv("R6REG_LOG") ? 4 : 0);
    options.anonymous_prefix_length = 20;
    options.dh = "DH PARAMS\n";
    start();
  }
  void start() {
    api.reset();
    api = Api::create(options, *store, caCert().clone(), crypto::PrivateKey::parsePem(*caKey().pem()).value(),
                      random, now_us)
              .value();
  }
  Outcome get(const std::string& target, std::string peer = "127.0.0.1",
              std::optional<std::string> hmac = {}, std::optional<std::string> xff = {}) {
    ApiRequest r{target, peer, xff, std::string("127.0.0.1:80"), hmac, now_us};
    return api->handle(r);
  }
  std::string getOk(const std::string& target) {
    auto o = get(target);
    REQUIRE(o.response.status == 200);
    return asString(o.response.body);
  }
  // Anonymous registration; returns the PEM.
  std::string registerAnon(const crypto::PrivateKey& k) {
    http::Query q;
    q.add("token", "");
    q.add("req", csrFor(k));
    q.add("location", "");
    q.add("ip", "");
    return getOk("/requestCertificate?" + http::encodeQuery(q));
  }
};

// A client session as re6st's RegistryClient keeps it: hello, then chained HMACs.
struct Client {
  Fixture& f;
  std::string prefix;
  const crypto::PrivateKey& key;
  Bytes secret;

  void hello() {
    auto o = f.get("/hello?client_prefix=" + prefix + "&protocol=10");
    REQUIRE(o.response.status == 200);
    auto& b = o.response.body;
    REQUIRE(b.size() % 2 == 0);
    Bytes x(b.begin(), b.begin() + long(b.size() / 2)), s(b.begin() + long(b.size() / 2), b.end());
    REQUIRE(caCert().publicKey().verifySha512(x, s).ok());
    secret = key.decrypt(x).value();
    REQUIRE(secret.size() == 20);
  }
  // Signs target with the current key, checks the response MAC, advances the chain.
  ApiResponse call(const std::string& target) {
    auto mac = base64Encode(crypto::hmacSha1(secret, asBytes(target)));
    auto o = f.get(target, "127.0.0.1", mac);
    if (o.response.status == 200 || o.response.status == 204) {
      Bytes k1 = crypto::sha1(secret);
      REQUIRE(o.response.hmac == base64Encode(crypto::hmacSha1(k1, o.response.body)));
      secret = crypto::sha1(k1);
    }
    return o.response;
  }
};

}  // namespace r6reg
