// Family helpers and the parts of Routes that need no kernel: see routes.h.
#include "re6st/kernel/routes.h"

#include <arpa/inet.h>

#include <cstring>

namespace re6st::kernel {

bool isV4(const Ipv6& a) {
  for (int i = 0; i < 10; ++i)
    if (a[i]) return false;
  return a[10] == 0xff && a[11] == 0xff;
}

bool isV4(const Prefix& p) { return p.len >= 96 && isV4(p.addr); }

bool isLinkLocal(const Ipv6& a) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }

Ipv6 v4Address(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  Ipv6 r{};
  r[10] = r[11] = 0xff;
  r[12] = a;
  r[13] = b;
  r[14] = c;
  r[15] = d;
  return r;
}

Prefix v4Prefix(const Ipv6& mapped, int len4) { return Prefix{mapped, 96 + len4}; }

std::string formatAddress(const Ipv6& a) {
  if (!isV4(a)) return formatIpv6(a);
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, a.data() + 12, buf, sizeof buf);
  return buf;
}

std::string formatPrefix(const Prefix& p) {
  if (!isV4(p)) return p.str();
  return formatAddress(p.addr) + "/" + std::to_string(p.len - 96);
}

Result<Ipv6> parseAnyAddress(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return parseIpv6(text);
  std::string s(text);
  uint8_t b[4];
  if (inet_pton(AF_INET, s.c_str(), b) != 1)
    return makeError(Code::kInvalid, "bad address '" + s + "'");
  return v4Address(b[0], b[1], b[2], b[3]);
}

Result<Prefix> parseAnyPrefix(std::string_view text) {
  if (text.find(':') != std::string_view::npos) return parsePrefix(text);
  auto slash = text.find('/');
  auto addr = parseAnyAddress(text.substr(0, slash));
  if (!addr.ok()) return addr.error();
  int len = 32;
  if (slash != std::string_view::npos) {
    std::string l(text.substr(slash + 1));
    if (l.empty() || l.size() > 2 || l.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(l) > 32)
      return makeError(Code::kInvalid, "bad prefix length in '" + std::string(text) + "'");
    len = std::stoi(l);
  }
  Prefix p = v4Prefix(*addr, len);
  Prefix masked = p;
  for (int i = p.len; i < 128; ++i) masked.addr[i / 8] &= uint8_t(~(0x80 >> (i % 8)));
  if (masked.addr != p.addr)
    return makeError(Code::kInvalid, "host bits set in '" + std::string(text) + "'");
  return p;
}

std::string Route::str() const {
  std::string s;
  switch (type) {
    case RouteType::kUnreachable: s = "unreachable "; break;
    case RouteType::kBlackhole: s = "blackhole "; break;
    case RouteType::kProhibit: s = "prohibit "; break;
    default: break;
  }
  s += formatPrefix(dst);
  if (src.len) s += " from " + formatPrefix(src);
  if (gateway) s += " via " + formatAddress(*gateway);
  if (onlink) s += " onlink";
  if (ifindex) s += " dev " + std::to_string(ifindex);
  if (prefsrc) s += " src " + formatAddress(*prefsrc);
  if (metric) s += " metric " + std::to_string(metric);
  if (table != kTableMain) s += " table " + std::to_string(table);
  s += " proto " + std::to_string(protocol);
  return s;
}

Result<Ipv6> Routes::linkLocal(int ifindex) {
  auto addrs = listAddresses(false, ifindex);
  if (!addrs.ok()) return addrs.error();
  for (const auto& a : *addrs) {
    if (isLinkLocal(a.prefix.addr) && !a.tentative)  // usable: DAD finished
      return a.prefix.addr;
  }
  return makeError(Code::kNotFound, "no link-local address on interface " + std::to_string(ifindex));
}

}  // namespace re6st::kernel
