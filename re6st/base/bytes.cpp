#include "re6st/base/bytes.h"

#include <array>

namespace re6st {

std::string toHex(ByteSpan b) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (uint8_t c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 15]);
  }
  return s;
}

static int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool fromHex(std::string_view hex, Bytes& out) {
  if (hex.size() % 2) return false;
  Bytes r;
  r.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hexValue(hex[i]), lo = hexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    r.push_back(uint8_t(hi << 4 | lo));
  }
  out = std::move(r);
  return true;
}

static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64Encode(ByteSpan b) {
  std::string s;
  s.reserve((b.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= b.size(); i += 3) {
    uint32_t v = uint32_t(b[i]) << 16 | uint32_t(b[i + 1]) << 8 | b[i + 2];
    for (int k = 18; k >= 0; k -= 6) s.push_back(kB64[(v >> k) & 63]);
  }
  if (size_t left = b.size() - i) {
    uint32_t v = uint32_t(b[i]) << 16 | (left == 2 ? uint32_t(b[i + 1]) << 8 : 0);
    s.push_back(kB64[(v >> 18) & 63]);
    s.push_back(kB64[(v >> 12) & 63]);
    s.push_back(left == 2 ? kB64[(v >> 6) & 63] : '=');
    s.push_back('=');
  }
  return s;
}

bool base64Decode(std::string_view text, Bytes& out) {
  static const std::array<int8_t, 256> kRev = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 64; ++i) t[uint8_t(kB64[i])] = int8_t(i);
    return t;
  }();
  if (text.size() % 4) return false;
  Bytes r;
  r.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int pad = 0;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=') {
        // Padding only in the last quantum, only in positions 2 and 3.
        if (i + 4 != text.size() || k < 2) return false;
        ++pad;
        v <<= 6;
        continue;
      }
      if (pad) return false;
      int d = kRev[uint8_t(c)];
      if (d < 0) return false;
      v = v << 6 | uint32_t(d);
    }
    r.push_back(uint8_t(v >> 16));
    if (pad < 2) r.push_back(uint8_t(v >> 8));
    if (pad < 1) r.push_back(uint8_t(v));
  }
  out = std::move(r);
  return true;
}

}  // namespace re6st
