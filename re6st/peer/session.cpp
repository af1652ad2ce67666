#include "re6st/peer/session.h"

#include "re6st/crypto/hmac.h"

namespace re6st::peer {

Session::Session(std::string prefix, Bytes initialKey)
    : prefix_(std::move(prefix)), key_(std::move(initialKey)) {}

bool Session::connected(Time now) const {
  switch (last_) {
    case Last::kAnswered:
      return true;
    case Last::kWaiting:
      return now < lastSent_ + kAnswerTimeout;
    case Last::kNever:
      return false;
  }
  return false;
}

std::optional<Bytes> Session::hello0(Time now, ByteSpan ourCertDer) const {
  if (now < helloAfter_) return std::nullopt;
  // x509.Peer.hello0: with the peer's fingerprint it can answer with hello directly.
  std::optional<Bytes> fp;
  if (cert_) fp = crypto::sha1(cert_->der());
  return encodeHello0(fp, ourCertDer);
}

Result<Bytes> Session::hello(const Identity& us, int64_t wallMicros, Random& random,
                             bool withProtocol) {
  if (!cert_) return makeError(Code::kProtocol, "hello: peer certificate unknown");
  Bytes key = newSecret(wallMicros, random);
  auto h = cert_->publicKey().encrypt(key);
  if (!h) return h.error().wrap("hello");
  auto sig = us.key.signSha512(*h);
  if (!sig) return sig.error().wrap("hello");
  key_ = std::move(key);
  received_ = sentSeq_ = 2;
  last_ = Last::kNever;  // not connected until the peer answers
  protocol = withProtocol ? kProtocol : 0;
  return encodeHello(withProtocol, *h, *sig);
}

Status Session::newSession(Bytes key, uint64_t peerProtocol) {
  // "new secret > old secret": replayed or older hellos are refused.
  if (key.size() != kHmacLen || !(key_ < key))
    return makeError(Code::kProtocol, "hello: secret not newer than the current one");
  key_ = std::move(key);
  received_ = sentSeq_ = 2;
  last_ = Last::kAnswered;
  protocol = peerProtocol;
  return {};
}

Bytes Session::encode(ByteSpan payload) { return seal(key_, ++sentSeq_, payload); }

std::optional<Bytes> Session::decode(Time now, ByteSpan datagram) {
  (void)now;
  if (datagram.size() < 4 + kHmacLen) return std::nullopt;
  Reader r(datagram);
  uint32_t seqno = r.u32();
  auto payload = unseal(key_, datagram);
  // Reject messages with a seqno not above the last one processed (replays).
  if (!payload || seqno <= received_) return std::nullopt;
  received_ = seqno;
  last_ = Last::kAnswered;
  return std::move(*payload);
}

void Session::sent(Time now) {
  if (last_ != Last::kWaiting) {
    last_ = Last::kWaiting;
    lastSent_ = now;
  }
}

void Session::setCertificate(crypto::Certificate cert, int64_t stopDate) {
  serial_ = cert.serialHex();
  cert_ = std::move(cert);
  stopDate_ = stopDate;
}

}  // namespace re6st::peer
