// http:// and https:// URLs as re6st uses them for its registry (RFC 3986 §3, with IPv6
// literals in brackets, §3.2.2). Pure parsing: no DNS, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "re6st/base/result.h"

namespace re6st::http {

struct Url {
  bool tls = false;    // https
  std::string host;    // "example.org", "198.18.0.1" or "2001:db8::1" (no brackets)
  uint16_t port = 80;  // explicit or the scheme's default (80 / 443)
  std::string target;  // path and query as sent on the request line: "/", "/a/b?x=1"
  bool hostIsIpv6 = false;

  // Value for the Host header: "host", "host:port" when not the default, "[v6]:port".
  std::string hostHeader() const;
  // scheme://host[:port] without the path (a registry base URL is this plus a path).
  std::string origin() const;
};

// Accepts "http://h", "https://h:8443/base/", "http://[::1]:8080/x?y". Rejects other
// schemes, userinfo, fragments, empty hosts, bad ports and control or space characters.
Result<Url> parseUrl(std::string_view text);

// Appends a path ("/getCa?x=1") to a base URL's target without doubling the slash:
// re6st-conf accepts registry URLs with or without a trailing '/'.
std::string joinTarget(const Url& base, std::string_view pathAndQuery);

}  // namespace re6st::http
