// TUN offloads (IFF_VNET_HDR) as pure functions, the way wireguard-go's tun/offload does
// it: split a TSO packet read from the TUN into the MSS-sized packets it stands for, and
// coalesce runs of TCP segments of one flow into one GSO packet written to the TUN (GRO
// in user space). No I/O, no clock; hostile input gives an Error, never UB.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"

namespace re6st::tunnel {

// struct virtio_net_hdr (include/uapi/linux/virtio_net.h): the 10 bytes before every
// packet on an IFF_VNET_HDR TUN. Fields are little-endian (TUN's default on x86).
constexpr size_t kVnetHdrSize = 10;
struct VnetHdr {
  static constexpr uint8_t kNeedsCsum = 1;
  static constexpr uint8_t kGsoNone = 0, kGsoTcpV4 = 1, kGsoUdp = 3, kGsoTcpV6 = 4, kGsoEcn = 0x80;
  uint8_t flags = 0, gsoType = kGsoNone;
  uint16_t hdrLen = 0, gsoSize = 0, csumStart = 0, csumOffset = 0;
  static VnetHdr decode(const uint8_t* p);  // p: kVnetHdrSize bytes
  void encode(uint8_t* p) const;
};

// Internet checksum (RFC 1071): add bytes to a running sum (pieces of even length
// except the last), then fold to the 16-bit value in host order (not complemented).
uint64_t csumAdd(ByteSpan data, uint64_t sum = 0);
uint16_t csumFold(uint64_t sum);
// Sum of the TCP/UDP pseudo-header of an IPv4 or IPv6 packet for `l4Len` bytes of
// protocol `proto` (RFC 793 §3.1, RFC 8200 §8.1).
uint64_t pseudoHeaderSum(ByteSpan ipPacket, uint8_t proto, size_t l4Len);

// One packet read from an offloading TUN and what it stands for: itself (checksum
// completed if the kernel left it partial) or, for TSO, MSS-sized TCP segments.
class GsoPacket {
 public:
  // Checks the header against `packet` (which must outlive this object).
  static Result<GsoPacket> parse(const VnetHdr& h, ByteSpan packet);
  size_t count() const { return count_; }
  // Writes packet k (k < count()) into out; returns its length (≤ out.size()).
  Result<size_t> write(size_t k, std::span<uint8_t> out) const;

 private:
  ByteSpan pkt_;
  VnetHdr h_;
  bool tcp_ = false;  // TSO: segment; otherwise copy (and complete the checksum)
  size_t ipLen_ = 0, hdrs_ = 0, count_ = 1;
};

// Every packet a header + packet stand for (tests, fuzzing).
Result<std::vector<Bytes>> split(const VnetHdr& h, ByteSpan packet);

// Receive side: packets decrypted in one wakeup go in; frames for an offloading TUN
// (vnet header + packet) come out. Runs of TCP segments of one flow — consecutive
// sequence numbers, same ack/window/options/IP fields, only ACK (+PSH on the last),
// equal payloads but a shorter last one — merge into one GSO packet of at most 64 KiB
// (the kernel's tcp_gro_receive rules); the rest passes through unchanged. Packets
// are referenced, not copied: they must stay valid until flush().
class Coalescer {
 public:
  using FrameFn = std::function<void(std::span<const ByteSpan> pieces)>;
  void add(ByteSpan packet);
  bool empty() const { return groups_.empty(); }
  // Hands each frame to fn as pieces to write in one go, in order, then forgets all.
  void flush(const FrameFn& fn);
  void clear();

 private:
  struct Tcp;
  struct Group {
    ByteSpan first;
    bool tcp = false, closed = false;
    size_t ipLen = 0, tcpLen = 0, segSize = 0, total = 0, count = 1;
    uint32_t nextSeq = 0;
    int head = -1, tail = -1;  // later payloads (indexes into items_)
    bool psh = false;
  };
  struct Item {
    ByteSpan payload;
    int next = -1;
  };
  static std::optional<Tcp> asTcp(ByteSpan p);
  bool tryMerge(Group& g, const Tcp& p);
  void emit(const Group& g, const FrameFn& fn);
  std::vector<Group> groups_;
  std::vector<Item> items_;
  std::vector<ByteSpan> pieces_;
  std::array<uint8_t, kVnetHdrSize + 60 + 60> hdr_{};
};

// Convenience for tests: the frames of a batch, each flattened to bytes.
std::vector<Bytes> coalesce(const std::vector<Bytes>& packets);

}  // namespace re6st::tunnel
