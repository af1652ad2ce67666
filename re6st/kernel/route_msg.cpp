// rtnetlink bodies: see route_msg.h. Field meanings from rtnetlink(7) and the kernel's
// uapi headers; IPv4 values are carried as IPv4-mapped IPv6 (routes.h).
#include "re6st/kernel/route_msg.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

namespace re6st::kernel {
namespace {

constexpr uint16_t kReq = NLM_F_REQUEST | NLM_F_ACK;

uint8_t familyOf(bool v4) { return v4 ? AF_INET : AF_INET6; }

// Address bytes as the kernel wants them: 4 bytes for IPv4, 16 for IPv6.
ByteSpan wire(const Ipv6& a, bool v4) { return v4 ? ByteSpan(a).subspan(12, 4) : ByteSpan(a); }

Ipv6 fromWire(ByteSpan b, bool v4) {
  Ipv6 a{};
  if (v4) {
    a[10] = a[11] = 0xff;
    std::memcpy(a.data() + 12, b.data(), 4);
  } else {
    std::memcpy(a.data(), b.data(), 16);
  }
  return a;
}

// Reads an address attribute of the right size for the family.
bool readAddr(const std::vector<NlAttr>& attrs, uint16_t type, bool v4, std::optional<Ipv6>& out) {
  auto a = findAttr(attrs, type);
  if (!a) return true;
  if (a->size() != (v4 ? 4u : 16u)) return false;
  out = fromWire(*a, v4);
  return true;
}

uint8_t rtnType(RouteType t) {
  switch (t) {
    case RouteType::kUnreachable: return RTN_UNREACHABLE;
    case RouteType::kBlackhole: return RTN_BLACKHOLE;
    case RouteType::kProhibit: return RTN_PROHIBIT;
    default: return RTN_UNICAST;
  }
}

int hostLen(const Prefix& p, bool v4) { return v4 ? p.len - 96 : p.len; }

Prefix prefixFrom(const Ipv6& a, int len, bool v4) { return Prefix{a, v4 ? len + 96 : len}; }

}  // namespace

NlRequest routeRequest(uint16_t type, uint16_t flags, const Route& r) {
  bool v4 = isV4(r.dst);
  NlRequest req(type, static_cast<uint16_t>(kReq | flags));
  rtmsg m{};
  m.rtm_family = familyOf(v4);
  m.rtm_dst_len = static_cast<uint8_t>(hostLen(r.dst, v4));
  m.rtm_src_len = static_cast<uint8_t>(r.src.len ? hostLen(r.src, v4) : 0);
  m.rtm_table = r.table < 256 ? static_cast<uint8_t>(r.table) : uint8_t(RT_TABLE_UNSPEC);
  m.rtm_protocol = r.protocol;
  m.rtm_type = rtnType(r.type);
  // An IPv4 route without a gateway is on-link (what `ip route` does); all else universe.
  m.rtm_scope = (v4 && !r.gateway && r.type == RouteType::kUnicast) ? RT_SCOPE_LINK
                                                                      : RT_SCOPE_UNIVERSE;
  if (type == RTM_DELROUTE) m.rtm_scope = RT_SCOPE_NOWHERE;  // match any scope
  if (r.onlink && type != RTM_DELROUTE) m.rtm_flags |= RTNH_F_ONLINK;
  req.header(m);
  req.attr(RTA_DST, wire(r.dst.addr, v4));
  if (r.src.len) req.attr(RTA_SRC, wire(r.src.addr, v4));
  req.attrU32(RTA_TABLE, r.table);
  if (r.metric) req.attrU32(RTA_PRIORITY, r.metric);
  if (r.gateway && v4 && !isV4(*r.gateway)) {
    // An IPv4 route through an IPv6 next hop (RFC 9229 v4-via-v6): RTA_VIA, struct rtvia.
    uint8_t via[2 + 16];
    uint16_t fam = AF_INET6;
    std::memcpy(via, &fam, 2);
    std::memcpy(via + 2, r.gateway->data(), 16);
    req.attr(RTA_VIA, via, sizeof via);
  } else if (r.gateway) {
    req.attr(RTA_GATEWAY, wire(*r.gateway, v4));
  }
  if (r.ifindex) req.attrU32(RTA_OIF, static_cast<uint32_t>(r.ifindex));
  if (r.prefsrc && type != RTM_DELROUTE) req.attr(RTA_PREFSRC, wire(*r.prefsrc, v4));
  return req;
}

NlRequest routeDumpRequest(bool v4) {
  NlRequest req(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
  rtmsg m{};
  m.rtm_family = familyOf(v4);
  req.header(m);
  return req;
}

Result<Route> decodeRoute(const NlMessage& msg) {
  if (msg.type != RTM_NEWROUTE) return makeError(Code::kInvalid, "netlink: not a route");
  auto m = readFixed<rtmsg>(msg.payload);
  if (!m.ok()) return m.error();
  if (m->rtm_family != AF_INET && m->rtm_family != AF_INET6)
    return makeError(Code::kUnsupported, "route family " + std::to_string(m->rtm_family));
  bool v4 = m->rtm_family == AF_INET;
  int maxLen = v4 ? 32 : 128;
  if (m->rtm_dst_len > maxLen || m->rtm_src_len > maxLen)
    return makeError(Code::kInvalid, "netlink: route prefix length out of range");
  auto attrs = parseAttrsAfter(msg.payload, sizeof(rtmsg));
  if (!attrs.ok()) return attrs.error();
  if (findAttr(*attrs, RTA_MULTIPATH)) return makeError(Code::kUnsupported, "multipath route");
  Route r;
  std::optional<Ipv6> dst, src;
  if (!readAddr(*attrs, RTA_DST, v4, dst) || !readAddr(*attrs, RTA_SRC, v4, src) ||
      !readAddr(*attrs, RTA_GATEWAY, v4, r.gateway) ||
      !readAddr(*attrs, RTA_PREFSRC, v4, r.prefsrc))
    return makeError(Code::kInvalid, "netlink: route address of the wrong size");
  if (auto via = findAttr(*attrs, RTA_VIA); via && !r.gateway) {
    uint16_t fam = 0;
    if (via->size() >= 2) std::memcpy(&fam, via->data(), 2);
    if (fam != AF_INET6 || via->size() != 18) return makeError(Code::kInvalid, "netlink: bad RTA_VIA");
    r.gateway = fromWire(via->subspan(2), false);
  }
  r.dst = prefixFrom(dst.value_or(fromWire(Ipv6{}, v4)), m->rtm_dst_len, v4);
  if (src || m->rtm_src_len) r.src = prefixFrom(src.value_or(fromWire(Ipv6{}, v4)), m->rtm_src_len, v4);
  if (r.src.len == (v4 ? 96 : 0)) r.src = Prefix{};  // "from any" is no source prefix
  switch (m->rtm_type) {
    case RTN_UNREACHABLE: r.type = RouteType::kUnreachable; break;
    case RTN_BLACKHOLE: r.type = RouteType::kBlackhole; break;
    case RTN_PROHIBIT: r.type = RouteType::kProhibit; break;
    case RTN_UNICAST: r.type = RouteType::kUnicast; break;
    default: return makeError(Code::kUnsupported, "route type " + std::to_string(m->rtm_type));
  }
  r.ifindex = static_cast<int>(attrU32(*attrs, RTA_OIF).value_or(0));
  r.metric = attrU32(*attrs, RTA_PRIORITY).value_or(0);
  r.table = attrU32(*attrs, RTA_TABLE).value_or(m->rtm_table);
  r.protocol = m->rtm_protocol;
  r.onlink = (m->rtm_flags & RTNH_F_ONLINK) != 0;
  return r;
}

NlRequest addressRequest(uint16_t type, uint16_t flags, const Address& a) {
  bool v4 = isV4(a.prefix.addr);
  NlRequest req(type, static_cast<uint16_t>(kReq | flags));
  ifaddrmsg m{};
  m.ifa_family = familyOf(v4);
  m.ifa_prefixlen = static_cast<uint8_t>(hostLen(a.prefix, v4));
  m.ifa_scope = a.scope;
  m.ifa_index = static_cast<uint32_t>(a.ifindex);
  if (!v4) m.ifa_flags = IFA_F_NODAD;
  req.header(m);
  req.attr(IFA_LOCAL, wire(a.prefix.addr, v4));
  req.attr(IFA_ADDRESS, wire(a.prefix.addr, v4));
  if (!v4 && type == RTM_NEWADDR) req.attrU32(IFA_FLAGS, IFA_F_NODAD);
  return req;
}

NlRequest addressDumpRequest(bool v4) {
  NlRequest req(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
  ifaddrmsg m{};
  m.ifa_family = familyOf(v4);
  req.header(m);
  return req;
}

Result<Address> decodeAddress(const NlMessage& msg) {
  if (msg.type != RTM_NEWADDR) return makeError(Code::kInvalid, "netlink: not an address");
  auto m = readFixed<ifaddrmsg>(msg.payload);
  if (!m.ok()) return m.error();
  if (m->ifa_family != AF_INET && m->ifa_family != AF_INET6)
    return makeError(Code::kUnsupported, "address family " + std::to_string(m->ifa_family));
  bool v4 = m->ifa_family == AF_INET;
  if (m->ifa_prefixlen > (v4 ? 32 : 128))
    return makeError(Code::kInvalid, "netlink: address prefix length out of range");
  auto attrs = parseAttrsAfter(msg.payload, sizeof(ifaddrmsg));
  if (!attrs.ok()) return attrs.error();
  std::optional<Ipv6> local, addr;
  if (!readAddr(*attrs, IFA_LOCAL, v4, local) || !readAddr(*attrs, IFA_ADDRESS, v4, addr))
    return makeError(Code::kInvalid, "netlink: address of the wrong size");
  if (!local && !addr) return makeError(Code::kInvalid, "netlink: address without IFA_ADDRESS");
  uint32_t flags = attrU32(*attrs, IFA_FLAGS).value_or(m->ifa_flags);
  Address a;
  a.ifindex = static_cast<int>(m->ifa_index);
  a.prefix = prefixFrom(local ? *local : *addr, m->ifa_prefixlen, v4);
  a.scope = m->ifa_scope;
  a.tentative = (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) != 0;
  return a;
}

NlRequest linkGetRequest(int ifindex, const std::string& name) {
  NlRequest req(RTM_GETLINK, NLM_F_REQUEST);
  ifinfomsg m{};
  m.ifi_family = AF_UNSPEC;
  m.ifi_index = ifindex;
  req.header(m);
  if (!ifindex) req.attrString(IFLA_IFNAME, name);
  return req;
}

NlRequest linkDumpRequest() {
  NlRequest req(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
  ifinfomsg m{};
  req.header(m);
  return req;
}

NlRequest linkSetRequest(int ifindex, std::optional<bool> up, uint32_t mtu) {
  NlRequest req(RTM_NEWLINK, kReq);
  ifinfomsg m{};
  m.ifi_family = AF_UNSPEC;
  m.ifi_index = ifindex;
  if (up) {
    m.ifi_change = IFF_UP;
    m.ifi_flags = *up ? IFF_UP : 0;
  }
  req.header(m);
  if (mtu) req.attrU32(IFLA_MTU, mtu);
  return req;
}

Result<Link> decodeLink(const NlMessage& msg) {
  if (msg.type != RTM_NEWLINK) return makeError(Code::kInvalid, "netlink: not a link");
  auto m = readFixed<ifinfomsg>(msg.payload);
  if (!m.ok()) return m.error();
  auto attrs = parseAttrsAfter(msg.payload, sizeof(ifinfomsg));
  if (!attrs.ok()) return attrs.error();
  Link l;
  l.ifindex = m->ifi_index;
  l.name = attrString(*attrs, IFLA_IFNAME).value_or("");
  l.mtu = attrU32(*attrs, IFLA_MTU).value_or(0);
  l.up = (m->ifi_flags & IFF_UP) != 0;
  l.running = (m->ifi_flags & IFF_RUNNING) != 0;
  if (l.ifindex <= 0 || l.name.empty()) return makeError(Code::kInvalid, "netlink: link without index or name");
  return l;
}

}  // namespace re6st::kernel
