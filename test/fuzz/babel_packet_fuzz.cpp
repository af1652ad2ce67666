// Fuzz target: the Babel packet parser, the writer round trip, and a whole router fed the
// bytes (unsigned, then with MAC checking), which must never crash, hang or leak.
#include <cstddef>
#include <cstdint>

#include "re6st/babel/codec.h"
#include "re6st/babel/hmac.h"
#include "re6st/babel/router.h"

using namespace re6st;
using namespace re6st::babel;

namespace {

const Ipv6 kPeer = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
const Ipv6 kSelf = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

// Re-encodes what was parsed; the result must parse again to the same TLV count.
void roundTrip(const ParsedPacket& p) {
  PacketWriter w;
  for (const Tlv& t : p.tlvs) {
    if (auto* h = std::get_if<Hello>(&t)) w.hello(*h);
    else if (auto* i = std::get_if<Ihu>(&t)) w.ihu(*i);
    else if (auto* u = std::get_if<Update>(&t)) w.update(*u);
    else if (auto* q = std::get_if<RouteReq>(&t)) w.routeReq(*q);
    else if (auto* s = std::get_if<SeqnoReq>(&t)) w.seqnoReq(*s);
    else if (auto* a = std::get_if<AckReq>(&t)) w.ackReq(*a);
    else if (auto* k = std::get_if<Ack>(&t)) w.ack(*k);
    else if (auto* c = std::get_if<PacketCounter>(&t)) w.packetCounter(*c);
    else if (auto* cr = std::get_if<ChallengeReq>(&t)) w.challengeReq(*cr);
    else if (auto* cp = std::get_if<ChallengeReply>(&t)) w.challengeReply(*cp);
    if (w.size() > 60000) break;
  }
  Bytes b = w.finish();
  auto again = parsePacket(b, kPeer);
  if (!again.ok()) __builtin_trap();
}

void feedRouter(ByteSpan data, bool auth) {
  SeededRandom rnd(1);
  Config c;
  Prefix v4{Ipv6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 1, 0}, 120};
  c.redistribute = {Xroute{*parsePrefix("2001:db8:1::/48"), {}, 0}, Xroute{v4, {}, 0}};
  if (auth) {
    Key k{"k", KeyType::kBlake2s128, Bytes(32, 1)};
    c.signKey = k;
    c.acceptKeys = {k};
  }
  Router r(c, rnd);
  (void)r.addInterface(1, "f", IfType::kTunnel, kSelf, Time());
  (void)r.handlePacket(Time(seconds(1)), 1, kPeer, kMulticast, data);
  (void)r.handlePacket(Time(seconds(2)), 1, kPeer, kSelf, data);
  r.handleTimeout(Time(seconds(30)));
  // IPv4 announcements with an IPv4 next hop, then the shutdown goodbyes.
  r.setInterfaceIpv4(1, Ipv6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 1, 1},
                     Time(seconds(31)));
  (void)r.handlePacket(Time(seconds(32)), 1, kPeer, kMulticast, data);
  r.shutdown(Time(seconds(33)));
  while (r.shutdownPending()) r.handleTimeout(r.nextTimeout());
  while (r.pollAction()) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteSpan in(data, size);
  auto p = parsePacket(in, kPeer);
  if (p.ok()) roundTrip(*p);
  feedRouter(in, false);
  if (size > 0 && (data[0] & 1)) feedRouter(in, true);
  return 0;
}
