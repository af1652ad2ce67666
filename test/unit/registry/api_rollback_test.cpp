// A request whose transaction does not commit leaves the registry's memory as the
// database is: registry prefix, network config and version blob (issue 3). Failures are
// injected with SQLite triggers that abort one statement, the way a full disk would.
#include <nlohmann/json.hpp>

#include "re6st/base/prefix.h"
#include "registry_fixture.h"

using namespace r6reg;
using json = nlohmann::json;

namespace {

json netconf(Client& c) {
  auto r = c.call("/getNetworkConfig?cn=" + c.prefix);
  REQUIRE(r.status == 200);
  return json::parse(asString(inflate(r.body)));
}

uint64_t versionOf(const json& conf) {
  Bytes blob;
  REQUIRE(base64Decode(conf.at("version").get<std::string>(), blob));
  return unpackInteger(blob).value();
}

void failWhen(Fixture& f, const std::string& name, const std::string& when) {
  REQUIRE(f.store
              ->exec("CREATE TRIGGER " + name + " " + when +
                     " BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
              .ok());
}

}  // namespace

TEST_CASE("a failed first certificate leaves no registry prefix nor version behind", "[api]") {
  Fixture f;
  auto k = nodeKey();
  failWhen(f, "no_cert", "BEFORE UPDATE ON cert WHEN NEW.cert IS NOT NULL");
  http::Query q;
  q.add("token", "");
  q.add("req", csrFor(k));
  CHECK(f.get("/requestCertificate?" + http::encodeQuery(q)).response.status == 500);
  CHECK(f.api->registryPrefix().empty());
  CHECK(f.api->version() == 0);
  CHECK(f.store->getText("prefix").value() == std::nullopt);
  // versions/topology still see "no registry node yet".
  CHECK(f.get("/versions").response.status == 500);

  REQUIRE(f.store->exec("DROP TRIGGER no_cert").ok());
  auto pem = f.registerAnon(k);
  CHECK(crypto::Certificate::parsePem(pem).value().subjectCn() == "0/20");
  CHECK(f.api->registryPrefix() == "00000000000000000000");
  CHECK(f.api->version() == 1);
  Client c{f, "00000000000000000000", k, {}};
  c.hello();
  auto conf = netconf(c);
  CHECK(versionOf(conf) == 1);
  CHECK(conf.at("registry_prefix") == "00000000000000000000");
  f.start();  // what the database holds agrees with what was served
  CHECK(f.api->version() == 1);
}

TEST_CASE("a revoke or updateHMAC that does not commit changes nothing", "[api]") {
  Fixture f;
  auto ka = nodeKey(), kb = nodeKey();
  f.registerAnon(ka);
  f.registerAnon(kb);  // 1/20
  Client a{f, "00000000000000000000", ka, {}};
  a.hello();
  uint64_t v = f.api->version();
  REQUIRE(versionOf(netconf(a)) == v);

  // The CRL row and the new version are written, then storing last_config fails.
  failWhen(f, "no_crl", "BEFORE INSERT ON config WHEN NEW.name = 'last_config'");
  CHECK(f.get("/revoke?cn_or_serial=1%2F20").response.status == 500);
  CHECK(f.api->version() == v);
  auto conf = netconf(a);
  CHECK(versionOf(conf) == v);
  CHECK(conf.at("crl") == json::array());
  REQUIRE(f.store->exec("DROP TRIGGER no_crl").ok());
  // The certificate is still known in memory: revoking it again works.
  CHECK(f.get("/revoke?cn_or_serial=1%2F20").response.status == 204);
  conf = netconf(a);
  CHECK(versionOf(conf) == v + 1);
  CHECK(conf.at("crl") == json{2});

  // The new key is written and the version bumped in memory, then storing it fails.
  failWhen(f, "no_hmac", "BEFORE INSERT ON config WHEN NEW.name = 'version'");
  CHECK(f.get("/updateHMAC").response.status == 500);
  CHECK(f.api->version() == v + 1);
  conf = netconf(a);
  CHECK(versionOf(conf) == v + 1);
  CHECK_FALSE(conf.contains("babel_hmac_accept"));
  REQUIRE(f.store->exec("DROP TRIGGER no_hmac").ok());
  CHECK(f.get("/updateHMAC").response.status == 204);
  conf = netconf(a);
  CHECK(versionOf(conf) == v + 2);
  CHECK(conf.contains("babel_hmac_accept"));
}
