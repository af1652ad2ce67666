// Fuzz target: kernel netlink replies (framing, attributes, acks, route/address/link
// bodies). The kernel is trusted, but a decoder that crashes on any byte string is a bug.
#include <cstddef>
#include <cstdint>

#include "re6st/kernel/netlink.h"
#include "re6st/kernel/route_msg.h"

using namespace re6st;
using namespace re6st::kernel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto msgs = splitMessages(ByteSpan(data, size));
  if (!msgs.ok()) return 0;
  for (NlMessage m : *msgs) {
    (void)parseAck(m);
    // Try every decoder whatever the type says: each must refuse or decode safely.
    for (uint16_t type : {uint16_t(24), uint16_t(20), uint16_t(16), m.type}) {
      m.type = type;
      if (auto r = decodeRoute(m); r.ok()) (void)r->str();
      (void)decodeAddress(m);
      (void)decodeLink(m);
    }
  }
  return 0;
}
