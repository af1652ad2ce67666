#include "re6st/peer/protocol.h"

#include "re6st/base/log.h"
#include "re6st/crypto/ca.h"
#include "re6st/crypto/hmac.h"
#include "re6st/crypto/verify.h"

namespace re6st::peer {
namespace {

bool startsWith(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

}  // namespace

Endpoint peerEndpoint(const std::string& network, const std::string& prefix) {
  Endpoint e;
  std::string bits = (network + prefix).substr(0, 128);
  for (size_t i = 0; i < bits.size(); ++i)
    if (bits[i] == '1') e.ip[i / 8] = uint8_t(e.ip[i / 8] | 0x80 >> (i % 8));
  return e;
}

Result<std::unique_ptr<Protocol>> Protocol::create(Identity identity, ProtocolConfig config,
                                                   Random& random, Time now, int64_t wallMicros) {
  auto network = crypto::networkBitsFromCa(identity.ca);
  if (!network) return network.error().wrap("peer protocol");
  auto prefix = bitsFromCn(identity.cert.subjectCn());
  if (!prefix) return prefix.error().wrap("peer protocol: our certificate CN");
  if (prefix->empty() || network->size() + prefix->size() > 128)
    return makeError(Code::kInvalid, "peer protocol: bad node prefix");
  return std::unique_ptr<Protocol>(new Protocol(std::move(identity), std::move(config), random,
                                                now, wallMicros, *network, *prefix));
}

Protocol::Protocol(Identity identity, ProtocolConfig config, Random& random, Time now,
                   int64_t wallMicros, std::string network, std::string prefix)
    : id_(std::move(identity)),
      config_(std::move(config)),
      random_(random),
      start_(now),
      wallAtStart_(wallMicros),
      network_(std::move(network)),
      prefix_(std::move(prefix)),
      certDer_(id_.cert.der()),
      fingerprint_(crypto::sha1(certDer_)),
      // A second before start: hellos made from now on are newer; the random part keeps
      // the key unknown, so nobody can seal messages for a peer without a session.
      initialKey_(newSecret(wallMicros - 1'000'000, random)) {}

std::optional<ProtocolAction> Protocol::pollAction() {
  if (actions_.empty()) return std::nullopt;
  ProtocolAction a = std::move(actions_.front());
  actions_.pop_front();
  return a;
}

const Session* Protocol::session(const std::string& prefix) const {
  auto it = sessions_.find(prefix);
  return it == sessions_.end() ? nullptr : &it->second;
}

// Node prefixes do not overlap, so the only session whose prefix can start the sender's
// bits is the greatest one not above them (tunnel.py _getPeer's bisect).
Session* Protocol::lookup(const std::string& senderBits) {
  auto it = sessions_.upper_bound(senderBits);
  if (it == sessions_.begin()) return nullptr;
  --it;
  return startsWith(senderBits, it->first) ? &it->second : nullptr;
}

bool Protocol::connected(Time now, const std::string& prefix) const {
  const Session* s = session(prefix);
  return s && s->connected(now);
}

void Protocol::sendSealed(Time now, const Endpoint& to, Session& peer, ByteSpan payload) {
  sendRaw(to, peer.encode(payload));
  if (!payload.empty()) peer.sent(now);
}

bool Protocol::send(Time now, const std::string& prefix, std::optional<ByteSpan> payload) {
  if (prefix.empty() || prefix == prefix_ || network_.size() + prefix.size() > 128) return false;
  Endpoint to = peerEndpoint(network_, prefix);
  auto it = sessions_.find(prefix);
  if (it == sessions_.end()) {
    it = sessions_.emplace(prefix, Session(prefix, initialKey_)).first;
  } else if (it->second.connected(now)) {
    if (!payload) return false;
    sendSealed(now, to, it->second, *payload);
    return true;
  }
  if (auto hello = it->second.hello0(now, certDer_)) {
    sendRaw(to, std::move(*hello));
    it->second.hello0Sent(now);
  }
  return false;
}

void Protocol::handle(Time now, const Endpoint& from, ByteSpan datagram) {
  if (datagram.size() > kMaxPacket) return;
  if (from.ip == kLoopback) {
    handleLocal(now, from, datagram);
    return;
  }
  std::string sender = bitsFromIpv6(from.ip);
  if (!startsWith(sender, network_)) return;
  auto frame = parseFrame(datagram);
  if (!frame) return;
  sender = sender.substr(network_.size());
  Session* peer = lookup(sender);
  if (frame->seqno <= 2) {
    // An unknown sender only matters for hello0; a scratch session serves for parsing.
    Session scratch(sender, initialKey_);
    handleHello(now, from, sender, peer ? *peer : scratch, *frame);
    return;
  }
  if (!peer) return;
  auto msg = peer->decode(now, datagram);
  if (!msg || msg->empty()) return;
  // A valid non-empty message: always answer something, so that the sender knows we
  // are still connected (an empty sealed message when there is nothing to say).
  auto answer = processPacket(now, *msg, peer);
  Bytes reply;
  if (answer && !answer->empty()) {
    reply.push_back((*msg)[0]);
    reply.insert(reply.end(), answer->begin(), answer->end());
  }
  sendSealed(now, from, *peer, reply);
}

void Protocol::handleHello(Time now, const Endpoint& from, const std::string& sender,
                           Session& peer, const Frame& f) {
  if (f.seqno == 2) {
    // Peers older than the protocol field send none: retry without it.
    if (!helloSecret(now, from, peer, f, true)) helloSecret(now, from, peer, f, false);
    return;
  }
  if (!helloCertificate(now, from, sender, peer, f, true) && f.seqno == 1)
    helloCertificate(now, from, sender, peer, f, false);
}

// hello (seqno 2): the peer's secret, encrypted to us and signed by it.
bool Protocol::helloSecret(Time now, const Endpoint& from, Session& peer, const Frame& f,
                           bool withProtocol) {
  auto h = parseHello(f, withProtocol);
  if (!h || !peer.certificate()) return false;
  if (!peer.certificate()->publicKey().verifySha512(h->encryptedSecret, h->signature)) return false;
  auto key = id_.key.decrypt(h->encryptedSecret);
  if (!key) return false;
  if (auto s = peer.newSession(std::move(*key), h->protocol); !s) {
    LOG_DEBUG("ignored new session key from " + cnFromBits(peer.prefix()) + ": " + s.error().message);
    return true;  // well-formed: no point retrying another layout
  }
  LOG_DEBUG("new session with " + cnFromBits(peer.prefix()));
  Bytes v{kVersion};
  v.insert(v.end(), config_.version.begin(), config_.version.end());
  sendSealed(now, from, peer, v);
  peer.version = config_.version;
  return true;
}

// hello0 (seqno 0/1): the peer's certificate; seqno 1 tells whether it knows ours.
bool Protocol::helloCertificate(Time now, const Endpoint& from, const std::string& sender,
                                Session& peer, const Frame& f, bool withProtocol) {
  auto h = parseHello0(f, withProtocol);
  if (!h) return false;
  auto cert = crypto::Certificate::parseDer(h->certificate);
  if (!cert) return false;
  if (auto bad = crypto::verify(*cert, id_.ca, wallSeconds(now), config_.crl); !bad) {
    LOG_DEBUG("ignored invalid certificate from " + formatIpv6(from.ip) + " (" + bad.error().message + ")");
    return false;
  }
  auto p = bitsFromCn(cert->subjectCn());
  if (!p || p->empty()) return false;
  Session* target = &peer;
  if (*p != peer.prefix() || !sessions_.count(*p)) {
    if (!startsWith(sender, *p)) {
      LOG_DEBUG("received " + cert->subjectCn() + " cert from wrong source " + formatIpv6(from.ip));
      return true;
    }
    target = &sessions_.emplace(*p, Session(*p, initialKey_)).first->second;
  }
  int64_t stop = cert->notAfter();
  target->setCertificate(std::move(*cert), stop);
  bool knowsUs = h->fingerprint && *h->fingerprint == fingerprint_;
  if (knowsUs) {
    auto hello = target->hello(id_, wallMicros(now), random_, h->protocol != 0);
    if (hello) sendRaw(from, std::move(*hello));
  } else if (auto hello0 = target->hello0(now, certDer_)) {
    sendRaw(from, std::move(*hello0));
    target->hello0Sent(now);
  }
  return true;
}

// tunnel.py _processPacket: peer is null for requests of the local registry.
std::optional<Bytes> Protocol::processPacket(Time now, ByteSpan msg, const Session* peer) {
  uint8_t c = msg[0];
  ByteSpan data = msg.subspan(1);
  uint8_t code = c & 0x7f;
  if (c & kRelayed && !data.empty()) {
    // Answer to a request we relayed for the local registry: hand it back.
    if (peer && forward_)
      sendRaw(*forward_, encodeRelay({peer->prefix(), code, Bytes(data.begin(), data.end())}));
    return std::nullopt;
  }
  switch (code) {
    case kAddress:
      if (!data.empty()) {
        if (peer) actions_.push_back(Deliver{peer->prefix(), kAddress, Bytes(data.begin(), data.end())});
        return std::nullopt;
      }
      if (peer && peer->protocol < 7) {  // no country for older peers
        auto l = parseAddressList(config_.addresses);
        return l ? toBytes(formatAddressList(*l, false)) : Bytes{};
      }
      return toBytes(config_.addresses);
    case kVersion:
      return processVersion(now, data, peer);
    case kKillRequest:
    case kKillResponse:
      if (peer) actions_.push_back(Deliver{peer->prefix(), code, Bytes(data.begin(), data.end())});
      return std::nullopt;
    case kNodeInfo:
      if (data.empty()) return toBytes(config_.nodeInfo);
      return std::nullopt;
    case kTopology:
      // The registry wants to know the topology (for debugging).
      if ((!peer || peer->prefix() == config_.registryPrefix) && topology_) return toBytes(topology_());
      return std::nullopt;
    case kLog:
      if (peer && prefix_ == config_.registryPrefix)
        LOG_INFO(cnFromBits(peer->prefix()) + ": " + asString(data));
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<Bytes> Protocol::processVersion(Time now, ByteSpan version, const Session* peer) {
  (void)now;
  Bytes v(version.begin(), version.end());
  if (!peer) {  // the local registry says there is a new version
    actions_.push_back(NewVersion{v});
    return std::nullopt;
  }
  std::optional<Bytes> answer;
  if (v != config_.version && verifyVersion(v)) {
    if (v < config_.version) {
      answer = config_.version;  // the peer is late: tell it ours
    } else {
      config_.version = v;
      actions_.push_back(NewVersion{v});
    }
  }
  sessions_.at(peer->prefix()).version = config_.version;
  return answer;
}

// A version is a packed integer followed by the CA's RSA-SHA512 signature of it.
bool Protocol::verifyVersion(ByteSpan version) const {
  size_t n = 0;
  if (!unpackInteger(version, &n) || version.size() <= n) return false;
  return id_.ca.publicKey().verifySha512(version.first(n), version.subspan(n)).ok();
}

void Protocol::handleLocal(Time now, const Endpoint& from, ByteSpan datagram) {
  auto relay = parseRelay(datagram);
  if (!relay) return;
  forward_ = from;
  Bytes msg{relay->code};
  msg.insert(msg.end(), relay->data.begin(), relay->data.end());
  if (relay->prefix == prefix_) {
    auto answer = processPacket(now, msg, nullptr);
    if (answer) sendRaw(from, encodeRelay({prefix_, relay->code, std::move(*answer)}));
    return;
  }
  msg[0] = uint8_t(relay->code | kRelayed);
  send(now, relay->prefix, ByteSpan(msg));
}

void Protocol::broadcastVersion(Time now, const std::vector<std::string>& neighbourPrefixes) {
  Bytes msg{kVersion};
  msg.insert(msg.end(), config_.version.begin(), config_.version.end());
  for (const auto& p : neighbourPrefixes) {
    if (p.empty()) continue;
    auto it = sessions_.find(p);
    if (it == sessions_.end()) {
      send(now, p, std::nullopt);
    } else if (it->second.version < config_.version && send(now, p, ByteSpan(msg))) {
      sessions_.at(p).version = config_.version;
    }
  }
}

void Protocol::setCrl(std::set<std::string> crl) {
  config_.crl = std::move(crl);
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = config_.crl.count(it->second.serial()) ? sessions_.erase(it) : std::next(it);
}

Time Protocol::nextTimeout() const {
  int64_t next = INT64_MAX;
  for (const auto& [p, s] : sessions_) next = std::min(next, s.stopDate());
  if (next == INT64_MAX) return Time::max();
  // Back from wall seconds to the monotonic timeline.
  int64_t delta = next * 1'000'000 - wallAtStart_;
  return start_ + Duration(delta) + seconds(1);
}

void Protocol::handleTimeout(Time now) {
  int64_t wall = wallSeconds(now);
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = it->second.stopDate() < wall ? sessions_.erase(it) : std::next(it);
}

}  // namespace re6st::peer
