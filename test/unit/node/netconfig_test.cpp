// The network configuration rows as cache.py stores them, and back to the typed view.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "re6st/crypto/pk.h"
#include "re6st/kernel/routes.h"
#include "re6st/node/netconfig.h"

using namespace re6st;
using nlohmann::json;

namespace {

Bytes deflate(const std::string& text) {
  uLongf n = compressBound(uLong(text.size()));
  Bytes out(n);
  REQUIRE(compress2(out.data(), &n, reinterpret_cast<const Bytef*>(text.data()), uLong(text.size()), 6) == Z_OK);
  out.resize(n);
  return out;
}

const crypto::PrivateKey& key() {
  static auto k = crypto::PrivateKey::generateRsa(1024);
  REQUIRE(k.ok());
  return *k;
}

json sample(const Bytes& hmac) {
  auto pub = key().publicKey();
  REQUIRE(pub.ok());
  auto enc = pub->encrypt(hmac);
  REQUIRE(enc.ok());
  return {{"", {"version"}},
          {"version", base64Encode(Bytes{0x05, 1, 2, 3})},
          {"protocol", 10},
          {"registry_prefix", "0000000000000000"},
          {"client_count", 4},
          {"max_clients", 8},
          {"hello", 5},
          {"encrypt", false},
          {"tunnel_refresh", 60},
          {"min_protocol", 1},
          {"crl", {10, 255}},
          {"babel_default", "max-rtt-penalty 5000"},
          {"babel_hmac_sign", base64Encode(*enc)},
          {"babel_hmac_accept", ""},
          {"delay_restart", 7},
          {"ipv4", "10.42.0.0/16"},
          {"ipv4_sublen", 8}};
}

}  // namespace

TEST_CASE("config rows are stored as cache.py stores them and read back") {
  Bytes hmac = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 8, 7, 6, 5, 4};
  int delay = -1;
  auto rows = node::configRowsFromBody(deflate(sample(hmac).dump()), key(), &delay);
  REQUIRE(rows.ok());
  CHECK(delay == 7);
  CHECK(rows->count("delay_restart") == 0);
  CHECK(std::get<Bytes>(rows->at("version")) == Bytes{0x05, 1, 2, 3});
  CHECK(std::get<std::string>(rows->at("crl:json")) == "[10,255]");
  CHECK(std::get<Bytes>(rows->at("babel_hmac_sign")) == hmac);  // decrypted
  CHECK(std::get<std::string>(rows->at("babel_hmac_accept")).empty());
  CHECK(std::get<int64_t>(rows->at("encrypt")) == 0);
  auto c = node::configFromRows(*rows);
  REQUIRE(c.ok());
  CHECK(c->client_count == 4);
  CHECK(c->max_clients == 8);
  CHECK(c->hello == 5);
  CHECK(c->tunnel_refresh == 60);
  CHECK(c->crl == std::vector<uint64_t>{10, 255});
  CHECK(c->babel_hmac_sign == hmac);
  CHECK(c->ipv4 == "10.42.0.0/16");
  CHECK(c->ipv4_sublen == 8);
  CHECK(c->version == Bytes{0x05, 1, 2, 3});
  CHECK(node::crlHex(*c) == std::set<std::string>{"a", "ff"});
}

TEST_CASE("hostile or broken network configurations are refused with a message") {
  CHECK(!node::configRowsFromBody(Bytes{1, 2, 3}, key()).ok());                 // not zlib
  CHECK(!node::configRowsFromBody(deflate("[1,2]"), key()).ok());                // not an object
  CHECK(!node::configRowsFromBody(deflate("{\"protocol\": 10}"), key()).ok());   // no version
  json j = sample({1, 2, 3});
  j["babel_hmac_sign"] = base64Encode(Bytes(128, 0x42));  // not encrypted to our key
  auto r = node::configRowsFromBody(deflate(j.dump()), key());
  REQUIRE(!r.ok());
  CHECK(r.error().message.find("babel_hmac_sign") != std::string::npos);
  j = sample({1, 2, 3});
  j["version"] = "@@@";
  CHECK(!node::configRowsFromBody(deflate(j.dump()), key()).ok());
  node::ConfigMap bad = {{"crl:json", std::string("[1,")}, {"version", Bytes{1}}, {"protocol", int64_t(1)}};
  CHECK(!node::configFromRows(bad).ok());
}

TEST_CASE("which changed parameters need a restart (tunnel.py NEED_RESTART)") {
  CHECK(node::needsRestart({"hello"}, false));
  CHECK(node::needsRestart({"babel_hmac_sign"}, false));
  CHECK(!node::needsRestart({"crl", "version"}, true));
  CHECK(!node::needsRestart({"tunnel_refresh"}, false));
  CHECK(node::needsRestart({"tunnel_refresh"}, true));
  CHECK(node::changedNames({"crl:json", "hello"}) == std::vector<std::string>{"crl", "hello"});
}

TEST_CASE("IPv4 overlay address from the subject serialNumber (cli/node.py)") {
  client::NetworkConfig c;
  c.ipv4 = "10.42.0.0/16";
  c.ipv4_sublen = 8;
  auto v4 = node::ipv4Overlay(c, std::string_view("3"));
  REQUIRE(v4);
  CHECK(kernel::formatAddress(v4->address) == "10.42.3.1");
  CHECK(v4->len == 24);
  CHECK(kernel::formatPrefix(v4->network) == "10.42.0.0/16");
  c.ipv4_sublen = 16;  // n = 32: no room for the last bit
  v4 = node::ipv4Overlay(c, std::string_view("258"));
  REQUIRE(v4);
  CHECK(kernel::formatAddress(v4->address) == "10.42.1.2");
  CHECK(v4->len == 32);
  c.ipv4_sublen = 8;
  CHECK(!node::ipv4Overlay(c, std::string_view("256")));   // serial does not fit
  CHECK(!node::ipv4Overlay(c, std::string_view("3x")));    // hostile serialNumber text
  CHECK(!node::ipv4Overlay(c, std::string_view("-1")));
  CHECK(!node::ipv4Overlay(c, std::nullopt));
  c.ipv4_sublen = -1;
  CHECK(!node::ipv4Overlay(c, std::string_view("0")));
  c.ipv4_sublen = 17;  // re6stnet: ipv4_sublen <= 16
  CHECK(!node::ipv4Overlay(c, std::string_view("0")));
  c.ipv4 = "2001:db8::/32";
  c.ipv4_sublen = 8;
  CHECK(!node::ipv4Overlay(c, std::string_view("0")));
}

TEST_CASE("parameters a node cannot use are refused, huge numbers never overflow") {
  auto withHello = [](json v) {
    json j = sample({1, 2, 3});
    j["hello"] = v;
    return node::configRowsFromBody(deflate(j.dump()), key());
  };
  CHECK(withHello(15).ok());
  CHECK(!withHello(0).ok());
  auto r = withHello(2147483647);  // 4 × hello would overflow
  REQUIRE(!r.ok());
  CHECK(r.error().message.find("hello") != std::string::npos);
  json j = sample({1, 2, 3});
  j["delay_restart"] = 1e300;  // clamped, not undefined
  int delay = 0;
  REQUIRE(node::configRowsFromBody(deflate(j.dump()), key(), &delay).ok());
  CHECK(delay == 86400);
  j["client_count"] = -5;
  CHECK(!node::configRowsFromBody(deflate(j.dump()), key()).ok());
}
