#include "re6st/client/network_config.h"

#include <zlib.h>

#include <catch2/catch.hpp>

#include "re6st/base/prefix.h"

using namespace re6st;
using namespace re6st::client;

namespace {

Bytes zlibCompress(const std::string& s) {
  uLongf n = compressBound(s.size());
  Bytes out(n);
  REQUIRE(compress(out.data(), &n, reinterpret_cast<const Bytef*>(s.data()), s.size()) == Z_OK);
  out.resize(n);
  return out;
}

struct Keys {
  crypto::PrivateKey ca = crypto::PrivateKey::generateRsa(1024).value();
  crypto::PrivateKey node = crypto::PrivateKey::generateRsa(1024).value();

  std::string versionB64(uint64_t n) {
    Bytes v = packInteger(n);
    Bytes sig = ca.signSha512(v).value();
    v.insert(v.end(), sig.begin(), sig.end());
    return base64Encode(v);
  }
  // A document shaped like the captured one (§4), keys in the registry's order.
  std::string document(uint64_t n, const Bytes& hmac) {
    Bytes enc = node.publicKey().value().encrypt(hmac).value();
    return "{\"babel_default\": \"max-rtt-penalty 5000 rtt-max 500 rtt-decay 125\", \"crl\": [2, "
           "3], "
           "\"protocol\": 10, \"registry_prefix\": \"00000000000000000000\", \"ipv4\": "
           "\"10.42.0.0/16\", "
           "\"ipv4_sublen\": 8, \"same_country\": [\"FR\"], \"client_count\": 10, \"encrypt\": "
           "false, "
           "\"hello\": 15, \"max_clients\": 20, \"min_protocol\": 1, \"tunnel_refresh\": 300, "
           "\"\": [\"version\"], \"version\": \"" +
           versionB64(n) +
           "\", \"valid_until\": 1795544389.9427462, "
           "\"babel_hmac_sign\": \"" +
           base64Encode(enc) + "\", \"babel_hmac_accept\": \"\"}";
  }
};

}  // namespace

TEST_CASE("decodeNetworkConfig reads every field of a registry document", "[client]") {
  Keys k;
  Bytes hmac = toBytes("0123456789abcdef");
  auto c = decodeNetworkConfig(zlibCompress(k.document(5, hmac)), &k.node);
  REQUIRE(c.ok());
  CHECK(c->babel_default == "max-rtt-penalty 5000 rtt-max 500 rtt-decay 125");
  CHECK(c->crl == std::vector<uint64_t>{2, 3});
  CHECK(c->protocol == 10);
  CHECK(c->registry_prefix == "00000000000000000000");
  CHECK(*c->ipv4 == "10.42.0.0/16");
  CHECK(*c->ipv4_sublen == 8);
  CHECK(c->same_country == std::vector<std::string>{"FR"});
  CHECK(c->client_count == 10);
  CHECK(c->max_clients == 20);
  CHECK(c->tunnel_refresh == 300);
  CHECK(!c->encrypt);
  CHECK(*c->valid_until == Approx(1795544389.9427462));
  CHECK(*c->babel_hmac_sign == hmac);
  CHECK(c->babel_hmac_accept->empty());
  CHECK(verifyVersion(c->version, k.ca.publicKey().value()).value() == 5);
  auto other = crypto::PrivateKey::generateRsa(1024).value();
  CHECK(verifyVersion(c->version, other.publicKey().value()).error().code == Code::kCrypto);
}

TEST_CASE("decodeNetworkConfig rejects corrupt, oversized and ill-typed documents", "[client]") {
  Keys k;
  Bytes good = zlibCompress(k.document(1, toBytes("0123456789abcdef")));
  Bytes truncated(good.begin(), good.begin() + good.size() / 2);
  CHECK(decodeNetworkConfig(truncated, &k.node).error().message ==
        "network config: zlib: corrupt or truncated data");
  CHECK(!decodeNetworkConfig(toBytes("not zlib"), &k.node).ok());
  CHECK(!inflateZlib(zlibCompress(std::string(2 << 20, 'a'))).ok());
  CHECK(inflateZlib(zlibCompress("abc")).value() == "abc");
  CHECK(parseNetworkConfig("[1]", nullptr).error().message == "network config: not a JSON object");
  CHECK(parseNetworkConfig("{\"protocol\": \"10\", \"version\": \"AA==\"}", nullptr)
            .error()
            .message == "network config: 'protocol' is not an integer");
  CHECK(parseNetworkConfig("{\"protocol\": 10, \"version\": \"@@\"}", nullptr).error().message ==
        "network config: 'version' is not base64");
  CHECK(parseNetworkConfig("{\"protocol\": 10}", nullptr).error().message ==
        "network config: missing version or protocol");
  CHECK(parseNetworkConfig("{\"crl\": [-1], \"protocol\": 10, \"version\": \"AA==\"}", nullptr)
            .error()
            .message == "network config: 'crl' is not a list of serials");
  CHECK(
      parseNetworkConfig(std::string(100, '[') + std::string(100, ']'), nullptr).error().message ==
      "network config: nesting too deep");
  // A key encrypted for another node does not decrypt.
  auto stranger = crypto::PrivateKey::generateRsa(1024).value();
  CHECK(!decodeNetworkConfig(good, &stranger).ok());
  // Without a node key the ciphertext is kept as is.
  auto raw = decodeNetworkConfig(good, nullptr);
  REQUIRE(raw.ok());
  CHECK(raw->babel_hmac_sign->size() == 128);
  CHECK(verifyVersion(Bytes{0x01}, k.ca.publicKey().value()).error().message ==
        "network config version: no signature");
}
