#include "re6st/base/prefix.h"

#include <catch2/catch.hpp>

using namespace re6st;

TEST_CASE("packInteger matches re6st's captured vectors", "[prefix]") {
  struct V { uint64_t n; const char* hex; };
  V vectors[] = {{0, "00"},       {1, "01"},        {31, "1f"},        {32, "2000"},
                 {33, "2001"},    {287, "20ff"},    {288, "2100"},     {8223, "3fff"},
                 {8224, "400000"}, {2105375, "5fffff"}, {2105376, "60000000"}};
  for (auto& v : vectors) {
    CAPTURE(v.n);
    CHECK(toHex(packInteger(v.n)) == v.hex);
    Bytes b;
    REQUIRE(fromHex(v.hex, b));
    size_t used = 0;
    auto r = unpackInteger(b, &used);
    REQUIRE(r.ok());
    CHECK(*r == v.n);
    CHECK(used == b.size());
  }
}

TEST_CASE("packInteger preserves order and round-trips", "[prefix]") {
  Bytes prev = packInteger(0);
  for (uint64_t n = 1; n < 300000; n += (n < 70000 ? 1 : 97)) {
    Bytes cur = packInteger(n);
    CHECK(prev < cur);
    CHECK(*unpackInteger(cur) == n);
    prev = cur;
  }
}

TEST_CASE("unpackInteger refuses truncated input", "[prefix]") {
  Bytes b{0x40, 0x00};
  CHECK_FALSE(unpackInteger(b).ok());
  CHECK_FALSE(unpackInteger(Bytes{}).ok());
}

TEST_CASE("CN and bits convert both ways", "[prefix]") {
  CHECK(*bitsFromCn("1/16") == "0000000000000001");
  CHECK(*bitsFromCn("0/20") == "00000000000000000000");
  CHECK(*bitsFromCn("1/20") == "00000000000000000001");
  CHECK(cnFromBits("0000000000000010") == "2/16");
  CHECK(cnFromBits("") == "0/0");
  CHECK_FALSE(bitsFromCn("2/1").ok());
  CHECK_FALSE(bitsFromCn("x/16").ok());
  CHECK_FALSE(bitsFromCn("1/129").ok());
  CHECK_FALSE(bitsFromCn("116").ok());
  CHECK_FALSE(bitsFromCn("-1/16").ok());
  std::string big(80, '1');
  CHECK(*bitsFromCn(cnFromBits(big)) == big);
}

TEST_CASE("prefixes convert between bits and CIDR", "[prefix]") {
  auto p = parsePrefix("2001:db8:42::/48");
  REQUIRE(p.ok());
  CHECK(p->bits() == "001000000000000100001101101110000000000001000010");
  CHECK(prefixFromBits(p->bits())->str() == "2001:db8:42::/48");
  CHECK_FALSE(parsePrefix("2001:db8:42::1/48").ok());
  CHECK_FALSE(parsePrefix("2001:db8:42::").ok());
  CHECK_FALSE(parsePrefix("10.0.0.0/8").ok());
  CHECK_FALSE(parsePrefix("2001:db8::/129").ok());
  CHECK(parsePrefix("::/0")->len == 0);
}

TEST_CASE("node subnet and IP follow re6st's rules", "[prefix]") {
  std::string net = parsePrefix("2001:db8:42::/48")->bits();
  CHECK(nodeSubnet(net, *bitsFromCn("0/20"))->str() == "2001:db8:42::/68");
  CHECK(nodeSubnet(net, *bitsFromCn("1/16"))->str() == "2001:db8:42:1::/64");
  CHECK(nodeSubnet(net, *bitsFromCn("2/16"))->str() == "2001:db8:42:2::/64");
  CHECK(nodeSubnet(net, *bitsFromCn("1/20"))->str() == "2001:db8:42:0:1000::/68");
  CHECK(formatIpv6(*nodeIp(net, *bitsFromCn("1/16"))) == "2001:db8:42:1::1");
  CHECK(formatIpv6(*nodeIp(net, *bitsFromCn("0/20"))) == "2001:db8:42::1");
  CHECK_FALSE(nodeIp(std::string(100, '0'), std::string(28, '0')).ok());
}

TEST_CASE("Prefix::contains", "[prefix]") {
  auto net = *parsePrefix("2001:db8:42::/48");
  CHECK(net.contains(*parseIpv6("2001:db8:42:1::1")));
  CHECK_FALSE(net.contains(*parseIpv6("2001:db8:43::1")));
  CHECK(net.contains(*parsePrefix("2001:db8:42:1::/64")));
  CHECK_FALSE(parsePrefix("2001:db8:42:1::/64")->contains(net));
}
