// Response/GET serialization and header lookup.
#include "re6st/http/message.h"

#include <catch2/catch.hpp>

using namespace re6st;
using namespace re6st::http;

TEST_CASE("serializeResponse writes status, headers, Content-Length and body", "[http][message]") {
  Response r = Response::text(200, "hello");
  r.headers.add("Re6stHMAC", "abc=");
  r.headers.add("Content-Length", "999");  // replaced by the real length
  CHECK(asString(serializeResponse(r, true)) ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nRe6stHMAC: abc=\r\n"
        "Content-Length: 5\r\n\r\nhello");
}

TEST_CASE("serializeResponse: 204 has no Content-Length and no body; close is announced",
          "[http][message]") {
  Response r;
  r.status = 204;
  r.body = toBytes("ignored");
  CHECK(asString(serializeResponse(r, false)) ==
        "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
}

TEST_CASE("serializeResponse drops header values that would split the response",
          "[http][message]") {
  Response r;
  r.status = 404;
  r.headers.add("X-Evil", "a\r\nSet-Cookie: x");
  r.headers.add("Bad Name", "v");
  r.headers.add("X-Ok", "v");
  std::string s = asString(serializeResponse(r, true));
  CHECK(s == "HTTP/1.1 404 Not Found\r\nX-Ok: v\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("serializeResponse: HEAD gets the length but no body; odd status becomes 500",
          "[http][message]") {
  Response r = Response::text(200, "abc");
  CHECK(asString(serializeResponse(r, true, true)) ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n");
  r.status = 7;
  CHECK(asString(serializeResponse(r, true)).rfind("HTTP/1.1 500 Internal Server Error\r\n", 0) ==
        0);
}

TEST_CASE("Response::error looks like Python's send_error page", "[http][message]") {
  Response r = Response::error(400);
  CHECK(r.status == 400);
  CHECK(*r.headers.find("content-type") == "text/html;charset=utf-8");
  CHECK(asString(r.body).find("<p>Error code: 400</p>") != std::string::npos);
  CHECK(asString(r.body).find("Message: Bad Request.") != std::string::npos);
}

TEST_CASE("Headers: case-insensitive find, joined, set and remove", "[http][message]") {
  Headers h;
  h.add("X-Forwarded-For", "192.0.2.1");
  h.add("x-forwarded-for", "198.51.100.2");
  CHECK(*h.find("X-FORWARDED-FOR") == "192.0.2.1");
  CHECK(h.joined("x-Forwarded-for") == "192.0.2.1, 198.51.100.2");
  h.set("X-Forwarded-For", "1");
  CHECK(h.size() == 1);
  h.remove("x-forwarded-FOR");
  CHECK_FALSE(h.has("X-Forwarded-For"));
  CHECK(h.joined("X-Forwarded-For").empty());
}

TEST_CASE("serializeGet writes a keep-alive or closing GET", "[http][message]") {
  Headers h;
  h.add("Re6stHMAC", "x");
  CHECK(asString(serializeGet("/getCa", "[::1]:8080", h, false)) ==
        "GET /getCa HTTP/1.1\r\nHost: [::1]:8080\r\nRe6stHMAC: x\r\nConnection: close\r\n\r\n");
}
