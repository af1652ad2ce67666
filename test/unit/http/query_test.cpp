// Query-string codec against Python's urllib.parse behaviour (parse_qsl strict,
// keep_blank_values; urlencode/quote_plus), which re6st-conf and re6st-registry use.
#include "re6st/http/query.h"

#include <catch2/catch.hpp>

using namespace re6st::http;

TEST_CASE("parseQuery decodes fields in order with percent and plus decoding", "[http][query]") {
  auto q = parseQuery("token=abc&req=-----BEGIN+CSR%0A%2F%2b&location=&ip=");
  REQUIRE(q.ok());
  REQUIRE(q->size() == 4);
  CHECK(q->items[0] == std::pair<std::string, std::string>{"token", "abc"});
  CHECK(q->items[1].second == "-----BEGIN CSR\n/+");
  CHECK(q->items[2].second.empty());
  CHECK(*q->find("ip") == "");
  CHECK(q->find("missing") == nullptr);
}

TEST_CASE("parseQuery: duplicate keys keep every item, find returns the last", "[http][query]") {
  auto q = parseQuery("a=1&a=2");
  REQUIRE(q.ok());
  CHECK(q->size() == 2);
  CHECK(*q->find("a") == "2");
}

TEST_CASE("parseQuery: empty query is empty", "[http][query]") {
  auto q = parseQuery("");
  REQUIRE(q.ok());
  CHECK(q->empty());
}

TEST_CASE("parseQuery rejects fields without '=' like strict parse_qsl", "[http][query]") {
  for (const char* bad : {"token", "a=1&b", "a=1&&b=2", "&", "a=1&", "=&"}) {
    INFO(bad);
    auto q = parseQuery(bad);
    REQUIRE_FALSE(q.ok());
    CHECK(q.error().code == re6st::Code::kInvalid);
  }
}

TEST_CASE("parseQuery accepts an empty key and '=' inside values", "[http][query]") {
  auto q = parseQuery("=x&k=a=b");
  REQUIRE(q.ok());
  CHECK(q->items[0].first.empty());
  CHECK(*q->find("k") == "a=b");
}

TEST_CASE("parseQuery bounds the number of fields", "[http][query]") {
  std::string s = "a=1";
  for (int i = 0; i < 300; ++i) s += "&a=1";
  CHECK_FALSE(parseQuery(s).ok());
  CHECK(parseQuery(s, 1000).ok());
}

TEST_CASE("percentDecode keeps invalid escapes literally", "[http][query]") {
  CHECK(percentDecode("%zz%4", false) == "%zz%4");
  CHECK(percentDecode("%", false) == "%");
  CHECK(percentDecode("a%41%62+", false) == "aAb+");
  CHECK(percentDecode("a%41%62+", true) == "aAb ");
  CHECK(percentDecode("%00", false) == std::string("\0", 1));
}

TEST_CASE("encodeQuery matches urlencode", "[http][query]") {
  Query q;
  q.add("email", "dave@example.com");
  q.add("req", "a b/c\n~_.-");
  q.add("empty", "");
  CHECK(encodeQuery(q) == "email=dave%40example.com&req=a+b%2Fc%0A~_.-&empty=");
  CHECK(percentEncode("\xff ", false) == "%FF%20");
}

TEST_CASE("encodeQuery and parseQuery round-trip any bytes", "[http][query]") {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  Query q;
  q.add(all, all + "&=+%");
  auto back = parseQuery(encodeQuery(q));
  REQUIRE(back.ok());
  REQUIRE(back->size() == 1);
  CHECK(back->items[0].first == all);
  CHECK(back->items[0].second == all + "&=+%");
}
