#include "re6st/tunnel/record.h"

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include <cstring>

namespace re6st::tunnel {
namespace {

// HKDF-Expand (RFC 5869 §2.3) with SHA-256; the secret is already uniformly random.
void expand(const Secret& secret, const char* label, uint8_t* out, size_t len) {
  const mbedtls_md_info_t* md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  mbedtls_hkdf_expand(md, secret.data(), secret.size(),
                      reinterpret_cast<const unsigned char*>(label), std::strlen(label), out,
                      len);
}

uint64_t readCounter(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

}  // namespace

// ---- ReplayWindow -------------------------------------------------------------------

bool ReplayWindow::check(uint64_t counter) const {
  // The last counter would wrap top_ to 0 and reopen the whole window; senders rekey
  // long before it (2^32 records), so it is never legitimate.
  if (counter == UINT64_MAX) return false;
  if (counter >= top_) return true;
  // One word is kept spare so that sliding forward clears whole words (RFC 6479 §2).
  if (top_ - counter > kWindowBits - 64) return false;
  return !(bits_[(counter / 64) % kWords] >> (counter % 64) & 1);
}

void ReplayWindow::accept(uint64_t counter) {
  if (counter >= top_) {
    uint64_t newWord = counter / 64;
    if (top_ == 0) {
      bits_.fill(0);
    } else {
      uint64_t oldWord = (top_ - 1) / 64;
      uint64_t diff = newWord - oldWord;
      if (diff >= kWords) {
        bits_.fill(0);
      } else {
        for (uint64_t i = 1; i <= diff; ++i) bits_[(oldWord + i) % kWords] = 0;
      }
    }
    top_ = counter + 1;
  }
  bits_[(counter / 64) % kWords] |= uint64_t(1) << (counter % 64);
}

void ReplayWindow::reset() {
  bits_.fill(0);
  top_ = 0;
}

// ---- EpochKey -----------------------------------------------------------------------

EpochKey::EpochKey(const Secret& secret, uint32_t epoch) : epoch_(epoch) {
  uint8_t key[32];
  expand(secret, "re6st key", key, sizeof key);
  expand(secret, "re6st iv", iv_.data(), iv_.size());
  mbedtls_gcm_init(&gcm_);
  if (AesGcm256::hardwareSupported())
    fast_ = std::make_unique<AesGcm256>(key);
  else
    mbedtls_gcm_setkey(&gcm_, MBEDTLS_CIPHER_ID_AES, key, 256);
  mbedtls_platform_zeroize(key, sizeof key);
}

bool EpochKey::seal(uint64_t counter, const uint8_t* aad, const uint8_t* in, size_t len,
                    uint8_t* out, uint8_t* tag) {
  uint8_t iv[12];
  nonce(counter, iv);
  if (fast_) {
    fast_->seal(iv, aad, kHeaderSize, in, len, out, tag);
    return true;
  }
  return mbedtls_gcm_crypt_and_tag(&gcm_, MBEDTLS_GCM_ENCRYPT, len, iv, 12, aad, kHeaderSize, in,
                                   out, kTagSize, tag) == 0;
}

bool EpochKey::open(uint64_t counter, const uint8_t* aad, const uint8_t* in, size_t len,
                    const uint8_t* tag, uint8_t* out) {
  uint8_t iv[12];
  nonce(counter, iv);
  if (fast_) return fast_->open(iv, aad, kHeaderSize, in, len, tag, out);
  return mbedtls_gcm_auth_decrypt(&gcm_, len, iv, 12, aad, kHeaderSize, tag, kTagSize, in, out) ==
         0;
}

EpochKey::~EpochKey() {
  mbedtls_gcm_free(&gcm_);
  mbedtls_platform_zeroize(iv_.data(), iv_.size());
}

Secret EpochKey::next(const Secret& secret) {
  Secret n;
  expand(secret, "re6st next", n.data(), n.size());
  return n;
}

void EpochKey::nonce(uint64_t counter, uint8_t out[12]) const {
  std::memcpy(out, iv_.data(), 12);
  for (int i = 0; i < 8; ++i) out[4 + i] ^= uint8_t(counter >> (56 - 8 * i));
}

// ---- Sealer -------------------------------------------------------------------------

Sealer::Sealer(const Secret& secret, Time now, RekeyLimits limits)
    : secret_(secret), key_(std::make_unique<EpochKey>(secret, 0)), epochStart_(now),
      limits_(limits) {}

void Sealer::ratchet(Time now) {
  Secret n = EpochKey::next(secret_);
  mbedtls_platform_zeroize(secret_.data(), secret_.size());
  secret_ = n;
  key_ = std::make_unique<EpochKey>(secret_, key_->epoch() + 1);
  counter_ = 0;
  epochStart_ = now;
}

Result<size_t> Sealer::seal(Time now, RecordKind kind, ByteSpan plain,
                            std::span<uint8_t> out) {
  if (plain.size() > kMaxPlain) return makeError(Code::kInvalid, "record too large");
  if (out.size() < plain.size() + kOverhead)
    return makeError(Code::kInvalid, "record buffer too small");
  if (counter_ >= limits_.packets || now - epochStart_ >= limits_.age) ratchet(now);
  uint8_t* h = out.data();
  h[0] = uint8_t(kind);
  h[1] = uint8_t(key_->epoch());
  h[2] = h[3] = 0;
  uint64_t c = counter_++;
  for (int i = 0; i < 8; ++i) h[4 + i] = uint8_t(c >> (56 - 8 * i));
  uint8_t* body = h + kHeaderSize;
  // In place (both implementations accept output == input).
  if (plain.data() != body && !plain.empty()) std::memmove(body, plain.data(), plain.size());
  if (!key_->seal(c, h, body, plain.size(), body, body + plain.size()))
    return makeError(Code::kCrypto, "AES-GCM encryption failed");
  return plain.size() + kOverhead;
}

// ---- Opener -------------------------------------------------------------------------

Opener::Opener(const Secret& secret)
    : nextSecret_(EpochKey::next(secret)), cur_(std::make_unique<EpochKey>(secret, 0)) {}

void Opener::advance() {
  prev_ = std::move(cur_);
  prevWin_ = curWin_;
  cur_ = std::move(next_);
  curWin_ = nextWin_;
  nextWin_.reset();
  Secret n = EpochKey::next(nextSecret_);
  mbedtls_platform_zeroize(nextSecret_.data(), nextSecret_.size());
  nextSecret_ = n;
}

Result<Opened> Opener::openWith(EpochKey& key, ReplayWindow& window, ByteSpan record,
                                uint64_t counter, std::span<uint8_t> out) {
  if (!window.check(counter)) return makeError(Code::kProtocol, "replayed record");
  size_t len = record.size() - kOverhead;
  const uint8_t* body = record.data() + kHeaderSize;
  if (!key.open(counter, record.data(), body, len, body + len, out.data()))
    return makeError(Code::kCrypto, "record authentication failed");
  window.accept(counter);
  return Opened{RecordKind(record[0]), len};
}

Result<Opened> Opener::open(ByteSpan record, std::span<uint8_t> out) {
  if (record.size() < kOverhead) return makeError(Code::kInvalid, "record truncated");
  if (record.size() > kMaxPlain + kOverhead) return makeError(Code::kInvalid, "record too large");
  if (!isRecord(record) || record[2] != 0 || record[3] != 0)
    return makeError(Code::kInvalid, "not a data record");
  if (out.size() < record.size() - kOverhead)
    return makeError(Code::kInvalid, "output buffer too small");
  uint64_t counter = readCounter(record.data() + 4);
  uint8_t e = record[1];
  uint32_t cur = cur_->epoch();
  if (e == uint8_t(cur)) return openWith(*cur_, curWin_, record, counter, out);
  if (prev_ && e == uint8_t(cur - 1)) return openWith(*prev_, prevWin_, record, counter, out);
  if (e != uint8_t(cur + 1)) return makeError(Code::kCrypto, "record from an unknown key epoch");
  // The peer rekeyed: try the next epoch, and move to it only once a record authenticates.
  if (!next_) next_ = std::make_unique<EpochKey>(nextSecret_, cur + 1);
  auto r = openWith(*next_, nextWin_, record, counter, out);
  if (r.ok()) advance();
  return r;
}

}  // namespace re6st::tunnel
