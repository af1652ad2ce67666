// URL parsing; see url.h.
#include "re6st/http/url.h"

#include <charconv>

namespace re6st::http {
namespace {

Error bad(std::string_view text, const std::string& why) {
  return makeError(Code::kInvalid,
                   "invalid URL '" + std::string(text.substr(0, 200)) + "': " + why);
}

bool hostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

std::string Url::hostHeader() const {
  std::string h = hostIsIpv6 ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::string Url::origin() const {
  return std::string(tls ? "https" : "http") + "://" + hostHeader();
}

Result<Url> parseUrl(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) <= 32 || c == 127)
      return bad(text, "space or control character");
  Url u;
  std::string_view rest;
  if (text.substr(0, 7) == "http://") {
    rest = text.substr(7);
  } else if (text.substr(0, 8) == "https://") {
    rest = text.substr(8);
    u.tls = true;
    u.port = 443;
  } else {
    return bad(text, "scheme must be http or https");
  }
  if (text.find('#') != std::string_view::npos) return bad(text, "fragment not allowed");
  size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? "" : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) return bad(text, "user info not supported");
  std::string_view portText;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad(text, "unterminated IPv6 literal");
    u.host = std::string(authority.substr(1, close - 1));
    u.hostIsIpv6 = true;
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':') return bad(text, "garbage after IPv6 literal");
    if (!after.empty()) portText = after.substr(1);
    if (u.host.empty() ||
        u.host.find_first_not_of("0123456789abcdefABCDEF:.%") != std::string::npos)
      return bad(text, "invalid IPv6 literal");
  } else {
    size_t colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) portText = authority.substr(colon + 1);
    if (u.host.empty()) return bad(text, "empty host");
    for (char c : u.host)
      if (!hostChar(c)) return bad(text, "invalid host");
  }
  if (authority.find(':') != std::string_view::npos && !u.hostIsIpv6 && portText.empty())
    return bad(text, "empty port");
  if (!portText.empty()) {
    unsigned port = 0;
    auto [p, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc() || p != portText.data() + portText.size() || port == 0 || port > 65535)
      return bad(text, "invalid port");
    u.port = static_cast<uint16_t>(port);
  }
  u.target = target.empty()     ? "/"
             : target[0] == '?' ? "/" + std::string(target)
                                : std::string(target);
  return u;
}

std::string joinTarget(const Url& base, std::string_view pathAndQuery) {
  std::string path = base.target.substr(0, base.target.find('?'));
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (pathAndQuery.empty() || pathAndQuery[0] != '/') path.push_back('/');
  return path + std::string(pathAndQuery);
}

}  // namespace re6st::http
