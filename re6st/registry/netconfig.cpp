#include "re6st/registry/netconfig.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace re6st::registry {

std::string jsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          // Bytes >= 0x80 are written as Latin-1 code points: config strings are ASCII.
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += char(c);
        }
    }
  }
  return out + "\"";
}

std::string jsonFloat(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

JsonItems baseConfig(const NetworkParams& p, const std::vector<int64_t>& crl,
                     const std::string& registry_prefix) {
  std::string list = "[";
  for (size_t i = 0; i < crl.size(); ++i) list += (i ? ", " : "") + std::to_string(crl[i]);
  list += "]";
  JsonItems items = {{"babel_default", jsonString(kBabelDefault)},
                     {"crl", list},
                     {"protocol", std::to_string(kProtocol)},
                     {"registry_prefix", jsonString(registry_prefix)}};
  if (p.ipv4) {
    items.push_back({"ipv4", jsonString(p.ipv4->first)});
    items.push_back({"ipv4_sublen", std::to_string(p.ipv4->second)});
  }
  if (!p.same_country.empty()) {
    std::string c = "[";
    for (size_t i = 0; i < p.same_country.size(); ++i)
      c += (i ? ", " : "") + jsonString(p.same_country[i]);
    items.push_back({"same_country", c + "]"});
  }
  items.push_back({"client_count", std::to_string(p.client_count)});
  items.push_back({"encrypt", p.encrypt ? "true" : "false"});
  items.push_back({"hello", std::to_string(p.hello)});
  items.push_back({"max_clients", std::to_string(p.max_clients)});
  items.push_back({"min_protocol", std::to_string(p.min_protocol)});
  items.push_back({"tunnel_refresh", std::to_string(p.tunnel_refresh)});
  return items;
}

std::string jsonObject(const JsonItems& items, bool sort_keys) {
  JsonItems v = items;
  if (sort_keys)
    std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i)
    out += (i ? ", " : "") + jsonString(v[i].first) + ": " + v[i].second;
  return out + "}";
}

}  // namespace re6st::registry
