// Fuzz target: hostile datagrams and stream bytes into the handshake core, on the
// responder gate (what anyone on the Internet can reach) and on an initiator waiting
// for the server's flight. Inputs are split into chunks at 0xff 0x00 markers so one
// input can be several datagrams.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "re6st/tunnel/handshake.h"
#include "../support/tunnel_pki.h"

namespace {

using namespace re6st;
using namespace re6st::tunnel;

std::shared_ptr<Credentials> server() {
  static auto c = [] {
    static auto ca = testing::makeCa(200);
    return testing::creds(ca, 201, "1/16", 5);
  }();
  return c;
}

void feed(Handshake& h, const uint8_t* data, size_t size) {
  Time now;
  size_t start = 0;
  for (size_t i = 0; i + 1 < size; ++i) {
    if (data[i] == 0xff && data[i + 1] == 0x00) {
      h.handle(now, ByteSpan(data + start, i - start));
      while (h.pollOutput()) {
      }
      start = i + 2;
    }
  }
  h.handle(now, ByteSpan(data + start, size - start));
  while (h.pollOutput()) {
  }
  now += seconds(1);
  h.handleTimeout(now);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static int64_t wall = testing::kNow;
  for (Carrier carrier : {Carrier::kDatagram, Carrier::kStream}) {
    HandshakeOptions ro;
    ro.role = Role::kResponder;
    ro.carrier = carrier;
    ro.wallNow = wall;
    ro.transportId = toBytes("198.18.0.1:1");
    Handshake gate(server(), ro, Time());
    feed(gate, data, size);
    HandshakeOptions io = ro;
    io.role = Role::kInitiator;
    io.expectedCn = "2/16";
    Handshake initiator(server(), io, Time());
    while (initiator.pollOutput()) {
    }
    feed(initiator, data, size);
  }
  return 0;
}
