// Fuzz target: the registry RPC core with hostile request targets and Re6stHMAC headers.
// Input: "<target>\n<Re6stHMAC value>\n<X-Forwarded-For>" (later lines optional). One
// registry (in-memory SQLite, 1024-bit test CA) lives across inputs, as a server does.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "re6st/base/log.h"
#include "re6st/base/random.h"
#include "re6st/crypto/ca.h"
#include "re6st/registry/api.h"

using namespace re6st;
using namespace re6st::registry;

namespace {
struct World {
  std::unique_ptr<Store> store = Store::open(":memory:").value();
  SeededRandom random{1};
  std::unique_ptr<Api> api;
  World() {
    log::setup(0);
    auto key = crypto::PrivateKey::generateRsa(1024).value();
    crypto::CertSpec spec;
    spec.subject = {{"CN", "fuzz CA", 0}};
    spec.serial = crypto::caSerialForNetwork(parsePrefix("2001:db8:42::/48").value()).value();
    spec.not_before = 1700000000;
    spec.not_after = 2000000000;
    auto ca = crypto::createCaCertificate(key, spec).value();
    ApiOptions o;
    o.anonymous_prefix_length = 20;
    api = Api::create(o, *store, std::move(ca), std::move(key), random, 1800000000000000).value();
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World w;
  std::string in(reinterpret_cast<const char*>(data), size);
  ApiRequest r;
  size_t nl = in.find('\n');
  r.target = in.substr(0, nl);
  if (nl != std::string::npos) {
    std::string rest = in.substr(nl + 1);
    size_t nl2 = rest.find('\n');
    r.hmac = rest.substr(0, nl2);
    if (nl2 != std::string::npos) r.forwarded_for = rest.substr(nl2 + 1);
  }
  r.peer_ip = "127.0.0.1";
  r.now_us = 1800000000000000;
  Outcome o = w.api->handle(r);
  if (o.response.status < 200 || o.response.status > 501) __builtin_trap();
  return 0;
}
