// Internal to the transport driver (driver.cpp, datagram.cpp, stream.cpp,
// outbound.cpp): the per-tunnel state and the shared I/O buffers. Not a public API.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>

#include "re6st/tunnel/driver.h"
#include "re6st/tunnel/offload.h"

namespace re6st::tunnel {

// Packets moved per wakeup and syscall (recvmmsg/sendmmsg, TUN reads).
constexpr size_t kBatch = 64;
// A slot holds the largest datagram we accept: a record for a TUN MTU up to 1980.
constexpr size_t kSlot = 2048;
constexpr int kMaxMtu = int(kSlot - kOverhead - 2 - 18);
// Receive slots when the socket does UDP GRO (coalesced runs of records, up to 64 KB).
constexpr size_t kRxBatch = 16;
constexpr size_t kRxSlot = 65536;
// TCP: bytes queued towards the peer before reading from the TUN pauses.
constexpr size_t kStreamBackpressure = 1 << 20;

struct Transport::Tunnel {
  uint64_t id = 0;
  Role role = Role::kInitiator;
  loop::SockAddr remote;
  std::string wantedCn;
  std::unique_ptr<Handshake> hs;  // kept after completion until the peer confirms (DTLS)
  std::unique_ptr<Session> session;
  std::string peerCn, peerSerial;
  bool upReported = false;
  // Declared before their Poll so that the Poll is destroyed (stops watching) first.
  std::unique_ptr<kernel::Tun> tun;
  std::unique_ptr<loop::Poll> tunPoll;
  // Stream carrier only.
  loop::Fd fd;
  std::unique_ptr<loop::Poll> fdPoll;
  bool connecting = false;
  Bytes rx;      // unparsed stream bytes
  Bytes tx;      // stream bytes not yet written
  size_t txOff = 0;
  bool tunPaused = false;
  int pollEvents = 0;   // what fdPoll watches now
  std::string failure;  // a write failed: removed at the next safe point
};

struct Transport::Buffers {
  std::array<std::array<uint8_t, kSlot>, kBatch> slots;
  std::array<mmsghdr, kBatch> msgs;
  std::array<iovec, kBatch> iov;
  std::array<sockaddr_storage, kBatch> addrs;
  std::array<uint8_t, kMaxPlain + kOverhead + 2> big;  // stream reads, record opening
  // UDP receive (GRO) and send (GSO) control messages, one per message.
  std::array<std::array<uint8_t, kRxSlot>, kRxBatch> rx;
  alignas(cmsghdr) std::array<std::array<uint8_t, CMSG_SPACE(sizeof(int))>, kBatch> ctl;
  // Offloading TUNs: one read (vnet header + up to 64 KiB TSO packet) and the segments
  // it still stands for; decrypted packets of one wakeup waiting to be coalesced.
  std::array<uint8_t, kVnetHdrSize + 65536 + 64> tunIn;
  GsoPacket pending;
  size_t pendingNext = 0, pendingCount = 0;
  Coalescer coalescer;
  uint64_t coalescing = 0;  // the tunnel whose packets the coalescer holds
};

inline Bytes addressKey(const loop::SockAddr& a) { return toBytes(a.str()); }

}  // namespace re6st::tunnel
