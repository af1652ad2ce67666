// The MaxMind DB reader behind GEOIP2_MMDB (registry.py _geoiplookup): lookups in IPv6
// and IPv4 trees with every record size, pointers, absent entries, and corrupt files
// (truncated, looping pointers, every byte flipped) that must fail cleanly.
#include "re6st/registry/geoip.h"

#include <catch2/catch.hpp>

#include "mmdb_writer.h"
#include "registry_fixture.h"

using namespace re6st;
using namespace re6st::registry;
using Pair = std::pair<std::string, std::string>;

TEST_CASE("country and continent of IPv4 and IPv6 addresses, all record sizes", "[geoip]") {
  for (int rs : {24, 28, 32}) {
    CAPTURE(rs);
    auto g = GeoIp::open(r6mmdb::countries(rs).build());
    REQUIRE(g);
    CHECK(g->databaseType() == "GeoLite2-Country");
    CHECK(g->lookup("198.51.100.7") == Pair{"FR", "EU"});
    CHECK(g->lookup("192.0.2.200") == Pair{"DE", "EU"});
    CHECK(g->lookup("192.0.2.100") == Pair{"*", "*"});   // the other half of the /24
    CHECK(g->lookup("203.0.113.9") == Pair{"*", "AN"});  // a continent, no country
    CHECK(g->lookup("2001:db8:1:2::3") == Pair{"DE", "EU"});
    CHECK(g->lookup("2001:db8:2::1") == Pair{"*", "*"});
    CHECK(g->lookup("10.0.0.1") == Pair{"*", "*"});
    for (const char* bad : {"", "x", "1.2.3", "1.2.3.4.5", "::ffff:zz", "198.51.100.7:80"})
      CHECK(g->lookup(bad) == Pair{"*", "*"});
    auto rec = g->record("198.51.100.1");
    REQUIRE(rec);
    REQUIRE(*rec);
    CHECK((**rec)["country"]["names"]["en"] == "France");
    CHECK((**rec)["continent"]["geoname_id"] == 6255148);
  }
}

TEST_CASE("an IPv4-only database answers IPv4 and knows no IPv6", "[geoip]") {
  auto g = GeoIp::open(r6mmdb::countries(24, 4).build());
  REQUIRE(g);
  CHECK(g->lookup("198.51.100.200") == Pair{"FR", "EU"});
  CHECK(g->lookup("2001:db8:1::1") == Pair{"*", "*"});
}

TEST_CASE("corrupt databases are refused or answer '*', never crash", "[geoip]") {
  CHECK_FALSE(GeoIp::open({}));
  CHECK_FALSE(GeoIp::open(toBytes("not a database at all")));
  Bytes good = r6mmdb::countries(28).build();
  // Truncated anywhere: refused, or lookups that fail cleanly.
  for (size_t n = 0; n < good.size(); n += 3) {
    auto g = GeoIp::open(Bytes(good.begin(), good.begin() + long(n)));
    if (g) (void)g->lookup("198.51.100.7");
  }
  // Every byte changed: whatever the reader makes of it, lookups end.
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t x : {uint8_t(0xff), uint8_t(0x01), uint8_t(0x80)}) {
      Bytes b = good;
      b[i] ^= x;
      auto g = GeoIp::open(b);
      if (!g) continue;
      for (const char* ip : {"198.51.100.7", "192.0.2.200", "2001:db8:1::1", "10.1.2.3"})
        (void)g->lookup(ip);
    }
  }
  // A record whose map points back at itself: a bounded decode, an error.
  r6mmdb::Writer w;
  w.record_size = 24;
  Bytes loop = r6mmdb::map({{"country", r6mmdb::pointer(0)}, {"continent", r6mmdb::pointer(0)}});
  w.add(loop);
  w.insert("198.51.100.0/24", 0);
  auto g = GeoIp::open(w.build());
  REQUIRE(g);
  CHECK_FALSE(g->record("198.51.100.1"));
  CHECK(g->lookup("198.51.100.1") == Pair{"*", "*"});
  // A record pointing past the data section.
  r6mmdb::Writer far;
  far.add(r6mmdb::str("x"));
  far.insert("198.51.100.0/24", 5000);
  auto f = GeoIp::open(far.build());
  REQUIRE(f);
  CHECK_FALSE(f->record("198.51.100.1"));
}

TEST_CASE("with GEOIP2_MMDB: getCountry answers and a request's address picks its community",
          "[geoip][api]") {
  r6reg::Fixture f;
  f.options.geoip =
      std::make_shared<const GeoIp>(GeoIp::open(r6mmdb::countries(24).build()).value());
  f.options.communities = parseCommunities("0 FR\n10 @EU\n11 *\n", 80).value();
  f.start();
  auto ka = r6reg::nodeKey();
  auto register_from = [&](const crypto::PrivateKey& k, const std::string& ip) {
    http::Query q;
    q.add("token", "");
    q.add("req", r6reg::csrFor(k));
    q.add("location", "");
    q.add("ip", ip);
    auto pem = f.getOk("/requestCertificate?" + http::encodeQuery(q));
    return bitsFromCn(crypto::Certificate::parsePem(pem).value().subjectCn()).value();
  };
  std::string a = register_from(ka, "198.51.100.7");  // FR
  CHECK(a.rfind("0", 0) == 0);
  CHECK(register_from(r6reg::nodeKey(), "192.0.2.200").rfind("10", 0) == 0);  // DE → @EU
  CHECK(register_from(r6reg::nodeKey(), "10.1.1.1").rfind("11", 0) == 0);     // unknown → *
  r6reg::Client c{f, a, ka, {}};
  c.hello();
  auto r = c.call("/getCountry?cn=" + a + "&address=198.51.100.7");
  CHECK(r.status == 200);
  CHECK(asString(r.body) == "FR");
  CHECK(c.call("/getCountry?cn=" + a + "&address=2001%3Adb8%3A1%3A%3A1").body == toBytes("DE"));
  CHECK(c.call("/getCountry?cn=" + a + "&address=10.0.0.1").status == 204);
  CHECK(c.call("/getCountry?cn=" + a + "&address=garbage").status == 204);
}
