#include "re6st/tunnel/session.h"

#include <cstring>

namespace re6st::tunnel {

std::string ObservedAddress::str() const {
  if (family == 4)
    return std::to_string(addr[12]) + "." + std::to_string(addr[13]) + "." +
           std::to_string(addr[14]) + "." + std::to_string(addr[15]) + ":" + std::to_string(port);
  return "[" + formatIpv6(addr) + "]:" + std::to_string(port);
}

Bytes encodeObserved(const ObservedAddress& a) {
  Bytes out;
  Writer w(out);
  w.u8(uint8_t(a.family));
  if (a.family == 4)
    w.bytes(ByteSpan(a.addr.data() + 12, 4));
  else
    w.bytes(a.addr);
  w.u16(a.port);
  return out;
}

Result<ObservedAddress> decodeObserved(ByteSpan b) {
  Reader r(b);
  ObservedAddress a;
  a.family = r.u8();
  if (a.family == 4) {
    ByteSpan v4 = r.take(4);
    if (r.ok()) {
      a.addr[10] = a.addr[11] = 0xff;
      std::memcpy(a.addr.data() + 12, v4.data(), 4);
    }
  } else if (a.family == 6) {
    ByteSpan v6 = r.take(16);
    if (r.ok()) std::memcpy(a.addr.data(), v6.data(), 16);
  } else {
    return makeError(Code::kInvalid, "observed address: unknown family");
  }
  a.port = r.u16();
  if (!r.ok() || !r.empty()) return makeError(Code::kInvalid, "observed address: bad length");
  return a;
}

Session::Session(const Established& keys, Time now, SessionOptions options)
    : sealer_(keys.sendSecret, now, options.rekey), opener_(keys.recvSecret), opt_(options),
      lastTx_(now - options.keepalive), lastRx_(now) {}

Result<size_t> Session::sealData(Time now, ByteSpan packet, std::span<uint8_t> out) {
  auto n = sealer_.seal(now, RecordKind::kData, packet, out);
  if (n) {
    lastTx_ = now;
    ++counters_.txPackets;
    counters_.txBytes += packet.size();
  }
  return n;
}

Result<size_t> Session::sealKeepalive(Time now, const ObservedAddress& peer,
                                      std::span<uint8_t> out) {
  Bytes payload = encodeObserved(peer);
  auto n = sealer_.seal(now, RecordKind::kKeepalive, payload, out);
  if (n) lastTx_ = now;
  return n;
}

Result<size_t> Session::sealClose(Time now, std::string_view reason, std::span<uint8_t> out) {
  return sealer_.seal(now, RecordKind::kClose, asBytes(reason.substr(0, 200)), out);
}

Result<Opened> Session::open(Time now, ByteSpan record, std::span<uint8_t> out) {
  auto r = opener_.open(record, out);
  if (!r) {
    ++counters_.rxDropped;
    return r;
  }
  lastRx_ = now;
  confirmed_ = true;
  if (r->kind == RecordKind::kData) {
    ++counters_.rxPackets;
    counters_.rxBytes += r->size;
  } else if (r->kind == RecordKind::kKeepalive) {
    auto obs = decodeObserved(ByteSpan(out.data(), r->size));
    if (obs) observedSelf_ = *obs;
  }
  return r;
}

}  // namespace re6st::tunnel
