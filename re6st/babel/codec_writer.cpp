// Babel packet writing (PacketWriter, codec.h). Section numbers are RFC 8966 unless noted.
#include "re6st/babel/codec.h"

namespace re6st::babel {
namespace {

bool isLinkLocal(const Ipv6& a) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }

// Address family of a prefix as an AE, and its bytes within that family.
uint8_t aeOf(const Prefix& p) { return isV4Mapped(p.addr) && p.len >= 96 ? kAeIpv4 : kAeIpv6; }
int familyLen(const Prefix& p, uint8_t ae) { return ae == kAeIpv4 ? p.len - 96 : p.len; }
const uint8_t* familyBytes(const Prefix& p, uint8_t ae) {
  return p.addr.data() + (ae == kAeIpv4 ? 12 : 0);
}

}  // namespace

PacketWriter::PacketWriter() {
  w_.u8(kMagic);
  w_.u8(kVersion);
  w_.u16(0);
}

void PacketWriter::beginTlv(uint8_t type) {
  w_.u8(type);
  tlvStart_ = w_.size();
  w_.u8(0);
}

void PacketWriter::endTlv() { w_.patch8(tlvStart_, uint8_t(w_.size() - tlvStart_ - 1)); }

void PacketWriter::ackReq(const AckReq& t) {
  beginTlv(kAckReq);
  w_.u16(0);
  w_.u16(t.opaque);
  w_.u16(t.interval);
  endTlv();
}

void PacketWriter::ack(const Ack& t) {
  beginTlv(kAck);
  w_.u16(t.opaque);
  endTlv();
}

void PacketWriter::hello(const Hello& t) {
  beginTlv(kHello);
  w_.u16(t.flags);
  w_.u16(t.seqno);
  w_.u16(t.interval);
  if (t.timestamp) {  // babeld's timestamp sub-TLV: 4 bytes in a Hello
    w_.u8(kSubTimestamp);
    w_.u8(4);
    w_.u32(*t.timestamp);
  }
  endTlv();
}

void PacketWriter::ihu(const Ihu& t) {
  beginTlv(kIhu);
  bool wildcard = t.address == Ipv6{};
  uint8_t ae = wildcard ? kAeWildcard : isLinkLocal(t.address) ? kAeLinkLocal : kAeIpv6;
  w_.u8(ae);
  w_.u8(0);
  w_.u16(t.rxcost);
  w_.u16(t.interval);
  if (ae == kAeLinkLocal) w_.bytes(ByteSpan(t.address.data() + 8, 8));
  if (ae == kAeIpv6) w_.bytes(ByteSpan(t.address.data(), 16));
  if (t.timestamp) {  // babeld: origin timestamp, then its receive time, 8 bytes
    w_.u8(kSubTimestamp);
    w_.u8(8);
    w_.u32(t.timestamp->first);
    w_.u32(t.timestamp->second);
  }
  endTlv();
}

void PacketWriter::sourceSubTlv(const Prefix& src) {
  if (src.len == 0) return;
  uint8_t ae = aeOf(src);
  int plen = familyLen(src, ae);
  w_.u8(kSubSource);  // RFC 9079 §4.1
  w_.u8(uint8_t(1 + (plen + 7) / 8));
  w_.u8(uint8_t(plen));
  w_.bytes(ByteSpan(familyBytes(src, ae), size_t((plen + 7) / 8)));
}

void PacketWriter::update(const Update& t) {
  bool retraction = t.metric == kInfinity;
  if (!retraction && t.ae != kAeWildcard && lastRid_ != t.routerId) {
    beginTlv(kRouterIdTlv);  // §4.6.7
    w_.u16(0);
    w_.bytes(ByteSpan(t.routerId.data(), 8));
    endTlv();
    lastRid_ = t.routerId;
  }
  uint8_t ae = t.ae == kAeWildcard ? kAeWildcard : aeOf(t.dst);
  if (ae == kAeIpv4 && t.ae == kAeV4viaV6) ae = kAeV4viaV6;  // RFC 9229
  if (ae == kAeIpv4 && isV4Mapped(t.nexthop) && lastNexthop4_ != t.nexthop) {
    beginTlv(kNextHop);  // §4.6.8: AE 1, reserved, the 4 address bytes
    w_.u8(kAeIpv4);
    w_.u8(0);
    w_.bytes(ByteSpan(t.nexthop.data() + 12, 4));
    endTlv();
    lastNexthop4_ = t.nexthop;
  }
  int plen = ae == kAeWildcard ? 0 : familyLen(t.dst, ae == kAeV4viaV6 ? kAeIpv4 : ae);
  int total = (plen + 7) / 8;
  int omitted = 0;
  uint8_t flags = 0;
  if (ae == kAeIpv6) {
    // §4.6.9 prefix compression: skip the bytes shared with the previous default prefix.
    if (lastPrefix_) {
      while (omitted < total && (*lastPrefix_)[omitted] == t.dst.addr[omitted]) ++omitted;
    }
    flags = kFlagDefaultPrefix;
    lastPrefix_ = t.dst.addr;  // what the parser's default becomes (host bits zero)
  }
  beginTlv(kUpdate);
  w_.u8(ae);
  w_.u8(flags);
  w_.u8(uint8_t(plen));
  w_.u8(uint8_t(omitted));
  w_.u16(t.interval);
  w_.u16(t.seqno);
  w_.u16(t.metric);
  if (ae != kAeWildcard) {
    uint8_t fam = ae == kAeV4viaV6 ? kAeIpv4 : ae;
    w_.bytes(ByteSpan(familyBytes(t.dst, fam) + omitted, size_t(total - omitted)));
  }
  sourceSubTlv(t.src);
  endTlv();
}

void PacketWriter::routeReq(const RouteReq& t) {
  beginTlv(kRouteReq);
  uint8_t ae = t.ae == kAeWildcard ? kAeWildcard : aeOf(t.dst);
  int plen = ae == kAeWildcard ? 0 : familyLen(t.dst, ae);
  w_.u8(ae);
  w_.u8(uint8_t(plen));
  if (ae != kAeWildcard) w_.bytes(ByteSpan(familyBytes(t.dst, ae), size_t((plen + 7) / 8)));
  if (ae != kAeWildcard) sourceSubTlv(t.src);
  endTlv();
}

void PacketWriter::seqnoReq(const SeqnoReq& t) {
  beginTlv(kSeqnoReq);
  uint8_t ae = aeOf(t.dst);
  int plen = familyLen(t.dst, ae);
  w_.u8(ae);
  w_.u8(uint8_t(plen));
  w_.u16(t.seqno);
  w_.u8(t.hopCount);
  w_.u8(0);
  w_.bytes(ByteSpan(t.routerId.data(), 8));
  w_.bytes(ByteSpan(familyBytes(t.dst, ae), size_t((plen + 7) / 8)));
  sourceSubTlv(t.src);
  endTlv();
}

void PacketWriter::packetCounter(const PacketCounter& t) {
  beginTlv(kPc);  // RFC 8967 §4.3
  w_.u32(t.pc);
  w_.bytes(t.index);
  endTlv();
}

void PacketWriter::challengeReq(const ChallengeReq& t) {
  beginTlv(kChallengeReq);
  w_.bytes(t.nonce);
  endTlv();
}

void PacketWriter::challengeReply(const ChallengeReply& t) {
  beginTlv(kChallengeReply);
  w_.bytes(t.nonce);
  endTlv();
}

void PacketWriter::pad(size_t n) {
  if (n == 0) return;
  if (n == 1) {
    w_.u8(kPad1);
    return;
  }
  beginTlv(kPadN);
  for (size_t i = 2; i < n; ++i) w_.u8(0);
  endTlv();
}

Bytes PacketWriter::finish() {
  w_.patch16(2, uint16_t(w_.size() - 4));
  return w_.take();
}

}  // namespace re6st::babel
