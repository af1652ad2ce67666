// Sequence numbers modulo 2^16 (RFC 8966 §3.2.1): a is "less than" b when
// 0 < (b - a) mod 2^16 < 32768. Header-only value helpers; no state.
#pragma once

#include <cstdint>

namespace re6st::babel {

// Returns <0, 0, >0 as a is older than, equal to, newer than b.
inline int seqnoCompare(uint16_t a, uint16_t b) {
  if (a == b) return 0;
  return uint16_t(b - a) < 0x8000 ? -1 : 1;
}
inline bool seqnoNewer(uint16_t a, uint16_t b) { return seqnoCompare(a, b) > 0; }
inline uint16_t seqnoPlus(uint16_t a, int n) { return uint16_t(a + n); }

}  // namespace re6st::babel
