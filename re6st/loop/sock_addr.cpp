// SockAddr parsing and formatting (inet_pton/inet_ntop, if_nametoindex for scopes).
#include "re6st/loop/sock_addr.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <cstring>

namespace re6st::loop {

SockAddr::SockAddr() { std::memset(&ss_, 0, sizeof ss_); }

Result<SockAddr> SockAddr::parse(std::string_view host, uint16_t port) {
  SockAddr a;
  std::string h(host);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    auto* s = reinterpret_cast<sockaddr_in*>(&a.ss_);
    s->sin_family = AF_INET;
    s->sin_addr = v4;
    s->sin_port = htons(port);
    return a;
  }
  uint32_t scope = 0;
  if (auto pct = h.find('%'); pct != std::string::npos) {
    std::string ifname = h.substr(pct + 1);
    h.resize(pct);
    scope = if_nametoindex(ifname.c_str());
    if (scope == 0) {
      char* end = nullptr;
      unsigned long n = std::strtoul(ifname.c_str(), &end, 10);
      if (ifname.empty() || *end != '\0' || n == 0 || n > 0xffffffffUL)
        return makeError(Code::kInvalid, "unknown interface '" + ifname + "' in address");
      scope = static_cast<uint32_t>(n);
    }
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) != 1)
    return makeError(Code::kInvalid, "not a numeric IP address: '" + std::string(host) + "'");
  auto* s = reinterpret_cast<sockaddr_in6*>(&a.ss_);
  s->sin6_family = AF_INET6;
  s->sin6_addr = v6;
  s->sin6_port = htons(port);
  s->sin6_scope_id = scope;
  return a;
}

Result<SockAddr> SockAddr::parseHostPort(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return makeError(Code::kInvalid, "bad address '" + std::string(text) + "' (want [ip]:port)");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon)
      return makeError(Code::kInvalid, "bad address '" + std::string(text) + "' (want ip:port)");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned long p = 0;
  if (port.empty() || port.size() > 5) return makeError(Code::kInvalid, "bad port in '" + std::string(text) + "'");
  for (char c : port) {
    if (c < '0' || c > '9') return makeError(Code::kInvalid, "bad port in '" + std::string(text) + "'");
    p = p * 10 + static_cast<unsigned long>(c - '0');
  }
  if (p > 65535) return makeError(Code::kInvalid, "port out of range in '" + std::string(text) + "'");
  return parse(host, static_cast<uint16_t>(p));
}

SockAddr SockAddr::fromIpv6(const Ipv6& ip, uint16_t port, uint32_t scope) {
  SockAddr a;
  auto* s = reinterpret_cast<sockaddr_in6*>(&a.ss_);
  s->sin6_family = AF_INET6;
  std::memcpy(&s->sin6_addr, ip.data(), 16);
  s->sin6_port = htons(port);
  s->sin6_scope_id = scope;
  return a;
}

SockAddr SockAddr::fromIpv4(uint32_t addr, uint16_t port) {
  SockAddr a;
  auto* s = reinterpret_cast<sockaddr_in*>(&a.ss_);
  s->sin_family = AF_INET;
  s->sin_addr.s_addr = htonl(addr);
  s->sin_port = htons(port);
  return a;
}

SockAddr SockAddr::anyV6(uint16_t port) { return fromIpv6(Ipv6{}, port); }
SockAddr SockAddr::anyV4(uint16_t port) { return fromIpv4(0, port); }

Result<SockAddr> SockAddr::fromRaw(const sockaddr* sa, socklen_t len) {
  SockAddr a;
  if (sa == nullptr) return makeError(Code::kInvalid, "null socket address");
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    std::memcpy(&a.ss_, sa, sizeof(sockaddr_in));
    return a;
  }
  if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    std::memcpy(&a.ss_, sa, sizeof(sockaddr_in6));
    return a;
  }
  return makeError(Code::kUnsupported, "unsupported socket address family");
}

uint16_t SockAddr::port() const {
  if (isV4()) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss_)->sin_port);
  if (isV6()) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_port);
  return 0;
}

void SockAddr::setPort(uint16_t port) {
  if (isV4()) reinterpret_cast<sockaddr_in*>(&ss_)->sin_port = htons(port);
  if (isV6()) reinterpret_cast<sockaddr_in6*>(&ss_)->sin6_port = htons(port);
}

uint32_t SockAddr::scope() const {
  return isV6() ? reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_scope_id : 0;
}

Ipv6 SockAddr::ipv6() const {
  Ipv6 ip{};
  if (isV6()) {
    std::memcpy(ip.data(), &reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_addr, 16);
  } else if (isV4()) {
    ip[10] = ip[11] = 0xff;
    std::memcpy(ip.data() + 12, &reinterpret_cast<const sockaddr_in*>(&ss_)->sin_addr, 4);
  }
  return ip;
}

uint32_t SockAddr::ipv4() const {
  return isV4() ? ntohl(reinterpret_cast<const sockaddr_in*>(&ss_)->sin_addr.s_addr) : 0;
}

std::string SockAddr::host() const {
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {};
  if (isV4()) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss_)->sin_addr, buf, sizeof buf);
    return buf;
  }
  if (!isV6()) return "?";
  const auto* s = reinterpret_cast<const sockaddr_in6*>(&ss_);
  inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof buf);
  std::string out = buf;
  if (s->sin6_scope_id != 0) {
    char name[IF_NAMESIZE] = {};
    out += '%';
    out += if_indextoname(s->sin6_scope_id, name) ? std::string(name)
                                                    : std::to_string(s->sin6_scope_id);
  }
  return out;
}

std::string SockAddr::str() const {
  if (isV6()) return "[" + host() + "]:" + std::to_string(port());
  return host() + ":" + std::to_string(port());
}

socklen_t SockAddr::size() const {
  if (isV4()) return sizeof(sockaddr_in);
  if (isV6()) return sizeof(sockaddr_in6);
  return 0;
}

bool SockAddr::operator==(const SockAddr& o) const {
  return family() == o.family() && std::memcmp(&ss_, &o.ss_, size()) == 0;
}

bool SockAddr::operator<(const SockAddr& o) const {
  if (family() != o.family()) return family() < o.family();
  return std::memcmp(&ss_, &o.ss_, size()) < 0;
}

size_t SockAddr::hash() const {
  // FNV-1a over the meaningful bytes.
  size_t h = 1469598103934665603ull;
  const auto* p = reinterpret_cast<const uint8_t*>(&ss_);
  for (socklen_t i = 0; i < size(); ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

}  // namespace re6st::loop
