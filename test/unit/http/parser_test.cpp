// Request and response framing: known requests, pipelining, byte-at-a-time feeding,
// keep-alive rules, and one case per malformed or oversized input.
#include "re6st/http/parser.h"

#include <catch2/catch.hpp>

using namespace re6st;
using namespace re6st::http;
using Kind = RequestParser::Kind;

namespace {

RequestParser::Event parseOne(std::string_view text, Limits limits = {}) {
  RequestParser p(limits);
  p.feed(asBytes(text));
  return p.next();
}

}  // namespace

TEST_CASE("parses a re6st-conf request", "[http][parser]") {
  RequestParser p;
  p.feed(
      asBytes("GET /requestCertificate?token=abc&req=a%2Fb+c HTTP/1.1\r\n"
              "Host: [::1]:8080\r\nUser-Agent:  re6stnet/0.1 \r\nRe6stHMAC: eA==\r\n\r\n"));
  auto e = p.next();
  REQUIRE(e.kind == Kind::kRequest);
  const Request& r = e.request;
  CHECK(r.method == "GET");
  CHECK(r.target == "/requestCertificate?token=abc&req=a%2Fb+c");
  CHECK(r.path == "/requestCertificate");
  CHECK(r.rawQuery == "token=abc&req=a%2Fb+c");
  CHECK_FALSE(r.queryError);
  CHECK(*r.query.find("req") == "a/b c");
  CHECK(*r.headers.find("host") == "[::1]:8080");
  CHECK(*r.headers.find("user-agent") == "re6stnet/0.1");
  CHECK(*r.headers.find("RE6STHMAC") == "eA==");
  CHECK(r.versionMajor == 1);
  CHECK(r.versionMinor == 1);
  CHECK(r.keepAlive);
  CHECK(p.next().kind == Kind::kNeedData);
  CHECK(p.betweenRequests());
}

TEST_CASE("a bad query string is flagged, not fatal", "[http][parser]") {
  auto e = parseOne("GET /getCa?token HTTP/1.1\r\n\r\n");
  REQUIRE(e.kind == Kind::kRequest);
  CHECK(e.request.queryError);
  CHECK(e.request.rawQuery == "token");
}

TEST_CASE("pipelined requests come out one by one, in order", "[http][parser]") {
  RequestParser p;
  p.feed(
      asBytes("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz"
              "GET /c HTTP/1.1\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n"));
  auto a = p.next();
  REQUIRE(a.kind == Kind::kRequest);
  CHECK(a.request.path == "/a");
  CHECK(p.buffered() > 0);
  auto b = p.next();
  REQUIRE(b.kind == Kind::kRequest);
  CHECK(b.request.path == "/b");
  CHECK(asString(b.request.body) == "xyz");
  auto c = p.next();
  REQUIRE(c.kind == Kind::kRequest);
  CHECK(c.request.path == "/c");
  CHECK_FALSE(c.request.keepAlive);
  CHECK(p.next().kind == Kind::kClosed);  // nothing after Connection: close
  CHECK(p.next().kind == Kind::kClosed);
}

TEST_CASE("byte-at-a-time feeding gives the same request", "[http][parser]") {
  std::string text =
      "GET /x?a=1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  RequestParser p;
  int requests = 0;
  for (char c : text) {
    p.feed(asBytes(std::string_view(&c, 1)));
    auto e = p.next();
    if (e.kind == Kind::kRequest) {
      ++requests;
      CHECK(asString(e.request.body) == "abcde");
      CHECK(*e.request.headers.find("x-a") == "b");
    } else {
      REQUIRE(e.kind == Kind::kNeedData);
      CHECK_FALSE(p.betweenRequests());
    }
  }
  CHECK(requests == 1);
}

TEST_CASE("keep-alive follows the HTTP version and Connection header", "[http][parser]") {
  CHECK_FALSE(parseOne("GET / HTTP/1.0\r\n\r\n").request.keepAlive);
  CHECK(parseOne("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").request.keepAlive);
  CHECK_FALSE(parseOne("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").request.keepAlive);
  auto up = parseOne("GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
  REQUIRE(up.kind == Kind::kRequest);
  CHECK_FALSE(up.request.keepAlive);
}

TEST_CASE("EOF between requests closes; EOF inside one is a 400", "[http][parser]") {
  RequestParser idle;
  idle.feedEof();
  CHECK(idle.next().kind == Kind::kClosed);
  RequestParser partial;
  partial.feed(asBytes("GET / HTTP/1.1\r\nHost: x\r\n"));
  CHECK(partial.next().kind == Kind::kNeedData);
  partial.feedEof();
  auto e = partial.next();
  CHECK(e.kind == Kind::kError);
  CHECK(e.status == 400);
}

TEST_CASE("malformed requests get 400", "[http][parser]") {
  const char* cases[] = {
      "GARBAGE\r\n\r\n",                                                   // no target/version
      "GET / HTTP/9.9.9\r\n\r\n",                                          // bad version
      "GET / FOO/1.1\r\n\r\n",                                             // bad protocol
      "G@T / HTTP/1.1\r\n\r\n",                                            // bad method token
      "GET /a b HTTP/1.1\r\n\r\n",                                         // space in target
      "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",                           // space in name
      "GET / HTTP/1.1\r\nNoColon\r\n\r\n",                                 // no colon
      "GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",                     // bad length
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",  // duplicate
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",        // bad chunk size
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
      "GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n",           // control char in value
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  // a TLS ClientHello
  };
  for (const char* c : cases) {
    INFO(c);
    auto e = parseOne(c);
    CHECK(e.kind == Kind::kError);
    CHECK(e.status == 400);
    CHECK_FALSE(e.error.empty());
  }
}

TEST_CASE("an error is sticky and later input is ignored", "[http][parser]") {
  RequestParser p;
  p.feed(asBytes("BAD\r\n\r\n"));
  CHECK(p.next().kind == Kind::kError);
  p.feed(asBytes("GET / HTTP/1.1\r\n\r\n"));
  CHECK(p.next().kind == Kind::kError);
}

TEST_CASE("oversized request line or headers get 431", "[http][parser]") {
  Limits l;
  l.maxHeaderBytes = 100;
  l.maxHeaders = 3;
  auto longUrl = parseOne("GET /" + std::string(200, 'a') + " HTTP/1.1\r\n\r\n", l);
  CHECK(longUrl.kind == Kind::kError);
  CHECK(longUrl.status == 431);
  auto longHeader = parseOne("GET / HTTP/1.1\r\nX: " + std::string(200, 'b') + "\r\n\r\n", l);
  CHECK(longHeader.status == 431);
  auto many = parseOne("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", l);
  CHECK(many.status == 431);
  auto three = parseOne("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", l);
  CHECK(three.kind == Kind::kRequest);
}

TEST_CASE("a header overflow arriving in small pieces is caught before the blank line",
          "[http][parser]") {
  Limits l;
  l.maxHeaderBytes = 1000;
  RequestParser p(l);
  p.feed(asBytes("GET / HTTP/1.1\r\n"));
  RequestParser::Event e;
  for (int i = 0; i < 100 && e.kind == Kind::kNeedData; ++i) {
    p.feed(asBytes("X-Filler: 0123456789012345678901234567890123456789\r\n"));
    e = p.next();
  }
  CHECK(e.kind == Kind::kError);
  CHECK(e.status == 431);
}

TEST_CASE("oversized bodies get 413, by Content-Length or by chunks", "[http][parser]") {
  Limits l;
  l.maxBodyBytes = 10;
  auto declared = parseOne("GET / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", l);
  CHECK(declared.kind == Kind::kError);
  CHECK(declared.status == 413);
  auto huge = parseOne("GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", l);
  CHECK(huge.kind == Kind::kError);
  auto chunked = parseOne(
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n",
      l);
  CHECK(chunked.status == 413);
  auto fits = parseOne("GET / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", l);
  CHECK(fits.kind == Kind::kRequest);
}

TEST_CASE("ResponseParser reads Content-Length, chunked and close-delimited bodies",
          "[http][parser]") {
  {
    ResponseParser p;
    auto e = p.feed(asBytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nRe6stHMAC: h\r\n\r\nabc"));
    REQUIRE(e.kind == ResponseParser::Kind::kResponse);
    CHECK(e.response.status == 200);
    CHECK(e.response.reason == "OK");
    CHECK(asString(e.response.body) == "abc");
    CHECK(*e.response.headers.find("re6sthmac") == "h");
    CHECK(e.keepAlive);
  }
  {
    ResponseParser p;
    CHECK(p.feed(asBytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi")).kind ==
          ResponseParser::Kind::kNeedData);
    auto e = p.feed(asBytes("\r\n0\r\n\r\n"));
    REQUIRE(e.kind == ResponseParser::Kind::kResponse);
    CHECK(asString(e.response.body) == "hi");
  }
  {
    ResponseParser p;  // HTTP/1.0 like Python's BaseHTTPServer: body until EOF
    CHECK(p.feed(asBytes("HTTP/1.0 200 OK\r\n\r\nbody")).kind == ResponseParser::Kind::kNeedData);
    auto e = p.feed({}, true);
    REQUIRE(e.kind == ResponseParser::Kind::kResponse);
    CHECK(asString(e.response.body) == "body");
    CHECK_FALSE(e.keepAlive);
  }
  {
    ResponseParser p;
    auto e = p.feed(asBytes("HTTP/1.0 204 No Content\r\n\r\n"));
    REQUIRE(e.kind == ResponseParser::Kind::kResponse);
    CHECK(e.response.status == 204);
  }
}

TEST_CASE("ResponseParser errors: garbage, truncation, too large", "[http][parser]") {
  CHECK(ResponseParser().feed(asBytes("NOT HTTP\r\n\r\n")).kind == ResponseParser::Kind::kError);
  CHECK(
      ResponseParser().feed(asBytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"), true).kind ==
      ResponseParser::Kind::kError);
  CHECK(ResponseParser(4).feed(asBytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")).kind ==
        ResponseParser::Kind::kError);
  CHECK(ResponseParser().feed({}, true).kind == ResponseParser::Kind::kError);
}
