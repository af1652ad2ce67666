// Query-string codec; see query.h. Mirrors Python's urllib.parse, which re6st-conf and
// re6st-registry use on both ends of the wire.
#include "re6st/http/query.h"

namespace re6st::http {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

const std::string* Query::find(std::string_view key) const {
  for (auto it = items.rbegin(); it != items.rend(); ++it)
    if (it->first == key) return &it->second;
  return nullptr;
}

std::string percentDecode(std::string_view s, bool plusAsSpace) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hexValue(s[i + 1]), lo = hexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi << 4 | lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plusAsSpace && c == '+' ? ' ' : c);
  }
  return out;
}

std::string percentEncode(std::string_view s, bool plusAsSpace) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (isUnreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else if (plusAsSpace && c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<Query> parseQuery(std::string_view query, size_t maxItems) {
  Query q;
  if (query.empty()) return q;
  size_t start = 0;
  while (true) {
    size_t amp = query.find('&', start);
    std::string_view field = query.substr(start, amp == std::string_view::npos ? amp : amp - start);
    size_t eq = field.find('=');
    // parse_qsl(strict_parsing=True): every field, even an empty one, needs a '='.
    if (eq == std::string_view::npos)
      return makeError(Code::kInvalid,
                       "bad query field: '" + std::string(field.substr(0, 64)) + "'");
    if (q.size() >= maxItems) return makeError(Code::kInvalid, "too many query fields");
    q.add(percentDecode(field.substr(0, eq), true), percentDecode(field.substr(eq + 1), true));
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return q;
}

std::string encodeQuery(const Query& query) {
  std::string out;
  for (const auto& [k, v] : query.items) {
    if (!out.empty()) out.push_back('&');
    out += percentEncode(k, true);
    out.push_back('=');
    out += percentEncode(v, true);
  }
  return out;
}

}  // namespace re6st::http
