// Fuzz target: hostile bytes into the record layer (Opener) and the keepalive payload
// codec. The first record of the corpus is a valid one, so mutations explore the
// authenticated path's edges (epochs, counters, lengths) as well as garbage.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "re6st/tunnel/record.h"
#include "re6st/tunnel/session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace re6st::tunnel;
  Secret s;
  s.fill(0x5a);
  static Opener opener(s);  // kept across inputs: the replay window sees many counters
  std::vector<uint8_t> out(size);
  (void)opener.open(re6st::ByteSpan(data, size), out);
  Opener fresh(s);
  (void)fresh.open(re6st::ByteSpan(data, size), out);
  (void)decodeObserved(re6st::ByteSpan(data, size));
  {  // any plaintext survives a seal/open round trip, in place
    Sealer sealer(s, re6st::Time());
    Opener opener2(s);
    std::vector<uint8_t> buf(size + kOverhead);
    auto n = sealer.seal(re6st::Time(), RecordKind::kData, re6st::ByteSpan(data, size), buf);
    if (n.ok()) {
      std::span<uint8_t> body(buf.data() + kHeaderSize, size + kTagSize);
      auto r = opener2.open(re6st::ByteSpan(buf.data(), *n), body);
      if (!r.ok() || r->size != size) __builtin_trap();
    }
  }
  return 0;
}
