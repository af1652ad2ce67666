#include <catch2/catch.hpp>

#include "cli_fake_registry.h"
#include "re6st/client/registry_client.h"
#include "re6st/http/server.h"
#include "re6st/loop/loop.h"

using namespace re6st;
using namespace re6st::client;

// The node's path: RegistryClient over LoopTransport (http::Client on the loop) against a
// real http::Server, with a base path in the registry URL (HMACs cover only /method?query).
TEST_CASE("RegistryClient runs asynchronously over LoopTransport", "[client]") {
  loop::Loop loop;
  testing::FakeRegistry reg;
  http::Server server(loop, [&reg](http::Request req, const loop::SockAddr&, http::Responder r) {
    std::string t = req.target;
    if (t.rfind("/base", 0) == 0) t = t.substr(5);
    r.respond(reg.respond(t, req.headers));
  });
  REQUIRE(server.listen(loop::SockAddr::parse("127.0.0.1", 0).value()).ok());
  uint16_t port = server.localAddresses().at(0).port();
  http::Client http(loop);
  LoopTransport transport(
      http, http::parseUrl("http://127.0.0.1:" + std::to_string(port) + "/base/").value());
  RegistryClient c(transport);

  auto key = crypto::PrivateKey::generateRsa(1024).value();
  std::optional<Result<Bytes>> cert, config;
  c.call("requestCertificate",
         {{"token", ""},
          {"req", crypto::createCsr(key, {{"O", "x"}}).value()},
          {"location", ""},
          {"ip", ""}},
         [&](Result<Bytes> r) { cert.emplace(std::move(r)); });
  CHECK(!cert);  // asynchronous: nothing happens before the loop runs
  while (!cert) loop.runOnce();
  REQUIRE(cert->ok());
  auto crt = crypto::Certificate::parsePem(asString(cert->value())).value();
  std::string bits = bitsFromCn(crt.subjectCn()).value();
  c.setIdentity(bits, &key, &reg.ca);
  c.call("getNetworkConfig", {{"cn", bits}},
         [&](Result<Bytes> r) { config.emplace(std::move(r)); });
  while (!config) loop.runOnce();
  REQUIRE(config->ok());
  CHECK(asString(config->value()) == "{\"config\": 1}");
  CHECK(reg.hello_calls == 1);
  CHECK(reg.targets.back() == "/getNetworkConfig?cn=" + bits);
  server.close();
}
