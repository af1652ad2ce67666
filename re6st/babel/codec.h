// Babel packet codec (RFC 8966 §4, RFC 9079 §4, RFC 8967 §4, babeld's timestamp sub-TLV):
// bytes <-> typed TLVs. The parser resolves the per-packet state (Router-Id, Next Hop,
// default prefixes for compression) so that every Update it returns is self-contained.
// Pure functions: no protocol state, no I/O. Hostile input yields an Error, never UB.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "re6st/babel/router.h"
#include "re6st/base/bytes.h"
#include "re6st/base/prefix.h"
#include "re6st/base/result.h"

namespace re6st::babel {

// TLV types (RFC 8966 §4.6, RFC 8967 §4.3).
enum TlvType : uint8_t {
  kPad1 = 0, kPadN = 1, kAckReq = 2, kAck = 3, kHello = 4, kIhu = 5, kRouterIdTlv = 6,
  kNextHop = 7, kUpdate = 8, kRouteReq = 9, kSeqnoReq = 10,
  kMac = 16, kPc = 17, kChallengeReq = 18, kChallengeReply = 19,
};
// Sub-TLV types (RFC 8966 §4.4; babeld RTT: 3; RFC 9079 §4: source prefix, mandatory).
enum SubTlvType : uint8_t { kSubPad1 = 0, kSubPadN = 1, kSubTimestamp = 3, kSubSource = 128 };
// Address encodings (RFC 8966 §4.1.4).
constexpr uint8_t kAeWildcard = 0, kAeIpv4 = 1, kAeIpv6 = 2, kAeLinkLocal = 3;
// RFC 9229 §2: an IPv4 prefix whose next hop is IPv6 (v4-via-v6), Update TLVs only.
constexpr uint8_t kAeV4viaV6 = 4;

constexpr uint8_t kMagic = 42;
constexpr uint8_t kVersion = 2;
constexpr uint16_t kHelloUnicast = 0x8000;  // RFC 8966 §4.6.5 U flag
constexpr uint8_t kFlagDefaultPrefix = 0x80;  // RFC 8966 §4.6.9
constexpr uint8_t kFlagRouterId = 0x40;

// IPv4 prefixes are held as IPv4-mapped IPv6 (::ffff:a.b.c.d, length + 96), like babeld.
struct AckReq { uint16_t opaque = 0; uint16_t interval = 0; };  // interval: centiseconds
struct Ack { uint16_t opaque = 0; };
struct Hello {
  uint16_t flags = 0;
  uint16_t seqno = 0;
  uint16_t interval = 0;  // centiseconds
  std::optional<uint32_t> timestamp;  // babeld: sender's clock, microseconds mod 2^32
};
struct Ihu {
  uint8_t ae = kAeWildcard;
  uint16_t rxcost = 0;
  uint16_t interval = 0;  // centiseconds
  Ipv6 address{};
  // babeld: (origin = the Hello's timestamp echoed, receive = when it arrived here).
  std::optional<std::pair<uint32_t, uint32_t>> timestamp;
};
// Writing an IPv4 Update: ae kAeV4viaV6 sends AE 4; otherwise AE 1, preceded by a Next
// Hop TLV (AE 1) carrying `nexthop` when it is an IPv4 address (babeld's behaviour).
struct Update {
  uint8_t ae = kAeIpv6;
  uint8_t flags = 0;
  uint16_t interval = 0;  // centiseconds
  uint16_t seqno = 0;
  uint16_t metric = 0;
  Prefix dst;
  Prefix src;  // RFC 9079; len 0 = not source-specific
  RouterId routerId{};  // resolved (parser) / to announce (writer)
  Ipv6 nexthop{};       // resolved by the parser: Next Hop TLV or the packet source
                        // (IPv4-mapped for AE 1, zero for an AE 1 retraction without one)
};
struct RouteReq { uint8_t ae = kAeIpv6; Prefix dst; Prefix src; };  // ae 0: wildcard
struct SeqnoReq {
  uint8_t ae = kAeIpv6;
  uint16_t seqno = 0;
  uint8_t hopCount = 0;
  RouterId routerId{};
  Prefix dst;
  Prefix src;
};
struct PacketCounter { uint32_t pc = 0; Bytes index; };
struct ChallengeReq { Bytes nonce; };
struct ChallengeReply { Bytes nonce; };

using Tlv = std::variant<AckReq, Ack, Hello, Ihu, Update, RouteReq, SeqnoReq, PacketCounter,
                         ChallengeReq, ChallengeReply>;

struct ParsedPacket {
  std::vector<Tlv> tlvs;
  size_t bodyEnd = 0;  // header + body length: what the MAC covers
  std::vector<Bytes> macs;  // MAC TLVs found in the trailer (RFC 8967 §4.2)
  int ignored = 0;  // TLVs dropped: unknown type, bad AE, unknown mandatory sub-TLV, …
};

// Parses a whole UDP payload. src is the packet's source (the default next hop).
// Fails on a bad header or a TLV running past the body; ignores malformed single TLVs.
Result<ParsedPacket> parsePacket(ByteSpan data, const Ipv6& src);

// Builds one packet. Update() emits a Router-Id TLV when the id changes and compresses
// IPv6 prefixes against the previous one (RFC 8966 §4.6.9); other TLVs are direct.
class PacketWriter {
 public:
  PacketWriter();
  void ackReq(const AckReq& t);
  void ack(const Ack& t);
  void hello(const Hello& t);
  void ihu(const Ihu& t);
  void update(const Update& t);
  void routeReq(const RouteReq& t);
  void seqnoReq(const SeqnoReq& t);
  void packetCounter(const PacketCounter& t);
  void challengeReq(const ChallengeReq& t);
  void challengeReply(const ChallengeReply& t);
  void pad(size_t n);  // Pad1 for n == 1, PadN otherwise
  size_t size() const { return w_.size(); }
  bool empty() const { return w_.size() == 4; }
  Bytes finish();  // patches the body length

 private:
  void beginTlv(uint8_t type);
  void endTlv();
  void sourceSubTlv(const Prefix& src);
  Writer w_;
  size_t tlvStart_ = 0;
  std::optional<RouterId> lastRid_;
  std::optional<Ipv6> lastPrefix_;
  std::optional<Ipv6> lastNexthop4_;
};

bool isV4Mapped(const Ipv6& a);
// An IPv4 prefix (IPv4-mapped, length ≥ 96).
inline bool isV4Prefix(const Prefix& p) { return p.len >= 96 && isV4Mapped(p.addr); }
const char* tlvName(const Tlv& t);

}  // namespace re6st::babel
