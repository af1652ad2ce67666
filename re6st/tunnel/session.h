// One established tunnel's data-plane state, sans-I/O: the record Sealer/Opener pair,
// keepalives (which also tell the peer the address we see it at), the dead-peer
// timeout and the counters. The driver feeds it packets, records and the time.
// Single-threaded.
#pragma once

#include <optional>
#include <string>

#include "re6st/base/bytes.h"
#include "re6st/base/clock.h"
#include "re6st/base/prefix.h"
#include "re6st/base/result.h"
#include "re6st/tunnel/handshake.h"
#include "re6st/tunnel/record.h"

namespace re6st::tunnel {

struct SessionOptions {
  // Idle interval after which a keepalive is sent, and the silence after which the
  // peer is declared dead (re6stnet passes 4 × the Babel hello interval to OpenVPN's
  // --ping-exit; the node does the same here).
  Duration keepalive = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(60);
  RekeyLimits rekey;
};

struct Counters {
  uint64_t txPackets = 0, txBytes = 0, rxPackets = 0, rxBytes = 0;
  uint64_t rxDropped = 0;  // records refused (bad tag, replay, malformed)
};

// Keepalive payload: the address this side sees the peer at (family 4|6, address,
// port), so a node behind NAT learns its public address. Pure codec.
struct ObservedAddress {
  int family = 0;  // 4 or 6
  Ipv6 addr{};     // IPv4 as ::ffff:a.b.c.d
  uint16_t port = 0;
  std::string str() const;  // "198.18.0.1:1194" / "[2001:db8::1]:1194"
};
Bytes encodeObserved(const ObservedAddress& a);
Result<ObservedAddress> decodeObserved(ByteSpan b);

class Session {
 public:
  Session(const Established& keys, Time now, SessionOptions options);

  // Seals one packet from the TUN (kData) into out; counts it.
  Result<size_t> sealData(Time now, ByteSpan packet, std::span<uint8_t> out);
  // Seals a keepalive telling the peer where we see it, or a close with a reason.
  Result<size_t> sealKeepalive(Time now, const ObservedAddress& peer, std::span<uint8_t> out);
  Result<size_t> sealClose(Time now, std::string_view reason, std::span<uint8_t> out);

  // Opens a record; on success the peer is alive. kKeepalive updates observedSelf().
  Result<Opened> open(Time now, ByteSpan record, std::span<uint8_t> out);

  bool keepaliveDue(Time now) const { return now - lastTx_ >= opt_.keepalive; }
  bool dead(Time now) const { return now - lastRx_ >= opt_.timeout; }
  bool confirmed() const { return confirmed_; }  // a record from the peer authenticated
  const std::optional<ObservedAddress>& observedSelf() const { return observedSelf_; }
  const Counters& counters() const { return counters_; }

 private:
  Sealer sealer_;
  Opener opener_;
  SessionOptions opt_;
  Time lastTx_, lastRx_;
  bool confirmed_ = false;
  std::optional<ObservedAddress> observedSelf_;
  Counters counters_;
};

}  // namespace re6st::tunnel
