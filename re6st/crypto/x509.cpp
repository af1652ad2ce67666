#include "re6st/crypto/x509.h"

#include <mbedtls/pem.h>

#include <cstdio>

#include "re6st/crypto/file.h"

namespace re6st::crypto {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + int64_t(doe) - 719468;
}

const char kPemBegin[] = "-----BEGIN CERTIFICATE-----";
const char kPemEnd[] = "-----END CERTIFICATE-----";

Bytes stripZeros(ByteSpan b) {
  size_t i = 0;
  while (i < b.size() && b[i] == 0) ++i;
  return Bytes(b.begin() + long(i), b.end());
}

}  // namespace

int64_t unixFromX509Time(const mbedtls_x509_time& t) {
  int64_t days = daysFromCivil(t.year, unsigned(t.mon), unsigned(t.day));
  return days * 86400 + t.hour * 3600 + t.min * 60 + t.sec;
}

std::string x509TimeString(int64_t s) {
  int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
  int64_t rem = s - days * 86400;
  // Inverse of daysFromCivil.
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = unsigned(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = int64_t(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld%02u%02u%02lld%02lld%02lld", static_cast<long long>(y), m,
                d, static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60));
  return buf;
}

std::string serialToHex(ByteSpan serial) {
  Bytes s = stripZeros(serial);
  if (s.empty()) return "0";
  std::string h = toHex(s);
  if (h[0] == '0') h.erase(0, 1);
  return h;
}

Result<Bytes> serialFromHex(std::string_view hex) {
  if (hex.starts_with("0x") || hex.starts_with("0X")) hex.remove_prefix(2);
  if (hex.empty() || hex.size() > 40) return Error{Code::kInvalid, "bad serial number"};
  std::string even(hex.size() % 2 ? "0" : "");
  even += hex;
  Bytes out;
  if (!fromHex(even, out)) return Error{Code::kInvalid, "bad serial number"};
  return stripZeros(out);
}

Bytes serialFromU128(unsigned __int128 v) {
  Bytes out;
  while (v) {
    out.insert(out.begin(), uint8_t(v & 0xff));
    v >>= 8;
  }
  return out;
}

Result<Certificate> Certificate::parseDer(ByteSpan der) {
  CrtPtr crt = newCrt();
  int rc = mbedtls_x509_crt_parse_der(crt.get(), der.data(), der.size());
  if (rc != 0) return mbedFailure(Code::kInvalid, "bad certificate", rc);
  return Certificate(std::move(crt));
}

Result<Certificate> Certificate::parsePem(std::string_view pem) {
  // Only the first CERTIFICATE block counts (as OpenSSL's PEM_read_X509 does).
  size_t at = pem.find(kPemBegin);
  if (at == std::string_view::npos) return Error{Code::kInvalid, "no PEM certificate found"};
  std::string z(pem.substr(at));  // NUL-terminated for mbedtls_pem_read_buffer
  mbedtls_pem_context ctx;
  mbedtls_pem_init(&ctx);
  size_t used = 0;
  int rc = mbedtls_pem_read_buffer(&ctx, kPemBegin, kPemEnd,
                                   reinterpret_cast<const unsigned char*>(z.c_str()), nullptr, 0,
                                   &used);
  if (rc != 0) {
    mbedtls_pem_free(&ctx);
    return mbedFailure(Code::kInvalid, "bad PEM certificate", rc);
  }
  auto out = parseDer({ctx.buf, ctx.buflen});
  mbedtls_pem_free(&ctx);
  return out;
}

Result<Certificate> Certificate::load(const std::string& path) {
  auto text = readFile(path);
  if (!text) return text.error();
  auto cert = parsePem(*text);
  if (!cert) return cert.error().wrap(path);
  return cert;
}

Bytes Certificate::der() const { return Bytes(crt_->raw.p, crt_->raw.p + crt_->raw.len); }

std::string Certificate::pem() const {
  std::string buf(crt_->raw.len * 2 + 200, '\0');  // base64 + newlines + armour
  size_t olen = 0;
  int rc = mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
                                    "-----END CERTIFICATE-----\n", crt_->raw.p, crt_->raw.len,
                                    reinterpret_cast<unsigned char*>(buf.data()), buf.size(), &olen);
  if (rc != 0) return {};
  buf.resize(olen > 0 ? olen - 1 : 0);  // olen counts the terminating NUL
  return buf;
}

Name Certificate::subject() const { return nameFromMbed(&crt_->subject); }
Name Certificate::issuer() const { return nameFromMbed(&crt_->issuer); }

std::string Certificate::subjectCn() const { return subjectField("CN").value_or(""); }

std::optional<std::string> Certificate::subjectField(std::string_view name) const {
  return nameField(subject(), name);
}

Bytes Certificate::serial() const { return stripZeros({crt_->serial.p, crt_->serial.len}); }
std::string Certificate::serialHex() const { return serialToHex(serial()); }

std::optional<uint64_t> Certificate::serialU64() const {
  auto v = serialU128();
  if (!v || *v > UINT64_MAX) return std::nullopt;
  return uint64_t(*v);
}

std::optional<unsigned __int128> Certificate::serialU128() const {
  Bytes s = serial();
  if (s.size() > 16) return std::nullopt;
  unsigned __int128 v = 0;
  for (uint8_t b : s) v = v << 8 | b;
  return v;
}

int64_t Certificate::notBefore() const { return unixFromX509Time(crt_->valid_from); }
int64_t Certificate::notAfter() const { return unixFromX509Time(crt_->valid_to); }
bool Certificate::isCa() const { return crt_->ca_istrue != 0; }
int Certificate::version() const { return crt_->version; }

PublicKey Certificate::publicKey() const {
  // The key was parsed from this certificate, so re-encoding and parsing cannot fail.
  Bytes buf(8192);
  int n = mbedtls_pk_write_pubkey_der(&crt_->pk, buf.data(), buf.size());
  PkPtr pk = newPk();
  if (n > 0) mbedtls_pk_parse_public_key(pk.get(), buf.data() + buf.size() - n, size_t(n));
  return PublicKey(std::move(pk));
}

Certificate Certificate::clone() const {
  CrtPtr crt = newCrt();
  mbedtls_x509_crt_parse_der(crt.get(), crt_->raw.p, crt_->raw.len);
  return Certificate(std::move(crt));
}

}  // namespace re6st::crypto
