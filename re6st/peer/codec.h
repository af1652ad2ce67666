// Peer protocol wire format (UDP port 326), byte-compatible with re6stnet's x509.Peer:
// hello0 (seqno 0/1: certificate), hello (seqno 2: RSA-encrypted secret + signature) and
// sealed messages (seqno >= 3: code byte + data + HMAC-SHA1 trailer). Pure functions over
// bytes: no session state, no I/O, no clock. Every parser returns Result and never throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/random.h"
#include "re6st/base/result.h"
#include "re6st/crypto/hmac.h"

namespace re6st::peer {

constexpr uint16_t kPort = 326;
// Protocol version announced in hello0/hello (re6stnet's version.protocol; 10 is what
// current re6stnet and re6st-registry speak, REGISTRY-PROTOCOL.md). Address lists may
// carry a country code as 4th field from protocol 7 on.
constexpr uint64_t kProtocol = 10;
constexpr size_t kHmacLen = 20;        // HMAC-SHA1 output, also the secret length
constexpr size_t kFingerprintLen = 20;  // SHA-1 of the certificate DER
constexpr size_t kMaxPacket = 65535;

// Message codes of sealed messages (tunnel.py _processPacket). Bit 0x80 marks a message
// relayed on behalf of the local registry (request forwarded, answer to forward back).
enum MsgCode : uint8_t {
  kVersion = 0,
  kAddress = 1,
  kKillRequest = 2,
  kKillResponse = 3,
  kNodeInfo = 4,
  kTopology = 5,
  kLog = 7,
  kRelayed = 0x80,
};

// A datagram split at its 4-byte sequence number.
struct Frame {
  uint32_t seqno = 0;
  ByteSpan body;  // everything after the seqno (views the input)
};
// Fails on datagrams of 4 bytes or less (re6stnet ignores them).
Result<Frame> parseFrame(ByteSpan datagram);

// hello0, seqno 1: packed protocol, fingerprint of the receiver's certificate, sender's
// certificate (DER). hello0 with seqno 0 carries only the certificate.
struct Hello0 {
  uint64_t protocol = 0;
  std::optional<Bytes> fingerprint;  // set for seqno 1
  ByteSpan certificate;
};
// withProtocol=false parses the pre-protocol layout (peer older than the field).
Result<Hello0> parseHello0(const Frame& f, bool withProtocol = true);
Bytes encodeHello0(const std::optional<Bytes>& receiverFingerprint, ByteSpan ourCertDer);

// hello, seqno 2: [packed protocol] X = RSA-encrypt(receiver, secret), sign(sender, X).
// X and the signature have the same length (both RSA key size), hence the split in half.
struct Hello {
  uint64_t protocol = 0;
  ByteSpan encryptedSecret;
  ByteSpan signature;
};
Result<Hello> parseHello(const Frame& f, bool withProtocol = true);
Bytes encodeHello(bool withProtocol, ByteSpan encryptedSecret, ByteSpan signature);

// HMAC-SHA1 (RFC 2104) of data under key.
using crypto::hmacSha1;
// Sealed message: seqno (> 2) || payload || HMAC-SHA1(key, seqno || payload).
Bytes seal(ByteSpan key, uint32_t seqno, ByteSpan payload);
// Checks the trailer (constant time) and returns the payload; kCrypto when it does not match.
Result<Bytes> unseal(ByteSpan key, ByteSpan datagram);

// A new session secret: 8 bytes of microseconds since the epoch, then 12 random bytes,
// so that secrets compare (bytewise) greater over time, as re6stnet's newHmacSecret.
Bytes newSecret(int64_t wallMicros, Random& random);

// A peer address as carried by code 1: "ip,port,proto[,country]" joined with ';'.
struct Address {
  std::string ip;
  uint16_t port = 0;
  std::string proto;    // udp, udp6, tcp, tcp6 (re6stnet's names)
  std::string country;  // optional ISO code (protocol >= 7)
  bool operator==(const Address&) const = default;
  std::string str() const;
};
// Malformed entries are skipped as re6stnet does; fails when none is valid.
Result<std::vector<Address>> parseAddressList(std::string_view text);
std::string formatAddressList(const std::vector<Address>& list, bool withCountry = true);

// Datagram between a local process (the registry) and its node over ::1:
// "<prefix bits>\0<code><data>".
struct Relay {
  std::string prefix;  // bit string
  uint8_t code = 0;
  Bytes data;
};
Result<Relay> parseRelay(ByteSpan datagram);
Bytes encodeRelay(const Relay& r);

}  // namespace re6st::peer
