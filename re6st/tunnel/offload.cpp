// TUN offloads: TSO splitting and GRO-style coalescing, pure functions on bytes.
// Segmentation follows the kernel's tcp_gso_segment (lengths, IPv4 id + 1 per segment,
// sequence numbers, FIN/PSH on the last segment only, CWR on the first only, checksums
// recomputed); coalescing follows tcp_gro_receive's flush rules.
#include "re6st/tunnel/offload.h"

#include <bit>
#include <cstring>
#include <optional>

namespace re6st::tunnel {
namespace {

constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kFin = 0x01, kPsh = 0x08, kAck = 0x10, kCwr = 0x80;
constexpr size_t kMaxIpPacket = 65535;
constexpr size_t kMaxMerged = 64;  // segments per coalesced packet (bounds the pieces)

uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t get32(const uint8_t* p) { return uint32_t(get16(p)) << 16 | get16(p + 2); }
void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, uint16_t(v >> 16));
  put16(p + 2, uint16_t(v));
}
uint16_t le16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }
void putLe16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
}

Error bad(const std::string& why) { return makeError(Code::kInvalid, "offload: " + why); }

// The IPv4 header checksum (RFC 791) of hdr[0..len), field at 10 included as zero.
void setIpv4Checksum(uint8_t* hdr, size_t len) {
  put16(hdr + 10, 0);
  put16(hdr + 10, uint16_t(~csumFold(csumAdd(ByteSpan(hdr, len)))));
}

}  // namespace

VnetHdr VnetHdr::decode(const uint8_t* p) {
  VnetHdr h;
  h.flags = p[0];
  h.gsoType = p[1];
  h.hdrLen = le16(p + 2);
  h.gsoSize = le16(p + 4);
  h.csumStart = le16(p + 6);
  h.csumOffset = le16(p + 8);
  return h;
}

void VnetHdr::encode(uint8_t* p) const {
  p[0] = flags;
  p[1] = gsoType;
  putLe16(p + 2, hdrLen);
  putLe16(p + 4, gsoSize);
  putLe16(p + 6, csumStart);
  putLe16(p + 8, csumOffset);
}

// RFC 1071 §4.1, 8 bytes at a time in host order with end-around carry; the byte order
// of the result is fixed up once at the end (the sum is byte-order independent, §2(B)).
uint64_t csumAdd(ByteSpan data, uint64_t sum) {
  const uint8_t* p = data.data();
  size_t n = data.size();
  auto add = [&sum](uint64_t v) {
    sum += v;
    if (sum < v) ++sum;
  };
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    add(v);
  }
  for (; n >= 2; p += 2, n -= 2) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    add(v);
  }
  if (n) add(std::endian::native == std::endian::little ? uint64_t(p[0]) : uint64_t(p[0]) << 8);
  return sum;
}

uint16_t csumFold(uint64_t sum) {
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  auto v = uint16_t(sum);
  return std::endian::native == std::endian::little ? uint16_t(v >> 8 | v << 8) : v;
}

uint64_t pseudoHeaderSum(ByteSpan ip, uint8_t proto, size_t l4Len) {
  if ((ip[0] >> 4) == 4) {  // source, destination, zero, protocol, TCP/UDP length
    uint8_t tail[4] = {0, proto, uint8_t(l4Len >> 8), uint8_t(l4Len)};
    return csumAdd(ByteSpan(tail, 4), csumAdd(ip.subspan(12, 8)));
  }
  uint8_t tail[8] = {0, 0, 0, 0, 0, 0, 0, proto};  // 32-bit length, zeros, next header
  put32(tail, uint32_t(l4Len));
  return csumAdd(ByteSpan(tail, 8), csumAdd(ip.subspan(8, 32)));
}

// ---- split ---------------------------------------------------------------------------

namespace {

// Where TCP starts in an IPv6 packet, past Hop-by-Hop and Destination Options headers
// (RFC 8200 §4.3, §4.6: length in 8-octet units, not counting the first 8). Other
// extension headers are refused: a Routing header changes the destination the
// pseudo-header must use (§8.1), fragments cannot be segmented.
std::optional<size_t> ipv6TcpOffset(ByteSpan p) {
  uint8_t next = p[6];
  size_t off = 40;
  for (int k = 0; k < 8 && (next == 0 || next == 60); ++k) {
    if (off + 8 > p.size()) return std::nullopt;
    next = p[off];
    off += (size_t(p[off + 1]) + 1) * 8;
  }
  if (next != kProtoTcp || off > p.size()) return std::nullopt;
  return off;
}

}  // namespace

Result<GsoPacket> GsoPacket::parse(const VnetHdr& h, ByteSpan packet) {
  GsoPacket g;
  g.pkt_ = packet;
  g.h_ = h;
  size_t n = packet.size();
  if (n == 0) return bad("empty packet");
  if (h.hdrLen > n) return bad("hdr_len beyond the packet");
  if (h.gsoType & VnetHdr::kGsoEcn) return bad("ECN GSO not negotiated");
  bool csum = h.flags & VnetHdr::kNeedsCsum;
  if (csum && (h.csumStart >= n || size_t(h.csumStart) + h.csumOffset + 2 > n))
    return bad("checksum position beyond the packet");
  if (h.gsoType == VnetHdr::kGsoNone) return g;
  if (h.gsoType != VnetHdr::kGsoTcpV4 && h.gsoType != VnetHdr::kGsoTcpV6)
    return bad("unsupported gso_type " + std::to_string(h.gsoType));
  if (h.gsoSize == 0) return bad("gso_size 0");
  if (!csum) return bad("GSO packet without NEEDS_CSUM");
  bool v4 = h.gsoType == VnetHdr::kGsoTcpV4;
  if ((packet[0] >> 4) != (v4 ? 4 : 6)) return bad("IP version does not match gso_type");
  if (v4) {
    if (n < 20) return bad("short IPv4 header");
    g.ipLen_ = size_t(packet[0] & 0x0f) * 4;
    if (g.ipLen_ < 20 || g.ipLen_ > n || get16(&packet[2]) != n || packet[9] != kProtoTcp ||
        (get16(&packet[6]) & 0x3fff) != 0)
      return bad("IPv4 header does not describe a TCP packet of this size");
  } else {
    if (n < 40 || get16(&packet[4]) + 40u != n)
      return bad("IPv6 header does not describe a packet of this size");
    auto tcpAt = ipv6TcpOffset(packet);
    if (!tcpAt) return bad("IPv6 packet without a reachable TCP header");
    g.ipLen_ = *tcpAt;
  }
  if (h.csumStart != g.ipLen_ || h.csumOffset != 16) return bad("checksum not at the TCP header");
  if (g.ipLen_ + 20 > n) return bad("short TCP header");
  size_t tcpLen = size_t(packet[g.ipLen_ + 12] >> 4) * 4;
  g.hdrs_ = g.ipLen_ + tcpLen;
  if (tcpLen < 20 || g.hdrs_ > n) return bad("bad TCP data offset");
  size_t payload = n - g.hdrs_;
  g.tcp_ = true;
  g.count_ = payload == 0 ? 1 : (payload + h.gsoSize - 1) / h.gsoSize;
  return g;
}

Result<size_t> GsoPacket::write(size_t k, std::span<uint8_t> out) const {
  if (k >= count_) return bad("no such segment");
  if (!tcp_) {
    if (out.size() < pkt_.size()) return bad("segment larger than the buffer");
    std::memcpy(out.data(), pkt_.data(), pkt_.size());
    if (h_.flags & VnetHdr::kNeedsCsum) {  // CHECKSUM_PARTIAL: seed at the field, sum, store
      uint8_t* field = out.data() + h_.csumStart + h_.csumOffset;
      uint16_t c = uint16_t(
          ~csumFold(csumAdd(ByteSpan(out.data() + h_.csumStart, pkt_.size() - h_.csumStart))));
      put16(field, c == 0 ? 0xffff : c);  // RFC 768: 0 means "none" for UDP
    }
    return pkt_.size();
  }
  size_t off = k * h_.gsoSize, payload = pkt_.size() - hdrs_;
  size_t seg = std::min<size_t>(h_.gsoSize, payload - off), len = hdrs_ + seg;
  if (out.size() < len) return bad("segment larger than the buffer");
  uint8_t* o = out.data();
  std::memcpy(o, pkt_.data(), hdrs_);
  std::memcpy(o + hdrs_, pkt_.data() + hdrs_ + off, seg);
  if ((o[0] >> 4) == 4) {
    put16(o + 2, uint16_t(len));
    put16(o + 4, uint16_t(get16(o + 4) + k));
    setIpv4Checksum(o, ipLen_);
  } else {
    put16(o + 4, uint16_t(len - 40));
  }
  uint8_t* tcp = o + ipLen_;
  put32(tcp + 4, uint32_t(get32(tcp + 4) + off));
  if (k + 1 < count_) tcp[13] &= uint8_t(~(kFin | kPsh));
  if (k > 0) tcp[13] &= uint8_t(~kCwr);
  put16(tcp + 16, 0);
  uint64_t sum = pseudoHeaderSum(ByteSpan(o, len), kProtoTcp, len - ipLen_);
  put16(tcp + 16, uint16_t(~csumFold(csumAdd(ByteSpan(tcp, len - ipLen_), sum))));
  return len;
}

Result<std::vector<Bytes>> split(const VnetHdr& h, ByteSpan packet) {
  auto g = GsoPacket::parse(h, packet);
  if (!g) return g.error();
  std::vector<Bytes> out;
  for (size_t k = 0; k < g->count(); ++k) {
    Bytes seg(packet.size());
    auto n = g->write(k, seg);
    if (!n) return n.error();
    seg.resize(*n);
    out.push_back(std::move(seg));
  }
  return out;
}

// ---- coalesce ------------------------------------------------------------------------

// A packet that may join a run: TCP over IPv4 (no options, not a fragment) or IPv6
// (no extension headers), ACK with payload, nothing but PSH besides, checksums valid
// (we must not merge a corrupt segment: the kernel would trust the checksum we ask for).
struct Coalescer::Tcp {
  ByteSpan pkt;
  bool v4 = false;
  size_t ipLen = 0, tcpLen = 0, payload = 0;
  uint32_t seq = 0;
  uint8_t flags = 0;
};

bool Coalescer::tryMerge(Group& g, const Tcp& p) {
  const uint8_t* a = g.first.data();
  const uint8_t* b = p.pkt.data();
  if (g.closed || p.seq != g.nextSeq || p.tcpLen != g.tcpLen || p.payload > g.segSize ||
      g.count >= kMaxMerged || g.total + p.payload > kMaxIpPacket)
    return false;
  if (p.v4 ? (a[1] != b[1] || get16(a + 6) != get16(b + 6) || a[8] != b[8])
           : (std::memcmp(a, b, 4) != 0 || a[7] != b[7]))
    return false;  // TOS/ECN, DF, TTL; traffic class, flow label, hop limit
  const uint8_t* ta = a + g.ipLen;
  const uint8_t* tb = b + p.ipLen;
  // ack, window, and the options byte for byte (timestamps included), as tcp_gro_receive
  if (std::memcmp(ta + 8, tb + 8, 4) != 0 || std::memcmp(ta + 14, tb + 14, 2) != 0 ||
      std::memcmp(ta + 20, tb + 20, p.tcpLen - 20) != 0)
    return false;
  items_.push_back({p.pkt.subspan(p.ipLen + p.tcpLen), -1});
  int idx = int(items_.size() - 1);
  if (g.tail >= 0)
    items_[size_t(g.tail)].next = idx;
  else
    g.head = idx;
  g.tail = idx;
  ++g.count;
  g.total += p.payload;
  g.nextSeq += uint32_t(p.payload);
  if (p.flags & kPsh) g.psh = g.closed = true;
  if (p.payload < g.segSize) g.closed = true;
  return true;
}

void Coalescer::add(ByteSpan packet) {
  auto tcp = asTcp(packet);
  if (tcp) {
    // The newest group of this flow (among the last 16: bounded work per packet).
    size_t scanned = 0;
    for (auto it = groups_.rbegin(); it != groups_.rend() && scanned < 16; ++it, ++scanned) {
      Group& g = *it;
      if (!g.tcp || (g.first[0] >> 4) != (packet[0] >> 4)) continue;
      size_t addr = tcp->v4 ? 12 : 8, alen = tcp->v4 ? 8 : 32;
      if (std::memcmp(g.first.data() + addr, packet.data() + addr, alen) != 0 ||
          std::memcmp(g.first.data() + g.ipLen, packet.data() + tcp->ipLen, 4) != 0)
        continue;
      if (tryMerge(g, *tcp)) return;
      break;  // same flow but not a continuation: a new run after it keeps the order
    }
  }
  Group g;
  g.first = packet;
  if (tcp) {
    g.tcp = true;
    g.ipLen = tcp->ipLen;
    g.tcpLen = tcp->tcpLen;
    g.segSize = tcp->payload;
    g.total = packet.size();
    g.nextSeq = tcp->seq + uint32_t(tcp->payload);
    g.closed = g.psh = (tcp->flags & kPsh) != 0;
  }
  groups_.push_back(g);
}

void Coalescer::emit(const Group& g, const FrameFn& fn) {
  pieces_.clear();
  VnetHdr vh;
  if (g.count == 1) {
    vh.encode(hdr_.data());
    pieces_.push_back(ByteSpan(hdr_.data(), kVnetHdrSize));
    pieces_.push_back(g.first);
    return fn(pieces_);
  }
  size_t hdrs = g.ipLen + g.tcpLen;
  uint8_t* ip = hdr_.data() + kVnetHdrSize;
  std::memcpy(ip, g.first.data(), hdrs);
  bool v4 = (ip[0] >> 4) == 4;
  if (v4) {
    put16(ip + 2, uint16_t(g.total));
    setIpv4Checksum(ip, g.ipLen);
  } else {
    put16(ip + 4, uint16_t(g.total - 40));
  }
  uint8_t* tcp = ip + g.ipLen;
  if (g.psh) tcp[13] |= kPsh;
  // CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, not complemented.
  put16(tcp + 16, csumFold(pseudoHeaderSum(ByteSpan(ip, hdrs), kProtoTcp, g.total - g.ipLen)));
  vh.flags = VnetHdr::kNeedsCsum;
  vh.gsoType = v4 ? VnetHdr::kGsoTcpV4 : VnetHdr::kGsoTcpV6;
  vh.hdrLen = uint16_t(hdrs);
  vh.gsoSize = uint16_t(g.segSize);
  vh.csumStart = uint16_t(g.ipLen);
  vh.csumOffset = 16;
  vh.encode(hdr_.data());
  pieces_.push_back(ByteSpan(hdr_.data(), kVnetHdrSize + hdrs));
  pieces_.push_back(g.first.subspan(hdrs));
  for (int i = g.head; i >= 0; i = items_[size_t(i)].next)
    pieces_.push_back(items_[size_t(i)].payload);
  fn(pieces_);
}

void Coalescer::flush(const FrameFn& fn) {
  for (const Group& g : groups_) emit(g, fn);
  clear();
}

void Coalescer::clear() {
  groups_.clear();
  items_.clear();
  pieces_.clear();
}

std::optional<Coalescer::Tcp> Coalescer::asTcp(ByteSpan p) {
  Coalescer::Tcp t;
  t.pkt = p;
  size_t n = p.size();
  if (n < 40) return std::nullopt;
  if ((p[0] >> 4) == 4) {
    // No IP options, not a fragment, the header checksum right.
    if (p[0] != 0x45 || get16(&p[2]) != n || p[9] != kProtoTcp || (get16(&p[6]) & 0x3fff) != 0 ||
        csumFold(csumAdd(p.first(20))) != 0xffff)
      return std::nullopt;
    t.v4 = true;
    t.ipLen = 20;
  } else if ((p[0] >> 4) == 6) {
    if (n < 60 || p[6] != kProtoTcp || get16(&p[4]) + 40u != n) return std::nullopt;
    t.ipLen = 40;
  } else {
    return std::nullopt;
  }
  const uint8_t* tcp = p.data() + t.ipLen;
  t.tcpLen = size_t(tcp[12] >> 4) * 4;
  if (t.tcpLen < 20 || t.ipLen + t.tcpLen >= n) return std::nullopt;  // no payload
  t.payload = n - t.ipLen - t.tcpLen;
  t.flags = tcp[13];
  if ((t.flags & ~(kAck | kPsh)) != 0 || !(t.flags & kAck)) return std::nullopt;
  t.seq = get32(tcp + 4);
  uint64_t sum = pseudoHeaderSum(p, kProtoTcp, n - t.ipLen);
  if (csumFold(csumAdd(p.subspan(t.ipLen), sum)) != 0xffff) return std::nullopt;
  return t;
}

std::vector<Bytes> coalesce(const std::vector<Bytes>& packets) {
  Coalescer c;
  for (const Bytes& p : packets) c.add(p);
  std::vector<Bytes> out;
  c.flush([&out](std::span<const ByteSpan> pieces) {
    Bytes frame;
    for (ByteSpan s : pieces) frame.insert(frame.end(), s.begin(), s.end());
    out.push_back(std::move(frame));
  });
  return out;
}

}  // namespace re6st::tunnel
