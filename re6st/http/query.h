// Query strings as re6st-registry reads and writes them: application/x-www-form-urlencoded
// (WHATWG URL §5), decoded like Python's parse_qsl(strict_parsing, keep_blank_values) and
// encoded like urlencode()/quote_plus(). Pure functions on strings: no I/O, no state.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "re6st/base/result.h"

namespace re6st::http {

// Ordered key/value pairs as they appear in the query (duplicates kept, in order).
struct Query {
  std::vector<std::pair<std::string, std::string>> items;

  // The value of the LAST item named key (dict(parse_qsl(...)) semantics), or nullptr.
  const std::string* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  void add(std::string key, std::string value) {
    items.emplace_back(std::move(key), std::move(value));
  }
  size_t size() const { return items.size(); }
  bool empty() const { return items.empty(); }
};

// Percent-decodes s; with plusAsSpace, '+' becomes ' ' (form encoding). Invalid escapes
// ("%zz", a trailing "%") are kept literally, as Python's unquote() does.
std::string percentDecode(std::string_view s, bool plusAsSpace);

// Percent-encodes every byte but ALPHA / DIGIT / "-._~" (RFC 3986 §2.3 unreserved); with
// plusAsSpace, ' ' becomes '+' (quote_plus). Hex digits are upper case.
std::string percentEncode(std::string_view s, bool plusAsSpace);

// Splits "a=1&b=%2F" on '&' and decodes each side. Strict like parse_qsl(strict_parsing=1):
// an empty field or a field without '=' is an error (kInvalid). An empty string gives an
// empty Query. maxItems bounds the work a hostile query can cause.
Result<Query> parseQuery(std::string_view query, size_t maxItems = 256);

// "k1=v1&k2=v2" with quote_plus on keys and values, in the given order (urlencode).
std::string encodeQuery(const Query& query);

}  // namespace re6st::http
