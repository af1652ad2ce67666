// Bounds-checked big-endian readers and writers over byte buffers, used by every codec.
// A Reader never reads past its span: a short read sets a sticky failure flag and yields
// zeros, so parsers check ok() once at the end. No allocation in Reader; no I/O.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace re6st {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

inline ByteSpan asBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string asString(ByteSpan b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
inline Bytes toBytes(std::string_view s) { return {s.begin(), s.end()}; }

std::string toHex(ByteSpan b);
// Accepts upper or lower case; returns false on odd length or a non-hex digit.
bool fromHex(std::string_view hex, Bytes& out);

std::string base64Encode(ByteSpan b);
// Standard alphabet with padding; false on any invalid character or bad padding.
bool base64Decode(std::string_view text, Bytes& out);

class Reader {
 public:
  explicit Reader(ByteSpan data) : data_(data) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return remaining() == 0; }

  uint8_t u8() {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  uint16_t u16() {
    if (!need(2)) return 0;
    uint16_t v = uint16_t(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  uint32_t u32() {
    uint32_t hi = u16();
    return hi << 16 | u16();
  }
  uint64_t u64() {
    uint64_t hi = u32();
    return hi << 32 | u32();
  }
  // Returns a view of the next n bytes (empty and failed when fewer remain).
  ByteSpan take(size_t n) {
    if (!need(n)) return {};
    ByteSpan s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  ByteSpan rest() { return take(remaining()); }
  void skip(size_t n) { take(n); }
  void fail() { ok_ = false; }

 private:
  bool need(size_t n) {
    if (!ok_ || remaining() < n) {
      ok_ = false;
      pos_ = data_.size();
      return false;
    }
    return true;
  }
  ByteSpan data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

class Writer {
 public:
  Writer() = default;
  explicit Writer(Bytes& out) : out_(&out) {}

  void u8(uint8_t v) { buf().push_back(v); }
  void u16(uint16_t v) {
    u8(uint8_t(v >> 8));
    u8(uint8_t(v));
  }
  void u32(uint32_t v) {
    u16(uint16_t(v >> 16));
    u16(uint16_t(v));
  }
  void u64(uint64_t v) {
    u32(uint32_t(v >> 32));
    u32(uint32_t(v));
  }
  void bytes(ByteSpan b) { buf().insert(buf().end(), b.begin(), b.end()); }
  void bytes(std::string_view s) { bytes(asBytes(s)); }
  size_t size() const { return out_ ? out_->size() : own_.size(); }
  // Overwrites a byte already written (length fields patched after the body).
  void patch8(size_t at, uint8_t v) { buf()[at] = v; }
  void patch16(size_t at, uint16_t v) {
    buf()[at] = uint8_t(v >> 8);
    buf()[at + 1] = uint8_t(v);
  }
  Bytes take() { return std::move(buf()); }
  const Bytes& data() const { return out_ ? *out_ : own_; }

 private:
  Bytes& buf() { return out_ ? *out_ : own_; }
  Bytes own_;
  Bytes* out_ = nullptr;
};

}  // namespace re6st
