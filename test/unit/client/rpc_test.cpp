#include "re6st/client/rpc.h"

#include <catch2/catch.hpp>

#include "cli_fake_registry.h"

using namespace re6st;
using namespace re6st::client;

TEST_CASE("parseBootstrapPeer splits prefix bits and addresses", "[client]") {
  auto p = parseBootstrapPeer("00000000000000000000 192.0.2.10,1194,udp,FR;192.0.2.10,1194,tcp,FR");
  REQUIRE(p.ok());
  CHECK(p->prefix == "00000000000000000000");
  CHECK(p->addresses == "192.0.2.10,1194,udp,FR;192.0.2.10,1194,tcp,FR");
  CHECK(!parseBootstrapPeer("").ok());
  CHECK(!parseBootstrapPeer("0101").ok());
  CHECK(!parseBootstrapPeer(" 1.2.3.4,1,udp").ok());
  CHECK(!parseBootstrapPeer("01x1 1.2.3.4,1,udp").ok());
  CHECK(!parseBootstrapPeer("0101 ").ok());
}

TEST_CASE("RegistryRpc node calls are authenticated with our prefix", "[client]") {
  testing::FakeRegistry reg;
  RegistryClient c(reg);
  auto key = crypto::PrivateKey::generateRsa(1024).value();
  auto pem = c.requestCertificate("", crypto::createCsr(key, {{"O", "x"}}).value());
  REQUIRE(pem.ok());
  auto cert = crypto::Certificate::parsePem(**pem).value();
  std::string bits = bitsFromCn(cert.subjectCn()).value();
  c.setIdentity(bits, &key, &reg.ca);
  RegistryRpc rpc(c);
  std::optional<Result<std::string>> renewed;
  rpc.renewCertificate([&](Result<std::string> r) { renewed.emplace(std::move(r)); });
  REQUIRE(renewed);
  REQUIRE(renewed->ok());
  CHECK(renewed->value() == **pem);
  CHECK(reg.targets.back() == "/renewCertificate?cn=" + bits);
  // The fake's config body is not zlib: a clear decoding error, not a crash.
  std::optional<Result<NetworkConfig>> conf;
  rpc.getNetworkConfig([&](Result<NetworkConfig> r) { conf.emplace(std::move(r)); });
  REQUIRE(conf);
  CHECK(conf->error().message == "network config: zlib: corrupt or truncated data");
  std::optional<Result<std::string>> ca;
  rpc.getCa([&](Result<std::string> r) { ca.emplace(std::move(r)); });
  CHECK(ca->value() == reg.ca.pem());
}
