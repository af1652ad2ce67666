// Session: keepalives carry the observed address, dead-peer timeout, counters, close.
#include <catch2/catch.hpp>

#include "re6st/tunnel/session.h"

using namespace re6st;
using namespace re6st::tunnel;

namespace {

Established keys(bool initiator) {
  Established e;
  Secret a, b;
  a.fill(0x11);
  b.fill(0x22);
  e.sendSecret = initiator ? a : b;
  e.recvSecret = initiator ? b : a;
  return e;
}

}  // namespace

TEST_CASE("observed address: round trips and malformed input") {
  ObservedAddress v4;
  v4.family = 4;
  v4.addr[10] = v4.addr[11] = 0xff;
  v4.addr[12] = 198, v4.addr[13] = 18, v4.addr[14] = 0, v4.addr[15] = 7;
  v4.port = 1194;
  Bytes e = encodeObserved(v4);
  CHECK(e.size() == 7);
  auto d = decodeObserved(e);
  REQUIRE(d.ok());
  CHECK(d->str() == "198.18.0.7:1194");
  ObservedAddress v6;
  v6.family = 6;
  v6.addr = *parseIpv6("2001:db8::5");
  v6.port = 326;
  auto d6 = decodeObserved(encodeObserved(v6));
  REQUIRE(d6.ok());
  CHECK(d6->str() == "[2001:db8::5]:326");
  for (size_t n = 0; n < e.size(); ++n) CHECK_FALSE(decodeObserved(ByteSpan(e.data(), n)).ok());
  Bytes longer = e;
  longer.push_back(0);
  CHECK_FALSE(decodeObserved(longer).ok());
  Bytes badFamily = e;
  badFamily[0] = 5;
  CHECK_FALSE(decodeObserved(badFamily).ok());
}

TEST_CASE("session: data, keepalive with observed address, counters") {
  Time t0;
  Session a(keys(true), t0, {});
  Session b(keys(false), t0, {});
  CHECK(a.keepaliveDue(t0));  // the first keepalive goes out at once
  CHECK_FALSE(b.confirmed());
  ObservedAddress seen;
  seen.family = 6;
  seen.addr = *parseIpv6("2001:db8::1");
  seen.port = 4000;
  Bytes rec(64);
  auto n = a.sealKeepalive(t0, seen, rec);
  REQUIRE(n.ok());
  Bytes out(64);
  auto r = b.open(t0, ByteSpan(rec.data(), *n), out);
  REQUIRE(r.ok());
  CHECK(r->kind == RecordKind::kKeepalive);
  CHECK(b.confirmed());
  REQUIRE(b.observedSelf());
  CHECK(b.observedSelf()->str() == "[2001:db8::1]:4000");
  CHECK_FALSE(a.keepaliveDue(t0 + seconds(9)));
  CHECK(a.keepaliveDue(t0 + seconds(10)));

  Bytes pkt(100, 0x60);
  Bytes drec(pkt.size() + kOverhead);
  auto dn = a.sealData(t0, pkt, drec);
  REQUIRE(dn.ok());
  Bytes dout(drec.size());
  REQUIRE(b.open(t0, drec, dout).ok());
  CHECK(a.counters().txPackets == 1);
  CHECK(a.counters().txBytes == 100);
  CHECK(b.counters().rxPackets == 1);
  CHECK(b.counters().rxBytes == 100);
  // A replay is dropped and counted, and does not count as life.
  CHECK_FALSE(b.open(t0 + seconds(30), drec, dout).ok());
  CHECK(b.counters().rxDropped == 1);
}

TEST_CASE("session: the peer is dead after the timeout of silence, records revive it") {
  SessionOptions o;
  o.timeout = seconds(4);
  Time t0;
  Session a(keys(true), t0, o);
  Session b(keys(false), t0, o);
  CHECK_FALSE(b.dead(t0 + milliseconds(3999)));
  CHECK(b.dead(t0 + seconds(4)));
  Bytes rec(64), out(64);
  auto n = a.sealClose(t0, "bye", rec);
  REQUIRE(n.ok());
  auto r = b.open(t0 + seconds(3), ByteSpan(rec.data(), *n), out);
  REQUIRE(r.ok());
  CHECK(r->kind == RecordKind::kClose);
  CHECK(asString(ByteSpan(out.data(), r->size)) == "bye");
  CHECK_FALSE(b.dead(t0 + seconds(6)));
  CHECK(b.dead(t0 + seconds(7)));
}
