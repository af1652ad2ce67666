// Babel packet parsing and writing; see codec.h. Section numbers are RFC 8966 unless noted.
#include "re6st/babel/codec.h"

#include <algorithm>
#include <cstring>

namespace re6st::babel {
namespace {

constexpr Ipv6 kV4Mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0};

void maskPrefix(Prefix& p) {
  for (int i = 0; i < 16; ++i) {
    int keep = std::clamp(p.len - i * 8, 0, 8);
    p.addr[i] &= uint8_t(0xff00 >> keep);
  }
}

// Per-packet parser state (§4.5): Router-Id, next hops, default prefixes per AE.
struct ParseState {
  std::optional<RouterId> routerId;
  Ipv6 nexthop6{};
  std::optional<Ipv6> nexthop4;
  std::optional<Ipv6> default6;
  std::optional<Ipv6> default4;
  std::optional<Ipv6> default46;  // AE 4 has its own default prefix (babeld, RFC 9229 §4)
};

bool isV4Ae(uint8_t ae) { return ae == kAeIpv4 || ae == kAeV4viaV6; }

// Reads a network prefix of the given AE (§4.1.4), with `omitted` leading bytes taken from
// the default prefix. Returns false when the encoding is invalid.
bool readPrefix(Reader& r, uint8_t ae, int plen, int omitted, const ParseState& st,
                Prefix& out) {
  out = Prefix{};
  if (ae == kAeIpv6) {
    if (plen > 128) return false;
    int total = (plen + 7) / 8;
    if (omitted > total || omitted > 16) return false;
    if (omitted > 0 && !st.default6) return false;
    if (omitted > 0) std::memcpy(out.addr.data(), st.default6->data(), omitted);
    ByteSpan b = r.take(total - omitted);
    if (!r.ok()) return false;
    std::copy(b.begin(), b.end(), out.addr.begin() + omitted);
    out.len = plen;
  } else if (isV4Ae(ae)) {
    if (plen > 32) return false;
    int total = (plen + 7) / 8;
    const std::optional<Ipv6>& def = ae == kAeIpv4 ? st.default4 : st.default46;
    if (omitted > total || omitted > 4) return false;
    if (omitted > 0 && !def) return false;
    out.addr = kV4Mapped;
    if (omitted > 0) std::memcpy(out.addr.data() + 12, def->data() + 12, omitted);
    ByteSpan b = r.take(total - omitted);
    if (!r.ok()) return false;
    std::copy(b.begin(), b.end(), out.addr.begin() + 12 + omitted);
    out.len = plen + 96;
  } else if (ae == kAeLinkLocal) {
    // Link-local: fe80::/64 + 8 bytes; only whole addresses make sense (§4.1.4).
    if (omitted != 0 || plen > 64) return false;
    ByteSpan b = r.take(8);
    if (!r.ok()) return false;
    out.addr[0] = 0xfe;
    out.addr[1] = 0x80;
    std::copy(b.begin(), b.end(), out.addr.begin() + 8);
    out.len = 64 + plen;
  } else if (ae == kAeWildcard) {
    if (plen != 0 || omitted != 0) return false;
  } else {
    return false;
  }
  maskPrefix(out);
  return true;
}

// Reads a bare address (IHU, Next Hop): AE 1, 2 or 3 (AE 4 carries no address).
bool readAddress(Reader& r, uint8_t ae, Ipv6& out) {
  if (ae == kAeV4viaV6) return false;
  Prefix p;
  ParseState none;
  int plen = ae == kAeIpv6 ? 128 : ae == kAeIpv4 ? 32 : ae == kAeLinkLocal ? 64 : -1;
  if (plen < 0 || !readPrefix(r, ae, plen, 0, none, p)) return false;
  out = p.addr;
  return true;
}

// Walks the sub-TLVs (§4.4). Calls on(type, body) for each; returns false when one is
// truncated or when `on` refuses a sub-TLV (unknown mandatory, bad length).
template <class F>
bool readSubTlvs(Reader& r, F on) {
  while (!r.empty()) {
    uint8_t type = r.u8();
    if (type == kSubPad1) continue;
    uint8_t len = r.u8();
    ByteSpan body = r.take(len);
    if (!r.ok()) return false;
    if (!on(type, body)) return false;
  }
  return true;
}

// Source prefix sub-TLV (RFC 9079 §4.1): plen, then the prefix bytes in the TLV's AE.
bool readSource(ByteSpan body, uint8_t ae, Prefix& src) {
  Reader r(body);
  int plen = r.u8();
  if (!r.ok() || plen == 0 || (ae != kAeIpv6 && !isV4Ae(ae))) return false;
  ParseState none;
  if (!readPrefix(r, ae, plen, 0, none, src)) return false;
  return r.empty();
}

// Sub-TLV handler accepting only padding, an optional source prefix, and unknown
// non-mandatory sub-TLVs (mandatory bit = 0x80, §4.4).
auto sourceOnly(uint8_t ae, Prefix& src, bool& seen) {
  return [ae, &src, &seen](uint8_t type, ByteSpan body) {
    if (type == kSubSource) {
      if (seen) return false;  // RFC 9079 §4.1: at most one
      seen = true;
      return readSource(body, ae, src);
    }
    return type < 128;
  };
}

// Each parseX returns false to ignore the TLV (§4.3: ignore what cannot be understood).
bool parseHello(Reader& r, std::vector<Tlv>& out) {
  Hello h;
  h.flags = r.u16();
  h.seqno = r.u16();
  h.interval = r.u16();
  if (!r.ok()) return false;
  bool ok = readSubTlvs(r, [&h](uint8_t type, ByteSpan body) {
    if (type == kSubTimestamp) {
      if (body.size() != 4) return false;
      h.timestamp = Reader(body).u32();
      return true;
    }
    return type < 128;
  });
  if (!ok) return false;
  out.push_back(h);
  return true;
}

bool parseIhu(Reader& r, std::vector<Tlv>& out) {
  Ihu t;
  t.ae = r.u8();
  r.u8();
  t.rxcost = r.u16();
  t.interval = r.u16();
  if (!r.ok()) return false;
  if (t.ae != kAeWildcard && !readAddress(r, t.ae, t.address)) return false;
  bool ok = readSubTlvs(r, [&t](uint8_t type, ByteSpan body) {
    if (type == kSubTimestamp) {
      if (body.size() != 8) return false;
      Reader b(body);
      uint32_t origin = b.u32();
      t.timestamp = std::make_pair(origin, b.u32());
      return true;
    }
    return type < 128;
  });
  if (!ok) return false;
  out.push_back(t);
  return true;
}

bool parseNextHop(Reader& r, ParseState& st) {
  uint8_t ae = r.u8();
  r.u8();
  Ipv6 a{};
  if (!r.ok() || !readAddress(r, ae, a)) return false;
  if (ae == kAeIpv4) st.nexthop4 = a;
  else st.nexthop6 = a;
  return true;
}

bool parseUpdate(Reader& r, ParseState& st, std::vector<Tlv>& out) {
  Update u;
  u.ae = r.u8();
  u.flags = r.u8();
  int plen = r.u8();
  int omitted = r.u8();
  u.interval = r.u16();
  u.seqno = r.u16();
  u.metric = r.u16();
  // AE 3 never appears in an Update (§4.6.9); AE 4 is RFC 9229's v4-via-v6.
  if (!r.ok() || u.ae == kAeLinkLocal || u.ae > kAeV4viaV6) return false;
  if (!readPrefix(r, u.ae, plen, omitted, st, u.dst)) return false;
  // §4.6.9: the flags take effect even if the TLV is later ignored.
  if (u.flags & kFlagDefaultPrefix) {
    if (u.ae == kAeIpv6) st.default6 = u.dst.addr;
    if (u.ae == kAeIpv4) st.default4 = u.dst.addr;
    if (u.ae == kAeV4viaV6) st.default46 = u.dst.addr;
  }
  if ((u.flags & kFlagRouterId) && u.ae != kAeWildcard) {
    // §4.6.9: the low 64 bits of the address; an IPv4 address is zero-extended (babeld).
    RouterId id{};
    if (isV4Ae(u.ae)) std::copy(u.dst.addr.begin() + 12, u.dst.addr.end(), id.begin() + 4);
    else std::copy(u.dst.addr.begin() + 8, u.dst.addr.end(), id.begin());
    st.routerId = id;
  }
  bool seen = false;
  if (!readSubTlvs(r, sourceOnly(u.ae, u.src, seen))) return false;
  if (u.ae == kAeWildcard) {
    if (u.metric != kInfinity) return false;  // §4.6.9: AE 0 only retracts
  } else if (u.metric != kInfinity) {
    if (!st.routerId) return false;  // §4.6.9: no Router-Id yet
  }
  if (st.routerId) u.routerId = *st.routerId;
  if (u.ae == kAeIpv4) {
    // §4.6.9: an IPv4 route needs an IPv4 next hop; a retraction does not (babeld).
    if (st.nexthop4) u.nexthop = *st.nexthop4;
    else if (u.metric != kInfinity) return false;
  } else {
    u.nexthop = st.nexthop6;
  }
  out.push_back(u);
  return true;
}

bool parseRouteReq(Reader& r, std::vector<Tlv>& out) {
  RouteReq q;
  q.ae = r.u8();
  int plen = r.u8();
  ParseState none;
  // Requests name a prefix, not a next hop: AE 4 reads as AE 1 (babeld accepts both).
  if (!r.ok() || q.ae == kAeLinkLocal || q.ae > kAeV4viaV6) return false;
  if (!readPrefix(r, q.ae, plen, 0, none, q.dst)) return false;
  bool seen = false;
  if (!readSubTlvs(r, sourceOnly(q.ae, q.src, seen))) return false;
  if (q.ae == kAeV4viaV6) q.ae = kAeIpv4;
  out.push_back(q);
  return true;
}

bool parseSeqnoReq(Reader& r, std::vector<Tlv>& out) {
  SeqnoReq q;
  q.ae = r.u8();
  int plen = r.u8();
  q.seqno = r.u16();
  q.hopCount = r.u8();
  r.u8();
  ByteSpan id = r.take(8);
  ParseState none;
  if (!r.ok() || q.ae == kAeWildcard || q.ae == kAeLinkLocal || q.ae > kAeV4viaV6) return false;
  std::copy(id.begin(), id.end(), q.routerId.begin());
  if (!readPrefix(r, q.ae, plen, 0, none, q.dst)) return false;
  bool seen = false;
  if (!readSubTlvs(r, sourceOnly(q.ae, q.src, seen))) return false;
  if (q.hopCount == 0) return false;  // §4.6.11: hop count 0 is invalid
  if (q.ae == kAeV4viaV6) q.ae = kAeIpv4;
  out.push_back(q);
  return true;
}

// One TLV body. Returns false when it is ignored.
bool parseTlv(uint8_t type, ByteSpan body, ParseState& st, std::vector<Tlv>& out) {
  Reader r(body);
  switch (type) {
    case kPadN: return true;
    case kAckReq: {
      r.u16();
      AckReq a{r.u16(), r.u16()};
      if (!r.ok()) return false;
      out.push_back(a);
      return true;
    }
    case kAck: {
      Ack a{r.u16()};
      if (!r.ok()) return false;
      out.push_back(a);
      return true;
    }
    case kHello: return parseHello(r, out);
    case kIhu: return parseIhu(r, out);
    case kRouterIdTlv: {
      r.u16();
      ByteSpan id = r.take(8);
      if (!r.ok()) return false;
      RouterId rid;
      std::copy(id.begin(), id.end(), rid.begin());
      // §4.6.7: all-zeros and all-ones ids are invalid.
      if (std::all_of(rid.begin(), rid.end(), [](uint8_t b) { return b == 0; }) ||
          std::all_of(rid.begin(), rid.end(), [](uint8_t b) { return b == 0xff; })) {
        st.routerId.reset();
        return false;
      }
      st.routerId = rid;
      return true;
    }
    case kNextHop: return parseNextHop(r, st);
    case kUpdate: return parseUpdate(r, st, out);
    case kRouteReq: return parseRouteReq(r, out);
    case kSeqnoReq: return parseSeqnoReq(r, out);
    case kPc: {
      // RFC 8967 §4.3: 32-bit counter then the index (0..32 bytes).
      PacketCounter pc{r.u32(), {}};
      if (!r.ok() || r.remaining() > 32) return false;
      ByteSpan idx = r.rest();
      pc.index.assign(idx.begin(), idx.end());
      out.push_back(std::move(pc));
      return true;
    }
    case kChallengeReq:
    case kChallengeReply: {
      if (body.size() > 192) return false;  // RFC 8967 §4.3: nonce ≤ 192 bytes
      Bytes nonce(body.begin(), body.end());
      if (type == kChallengeReq) out.push_back(ChallengeReq{std::move(nonce)});
      else out.push_back(ChallengeReply{std::move(nonce)});
      return true;
    }
    default: return false;  // unknown TLV (§4.3), or a MAC inside the body
  }
}

}  // namespace

bool isV4Mapped(const Ipv6& a) { return std::equal(a.begin(), a.begin() + 12, kV4Mapped.begin()); }

Result<ParsedPacket> parsePacket(ByteSpan data, const Ipv6& src) {
  Reader hdr(data);
  uint8_t magic = hdr.u8();
  uint8_t version = hdr.u8();
  uint16_t bodyLen = hdr.u16();
  if (!hdr.ok()) return makeError(Code::kInvalid, "babel: packet shorter than its header");
  if (magic != kMagic) return makeError(Code::kInvalid, "babel: bad magic");
  if (version != kVersion) return makeError(Code::kUnsupported, "babel: unknown version");
  if (bodyLen > hdr.remaining()) return makeError(Code::kInvalid, "babel: truncated body");
  ParsedPacket out;
  out.bodyEnd = 4 + size_t(bodyLen);
  ParseState st;
  st.nexthop6 = src;
  Reader body(hdr.take(bodyLen));
  while (!body.empty()) {
    uint8_t type = body.u8();
    if (type == kPad1) continue;
    uint8_t len = body.u8();
    ByteSpan tlv = body.take(len);
    if (!body.ok()) return makeError(Code::kInvalid, "babel: TLV runs past the body");
    if (!parseTlv(type, tlv, st, out.tlvs)) ++out.ignored;
  }
  // Trailer (RFC 8967 §4.2): padding and MAC TLVs only.
  Reader trailer(hdr.rest());
  while (!trailer.empty()) {
    uint8_t type = trailer.u8();
    if (type == kPad1) continue;
    uint8_t len = trailer.u8();
    ByteSpan tlv = trailer.take(len);
    if (!trailer.ok()) return makeError(Code::kInvalid, "babel: trailer TLV truncated");
    if (type == kMac) out.macs.emplace_back(tlv.begin(), tlv.end());
  }
  return out;
}

const char* tlvName(const Tlv& t) {
  static const char* const kNames[] = {"ack-request", "ack", "hello", "ihu", "update",
                                       "route-request", "seqno-request", "packet-counter",
                                       "challenge-request", "challenge-reply"};
  return kNames[t.index()];
}

}  // namespace re6st::babel
