// The data-plane record layer of the built-in transport: AES-256-GCM records keyed from
// the DTLS/TLS handshake, a sliding anti-replay window and a forward-only key ratchet.
// Sans-I/O: bytes and times in, bytes out; no sockets, no clock. One Sealer/Opener pair
// per tunnel, used from one thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include <mbedtls/gcm.h>

#include "re6st/base/bytes.h"
#include "re6st/base/clock.h"
#include "re6st/base/result.h"
#include "re6st/tunnel/aes_gcm.h"

namespace re6st::tunnel {

// Wire format of one record (a UDP datagram, or one frame of the TCP stream):
//   0: kind (0x40 data, 0x41 keepalive, 0x42 close) — never a DTLS content type (20..25)
//   1: key epoch (low 8 bits)      2..3: zero      4..11: counter (big endian)
//   12..: AES-256-GCM ciphertext, then the 16-byte tag. The 12-byte header is the AAD.
// The nonce is the epoch's IV XOR the counter (as TLS 1.3, RFC 8446 §5.3).
constexpr size_t kHeaderSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kOverhead = kHeaderSize + kTagSize;
// Largest plaintext a record carries: an IPv6 packet up to the 16-bit payload length.
constexpr size_t kMaxPlain = 65535;

enum class RecordKind : uint8_t { kData = 0x40, kKeepalive = 0x41, kClose = 0x42 };

// True when the first byte of a datagram marks a data-plane record (not DTLS).
inline bool isRecord(ByteSpan b) { return !b.empty() && b[0] >= 0x40 && b[0] <= 0x42; }

using Secret = std::array<uint8_t, 32>;

// When the sender moves to the next epoch: whichever limit comes first. The receiver
// follows by itself (it accepts epoch+1), so a rekey costs no message.
struct RekeyLimits {
  uint64_t packets = uint64_t(1) << 32;  // far below AES-GCM's 2^64 nonce space
  Duration age = std::chrono::minutes(2);
};

// Anti-replay window of kWindowBits counters (RFC 6479 style bitmap ring, as WireGuard).
class ReplayWindow {
 public:
  static constexpr uint64_t kWindowBits = 2048;
  // True when `counter` is new and inside the window; does not record it.
  bool check(uint64_t counter) const;
  // Records an authenticated counter (call only after check() and the tag verified).
  void accept(uint64_t counter);
  void reset();

 private:
  static constexpr size_t kWords = kWindowBits / 64;
  std::array<uint64_t, kWords> bits_{};
  uint64_t top_ = 0;  // highest accepted counter + 1 (0: nothing yet)
};

// Keys of one epoch: the AEAD context and IV, derived from the epoch secret by HKDF.
class EpochKey {
 public:
  explicit EpochKey(const Secret& secret, uint32_t epoch);
  ~EpochKey();
  EpochKey(const EpochKey&) = delete;
  EpochKey& operator=(const EpochKey&) = delete;

  uint32_t epoch() const { return epoch_; }
  // HKDF-Expand(secret, "re6st next") — the secret of epoch+1; the old one is erased.
  static Secret next(const Secret& secret);
  // AES-256-GCM of one record; the AES-NI path when the CPU has it, else mbedTLS.
  bool seal(uint64_t counter, const uint8_t* aad, const uint8_t* in, size_t len, uint8_t* out,
            uint8_t* tag);
  bool open(uint64_t counter, const uint8_t* aad, const uint8_t* in, size_t len,
            const uint8_t* tag, uint8_t* out);

 private:
  void nonce(uint64_t counter, uint8_t out[12]) const;
  std::unique_ptr<AesGcm256> fast_;
  mbedtls_gcm_context gcm_;
  std::array<uint8_t, 12> iv_{};
  uint32_t epoch_;
};

// Sending half: numbers, ratchets and encrypts records.
class Sealer {
 public:
  Sealer(const Secret& secret, Time now, RekeyLimits limits = {});
  // Encrypts `plain` into `out` (header + ciphertext + tag). out.size() must be at least
  // plain.size() + kOverhead; plain may sit at out.data() + kHeaderSize (in place).
  Result<size_t> seal(Time now, RecordKind kind, ByteSpan plain, std::span<uint8_t> out);
  uint32_t epoch() const { return key_->epoch(); }
  uint64_t counter() const { return counter_; }

 private:
  void ratchet(Time now);
  Secret secret_;
  std::unique_ptr<EpochKey> key_;
  uint64_t counter_ = 0;
  Time epochStart_;
  RekeyLimits limits_;
};

struct Opened {
  RecordKind kind;
  size_t size;  // plaintext bytes written at the start of the output
};

// Receiving half: authenticates, decrypts and replay-checks records. It keeps the
// previous epoch (packets in flight across a rekey) and derives the next on demand.
class Opener {
 public:
  explicit Opener(const Secret& secret);
  // Decrypts `record` into `out` (may be record.data() + kHeaderSize: in place).
  // Errors: kInvalid (malformed, too short/long), kCrypto (bad tag, unknown epoch),
  // kProtocol (replayed or too old).
  Result<Opened> open(ByteSpan record, std::span<uint8_t> out);
  uint32_t epoch() const { return cur_->epoch(); }

 private:
  Result<Opened> openWith(EpochKey& key, ReplayWindow& window, ByteSpan record,
                          uint64_t counter, std::span<uint8_t> out);
  void advance();
  Secret nextSecret_;  // secret of epoch cur+1
  std::unique_ptr<EpochKey> cur_, prev_, next_;
  ReplayWindow curWin_, prevWin_, nextWin_;
};

}  // namespace re6st::tunnel
