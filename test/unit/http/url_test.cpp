// URL parsing: schemes, default ports, IPv6 literals, targets, and rejected forms.
#include "re6st/http/url.h"

#include <catch2/catch.hpp>

using namespace re6st::http;

TEST_CASE("parseUrl reads scheme, host, port and target", "[http][url]") {
  auto u = parseUrl("http://re6st.example.com/");
  REQUIRE(u.ok());
  CHECK_FALSE(u->tls);
  CHECK(u->host == "re6st.example.com");
  CHECK(u->port == 80);
  CHECK(u->target == "/");
  CHECK(u->hostHeader() == "re6st.example.com");
  auto s = parseUrl("https://h:8443/base/getCa?x=1");
  REQUIRE(s.ok());
  CHECK(s->tls);
  CHECK(s->port == 8443);
  CHECK(s->target == "/base/getCa?x=1");
  CHECK(s->hostHeader() == "h:8443");
  CHECK(s->origin() == "https://h:8443");
  auto d = parseUrl("https://h");
  REQUIRE(d.ok());
  CHECK(d->port == 443);
  CHECK(d->target == "/");
  auto q = parseUrl("http://h?x");
  REQUIRE(q.ok());
  CHECK(q->target == "/?x");
}

TEST_CASE("parseUrl handles IPv6 literals", "[http][url]") {
  auto u = parseUrl("http://[::1]:8080/x");
  REQUIRE(u.ok());
  CHECK(u->host == "::1");
  CHECK(u->hostIsIpv6);
  CHECK(u->port == 8080);
  CHECK(u->hostHeader() == "[::1]:8080");
  auto d = parseUrl("http://[2001:db8::1]");
  REQUIRE(d.ok());
  CHECK(d->port == 80);
  CHECK(d->hostHeader() == "[2001:db8::1]");
}

TEST_CASE("parseUrl rejects what it cannot use", "[http][url]") {
  for (const char* bad :
       {"ftp://h/", "h/", "http://", "http:///x", "http://h:/", "http://h:0/", "http://h:65536/",
        "http://h:12a/", "http://u@h/", "http://h/#frag", "http://[::1/", "http://[::1]x/",
        "http://[zz::1]/", "http://h x/", "http://h/\r\nX: y", "http://[]/", "http://h\xff/"}) {
    INFO(bad);
    auto u = parseUrl(bad);
    CHECK_FALSE(u.ok());
    if (!u.ok()) CHECK(u.error().code == re6st::Code::kInvalid);
  }
}

TEST_CASE("joinTarget appends an RPC path to a base URL", "[http][url]") {
  CHECK(joinTarget(*parseUrl("http://h/"), "/getCa") == "/getCa");
  CHECK(joinTarget(*parseUrl("http://h"), "/getCa") == "/getCa");
  CHECK(joinTarget(*parseUrl("http://h/re6st/"), "/hello?a=1") == "/re6st/hello?a=1");
  CHECK(joinTarget(*parseUrl("http://h/re6st"), "getCa") == "/re6st/getCa");
}
