// The outbound data path, per tunnel, when its TUN device is readable:
//   1. read up to kBatch packets from the TUN, each into its own slot, leaving head-room
//      for the record header (and the 2-byte frame length on TCP); an offloading TUN
//      hands 64 KiB TSO packets, split into MSS-sized packets, one per slot (offload.h);
//   2. seal each in place (AES-256-GCM, record.h) — no copy, no allocation;
//   3. UDP: one sendmmsg for the whole batch to the peer, runs of equal-size records as
//      single GSO messages; TCP: append the frames to the stream queue and flush it once.
// A busy tunnel yields after 16 batches so other tunnels and the socket get turns (after
// sending what is left of a TSO packet already read).
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "re6st/base/log.h"
#include "re6st/tunnel/driver_state.h"

namespace re6st::tunnel {

void Transport::sendRecord(Tunnel& t, ByteSpan record) {
  if (opt_.carrier == Carrier::kDatagram) return sendDatagram(t.remote, record);
  uint8_t len[2] = {uint8_t(record.size() >> 8), uint8_t(record.size())};
  streamSend(t, ByteSpan(len, 2), false);
  streamSend(t, record);
}

// UDP GSO (UDP_SEGMENT): a run of records of one size (the last may be shorter) leaves
// as one message; the kernel cuts it into datagrams, or hands it whole to a GRO socket
// on the same host. False when the kernel refuses it (then GSO is off for good).
bool Transport::sendBatchGso(Tunnel& t, size_t ready) {
  Buffers& b = *buf_;
  size_t groups = 0;
  for (size_t i = 0; i < ready;) {
    size_t seg = b.iov[i].iov_len, j = i + 1, total = seg;
    while (j < ready && b.iov[j].iov_len <= seg && total + b.iov[j].iov_len <= 65000) {
      total += b.iov[j].iov_len;
      if (b.iov[j++].iov_len < seg) break;
    }
    msghdr& h = b.msgs[groups].msg_hdr;
    b.msgs[groups] = {};
    h.msg_iov = &b.iov[i];
    h.msg_iovlen = j - i;
    h.msg_name = const_cast<sockaddr*>(t.remote.raw());
    h.msg_namelen = t.remote.size();
    if (j - i > 1) {
      h.msg_control = b.ctl[groups].data();
      h.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
      cmsghdr* c = CMSG_FIRSTHDR(&h);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      uint16_t size = uint16_t(seg);
      std::memcpy(CMSG_DATA(c), &size, sizeof size);
    }
    ++groups;
    i = j;
  }
  int n = ::sendmmsg(sock_.get(), b.msgs.data(), unsigned(groups), MSG_DONTWAIT);
  if (n < 0 && (errno == EINVAL || errno == EIO || errno == ENOPROTOOPT || errno == EOPNOTSUPP))
    return false;
  return true;  // a full socket buffer drops the rest, as a router would
}

void Transport::sendBatch(Tunnel& t, size_t ready) {
  if (gso_ && ready > 1) {
    if (sendBatchGso(t, ready)) return;
    LOG_INFO(std::string("UDP GSO unavailable (") + std::strerror(errno) + "), sending datagrams one by one");
    gso_ = false;
  }
  Buffers& b = *buf_;
  for (size_t i = 0; i < ready; ++i) {
    b.msgs[i] = {};
    b.msgs[i].msg_hdr.msg_iov = &b.iov[i];
    b.msgs[i].msg_hdr.msg_iovlen = 1;
    b.msgs[i].msg_hdr.msg_name = const_cast<sockaddr*>(t.remote.raw());
    b.msgs[i].msg_hdr.msg_namelen = t.remote.size();
  }
  size_t sent = 0;
  while (sent < ready) {
    int n = ::sendmmsg(sock_.get(), b.msgs.data() + sent, unsigned(ready - sent), MSG_DONTWAIT);
    if (n <= 0) break;  // socket buffer full: the rest is dropped, as a router would
    sent += size_t(n);
  }
}

// Seals the plain packet at the body position of slot i (in place) and queues it.
bool Transport::sealSlot(Tunnel& t, Time now, size_t i, size_t len) {
  Buffers& b = *buf_;
  size_t head = opt_.carrier == Carrier::kStream ? 2 : 0;
  uint8_t* slot = b.slots[i].data();
  auto s = t.session->sealData(now, ByteSpan(slot + head + kHeaderSize, len),
                               std::span<uint8_t>(slot + head, kSlot - head));
  if (!s) return false;
  if (head) {
    slot[0] = uint8_t(*s >> 8);
    slot[1] = uint8_t(*s);
  }
  b.iov[i] = {slot, *s + head};
  return true;
}

// Fills the batch: plain TUN: one packet per read; offloading TUN: one read may be a
// TSO packet standing for up to ~48 segments, each written into its own slot (and
// sealed as its own record, so the peer needs no offload). Segments that do not fit
// this batch stay pending for the next one.
size_t Transport::fillBatch(Tunnel& t, Time now, bool& drained) {
  Buffers& b = *buf_;
  size_t head = opt_.carrier == Carrier::kStream ? 2 : 0, ready = 0;
  bool vnet = t.tun->vnetHdr();
  while (ready < kBatch) {
    std::span<uint8_t> body(b.slots[ready].data() + head + kHeaderSize, kSlot - head - kOverhead);
    if (b.pendingNext < b.pendingCount) {
      auto n = b.pending.write(b.pendingNext++, body);
      if (n && sealSlot(t, now, ready, *n)) ++ready;
      continue;
    }
    auto r = t.tun->read(vnet ? std::span<uint8_t>(b.tunIn) : body);
    if (!r || *r == 0) {
      drained = true;
      break;
    }
    if (!vnet) {
      if (sealSlot(t, now, ready, *r)) ++ready;
      continue;
    }
    if (*r < kVnetHdrSize) continue;
    auto g = GsoPacket::parse(VnetHdr::decode(b.tunIn.data()),
                              ByteSpan(b.tunIn.data() + kVnetHdrSize, *r - kVnetHdrSize));
    if (!g) {
      LOG_TRACE("tunnel " + std::to_string(t.id) + ": " + g.error().message);
      continue;
    }
    b.pending = *g;
    b.pendingNext = 0;
    b.pendingCount = g->count();
  }
  return ready;
}

void Transport::onTunReadable(uint64_t id) {
  Tunnel* t = find(id);
  if (!t || !t->session || !t->failure.empty()) return;
  Buffers& b = *buf_;
  b.pendingNext = b.pendingCount = 0;
  bool stream = opt_.carrier == Carrier::kStream;
  // Up to 16 batches (the TUN queue holds 1000 packets): a process that was descheduled
  // must empty the queue before the kernel starts dropping. The segments of a TSO
  // packet already read are always sent.
  for (int round = 0; round < 16 || b.pendingNext < b.pendingCount; ++round) {
    Time now = loop_.now();
    bool drained = false;
    size_t ready = fillBatch(*t, now, drained);
    if (ready == 0) return;
    if (stream) {
      for (size_t i = 0; i < ready; ++i)
        t->tx.insert(t->tx.end(), b.slots[i].data(), b.slots[i].data() + b.iov[i].iov_len);
      streamFlush(*t);
      if (!t->failure.empty()) return;
      if (t->tunPaused && b.pendingNext >= b.pendingCount) return;
    } else {
      sendBatch(*t, ready);
    }
    if (drained && b.pendingNext >= b.pendingCount) return;
  }
}

}  // namespace re6st::tunnel
