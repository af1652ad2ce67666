// Fuzz target: hostile vnet headers and packets into the TUN offload code (offload.h).
// Input: a 10-byte virtio_net_hdr, then a packet for split(); the same bytes after the
// header are also read as a batch of [16-bit length][packet] for the Coalescer.
// Invariants: every TSO segment carries a valid TCP checksum; coalescing keeps the
// number of packets (each merged frame splits back into as many as went in).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "re6st/tunnel/offload.h"

namespace {

using namespace re6st;
using namespace re6st::tunnel;

// The TCP checksum of packet p whose TCP header starts at `ip` (csum_start).
bool tcpChecksumOk(const Bytes& p, size_t ip) {
  return csumFold(csumAdd(ByteSpan(p).subspan(ip), pseudoHeaderSum(p, 6, p.size() - ip))) == 0xffff;
}

// Coalesces the batch; returns how many packets the frames stand for (or SIZE_MAX
// when a merged frame fails to split again).
size_t roundTrip(const std::vector<Bytes>& batch) {
  size_t count = 0;
  for (const Bytes& frame : coalesce(batch)) {
    if (frame.size() < kVnetHdrSize) return SIZE_MAX;
    VnetHdr h = VnetHdr::decode(frame.data());
    ByteSpan pkt = ByteSpan(frame).subspan(kVnetHdrSize);
    if (h.gsoType == VnetHdr::kGsoNone && h.flags == 0) {
      ++count;
      continue;
    }
    auto segs = split(h, pkt);
    if (!segs) return SIZE_MAX;
    for (const Bytes& s : *segs)
      if (!tcpChecksumOk(s, h.csumStart)) return SIZE_MAX;
    count += segs->size();
  }
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < kVnetHdrSize) return 0;
  VnetHdr h = VnetHdr::decode(data);
  ByteSpan rest(data + kVnetHdrSize, size - kVnetHdrSize);
  auto g = GsoPacket::parse(h, rest);
  if (g.ok() && g->count() <= 4096) {
    std::vector<Bytes> segs;
    for (size_t k = 0; k < g->count(); ++k) {
      Bytes out(rest.size());
      auto n = g->write(k, out);
      if (!n.ok()) __builtin_trap();  // parse accepted it: every segment must fit
      out.resize(*n);
      bool tso = h.gsoType == VnetHdr::kGsoTcpV4 || h.gsoType == VnetHdr::kGsoTcpV6;
      if (tso && !tcpChecksumOk(out, h.csumStart)) __builtin_trap();
      segs.push_back(std::move(out));
    }
    if (roundTrip(segs) != segs.size()) __builtin_trap();
  }
  std::vector<Bytes> batch;
  for (size_t pos = 0; pos + 2 <= rest.size() && batch.size() < 256;) {
    size_t len = size_t(rest[pos]) << 8 | rest[pos + 1];
    pos += 2;
    len = std::min(len, rest.size() - pos);
    batch.emplace_back(rest.begin() + long(pos), rest.begin() + long(pos + len));
    pos += len;
  }
  if (roundTrip(batch) != batch.size()) __builtin_trap();
  return 0;
}
