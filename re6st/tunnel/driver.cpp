// Transport life cycle: tunnels are created by connect() or by an incoming handshake,
// become "established" when the handshake completes (TUN device made, keepalive sent)
// and "up" when the first record from the peer authenticates (both directions proven);
// they go down on close, peer close, dead-peer timeout or a fatal I/O error — each
// tunnel alone, never its neighbours.
#include <algorithm>
#include <cstring>

#include "re6st/base/log.h"
#include "re6st/tunnel/driver_state.h"

namespace re6st::tunnel {
namespace {

// Timers of all tunnels are checked on one coarse tick: keepalives and timeouts are in
// seconds, DTLS retransmissions start at 500 ms.
constexpr Duration kTick = std::chrono::milliseconds(100);

}  // namespace

Transport::Transport(loop::Loop& loop, std::shared_ptr<Credentials> creds,
                     TransportOptions options, EventFn onEvent)
    : loop_(loop), creds_(std::move(creds)), opt_(std::move(options)),
      onEvent_(std::move(onEvent)), pool_(opt_.ifPrefix), buf_(std::make_unique<Buffers>()) {
  ownCn_ = creds_->cert().subjectCn();
}

Transport::~Transport() {
  std::vector<uint64_t> ids;
  for (auto& [id, t] : tunnels_) ids.push_back(id);
  for (uint64_t id : ids) removeTunnel(id, "transport shut down");
}

Status Transport::start() {
  if (opt_.mtu < 1280 || opt_.mtu > kMaxMtu)
    return makeError(Code::kInvalid, "tunnel MTU must be in 1280.." + std::to_string(kMaxMtu));
  if (!opt_.bind.valid()) return makeError(Code::kInvalid, "no local address to bind");
  RE6ST_TRY(opt_.carrier == Carrier::kDatagram ? openUdp() : openListener());
  timer_ = std::make_unique<loop::Timer>(loop_);
  timer_->startRepeat(kTick, [this] { tick(); });
  return {};
}

std::unique_ptr<Handshake> Transport::newHandshake(Role role, const std::string& cn,
                                                   Bytes transportId) {
  HandshakeOptions o;
  o.role = role;
  o.carrier = opt_.carrier;
  o.expectedCn = cn;
  o.wallNow = wall_.wallSeconds();
  o.timeout = opt_.handshakeTimeout;
  o.transportId = std::move(transportId);
  return std::make_unique<Handshake>(creds_, std::move(o), loop_.now());
}

Transport::Tunnel& Transport::addTunnel(Role role, const loop::SockAddr& remote) {
  auto t = std::make_unique<Tunnel>();
  t->id = nextId_++;
  t->role = role;
  t->remote = remote;
  Tunnel& ref = *t;
  tunnels_[ref.id] = std::move(t);
  if (opt_.carrier == Carrier::kDatagram) byAddr_[remote] = ref.id;
  return ref;
}

Transport::Tunnel* Transport::find(uint64_t id) {
  auto it = tunnels_.find(id);
  return it == tunnels_.end() ? nullptr : it->second.get();
}

Result<uint64_t> Transport::connect(const loop::SockAddr& remote, const std::string& peerCn) {
  if (!remote.valid() || remote.family() != opt_.bind.family())
    return makeError(Code::kInvalid, "peer address " + remote.str() + " is not of the underlay family");
  if (opt_.carrier == Carrier::kDatagram && byAddr_.count(remote))
    return makeError(Code::kExists, "a tunnel with " + remote.str() + " already exists");
  Tunnel& t = addTunnel(Role::kInitiator, remote);
  t.wantedCn = peerCn;
  uint64_t id = t.id;
  LOG_INFO("tunnel " + std::to_string(id) + ": connecting to " + peerCn + " at " + remote.str());
  if (opt_.carrier == Carrier::kStream) {
    if (auto s = startConnect(t); !s) {
      removeTunnel(id, s.error().message, false);
      return s.error();
    }
    return id;
  }
  t.hs = newHandshake(Role::kInitiator, peerCn, {});
  flushHandshake(t);
  return id;
}

void Transport::close(uint64_t id, const std::string& reason) { removeTunnel(id, reason); }

size_t Transport::handshakesInProgress() const {
  size_t n = 0;
  for (const auto& [id, t] : tunnels_)
    if (!t->session) ++n;
  return n;
}

TunnelInfo Transport::info(const Tunnel& t) const {
  TunnelInfo i;
  i.id = t.id;
  i.role = t.role;
  i.up = t.upReported;
  i.ifname = t.tun ? t.tun->name() : "";
  i.offload = t.tun && t.tun->vnetHdr();
  i.peerCn = t.peerCn;
  i.peerSerial = t.peerSerial;
  i.remote = t.remote;
  if (t.session) {
    if (t.session->observedSelf()) i.observedSelf = t.session->observedSelf()->str();
    i.counters = t.session->counters();
  }
  return i;
}

std::vector<TunnelInfo> Transport::tunnels() const {
  std::vector<TunnelInfo> all;
  for (const auto& [id, t] : tunnels_) all.push_back(info(*t));
  return all;
}

void Transport::removeTunnel(uint64_t id, const std::string& reason, bool notifyPeer) {
  auto it = tunnels_.find(id);
  if (it == tunnels_.end()) return;
  Tunnel& t = *it->second;
  if (notifyPeer && t.session) {  // best effort: lets the peer go down at once
    Bytes rec(kOverhead + 200);
    if (auto n = t.session->sealClose(loop_.now(), reason, rec)) {
      rec.resize(*n);
      sendRecord(t, rec);
    }
  }
  TunnelEvent ev{TunnelEvent::Kind::kDown, info(t), reason};
  bool report = t.upReported || t.role == Role::kInitiator;
  LOG_INFO("tunnel " + std::to_string(id) + (t.peerCn.empty() ? "" : " (" + t.peerCn + ")") +
           " with " + t.remote.str() + " down: " + reason);
  if (t.tun) pool_.release(t.tun->name());
  if (opt_.carrier == Carrier::kDatagram) {
    auto a = byAddr_.find(t.remote);
    if (a != byAddr_.end() && a->second == id) byAddr_.erase(a);
  }
  std::unique_ptr<Tunnel> dead = std::move(it->second);
  tunnels_.erase(it);
  dead.reset();  // polls stop before their fds and devices close
  if (report && onEvent_) onEvent_(ev);
}

// ---- handshake → established → up ------------------------------------------------

void Transport::afterHandshake(Tunnel& t) {
  flushHandshake(t);
  if (t.session || !t.hs) return;
  if (t.hs->state() == Handshake::State::kFailed) {
    std::string why = t.hs->error().message;
    return removeTunnel(t.id, "handshake failed: " + why, false);
  }
  if (t.hs->state() == Handshake::State::kDone) establish(t);
}

void Transport::establish(Tunnel& t) {
  Time now = loop_.now();
  const Established& est = t.hs->established();
  t.peerCn = est.peerCn;
  t.peerSerial = est.peerSerial;
  t.session = std::make_unique<Session>(est, now, opt_.session);
  kernel::TunConfig cfg;
  cfg.name = pool_.acquire();
  cfg.mtu = opt_.mtu;
  cfg.addresses = opt_.addresses;
  cfg.offload = opt_.offload;
  auto tun = kernel::openTun(cfg);
  if (!tun) {
    pool_.release(cfg.name);
    return removeTunnel(t.id, "TUN device: " + tun.error().message);
  }
  t.tun = std::move(*tun);
  t.tunPoll = std::make_unique<loop::Poll>(loop_, t.tun->fd());
  LOG_DEBUG("tunnel " + std::to_string(t.id) + ": handshake with " + t.peerCn + " done on " +
            t.tun->name());
  // The initiator speaks first; the responder sends nothing (no keepalive, no packet from
  // its TUN) until its owner has accepted the tunnel (confirmed()), so a refused initiator
  // sees only a close record and never a tunnel that looks up (re6stnet: OpenVPN reports
  // no route-up to a refused client).
  if (t.role == Role::kInitiator) startSending(t, now);
  if (opt_.carrier == Carrier::kStream) {
    Bytes rest = t.hs->takeLeftover();
    t.hs.reset();  // TCP is reliable: nothing to retransmit
    if (!rest.empty()) onStreamBytes(t, rest);
  }
}

void Transport::confirmed(Tunnel& t) {
  if (opt_.carrier == Carrier::kDatagram) t.hs.reset();  // ~40 KB of mbedTLS buffers
  if (t.upReported) return;
  t.upReported = true;
  TunnelInfo i = info(t);
  LOG_INFO("tunnel " + std::to_string(t.id) + " up: " + t.peerCn + " (serial 0x" + t.peerSerial +
           ") at " + t.remote.str() + " on " + i.ifname + ", seen as " + i.observedSelf);
  uint64_t id = t.id;
  bool responder = t.role == Role::kResponder;
  if (onEvent_) onEvent_(TunnelEvent{TunnelEvent::Kind::kUp, i, {}});
  // Accepted (the handler did not close it): now the responder answers.
  if (Tunnel* still = responder ? find(id) : nullptr) startSending(*still, loop_.now());
}

// The first keepalive (it tells the peer where we see it) and packets from the TUN.
void Transport::startSending(Tunnel& t, Time now) {
  uint64_t id = t.id;
  if (!t.tunPaused)
    (void)t.tunPoll->start(loop::Poll::kReadable, [this, id](int) { onTunReadable(id); });
  sendKeepalive(t, now);
}

void Transport::sendKeepalive(Tunnel& t, Time now) {
  ObservedAddress peer;
  peer.family = t.remote.isV4() ? 4 : 6;
  peer.addr = t.remote.ipv6();
  peer.port = t.remote.port();
  std::array<uint8_t, 64> rec;
  if (auto n = t.session->sealKeepalive(now, peer, rec)) sendRecord(t, ByteSpan(rec.data(), *n));
}

// ---- timers --------------------------------------------------------------------------

void Transport::tickTunnel(Tunnel& t, Time now) {
  if (!t.failure.empty()) return removeTunnel(t.id, t.failure, false);
  if (!t.session) {
    if (!t.hs) return;  // TCP connect in progress: bounded by the handshake timeout below
    t.hs->handleTimeout(now);
    return afterHandshake(t);
  }
  if (t.session->dead(now))
    return removeTunnel(t.id, "peer timed out (no record for " +
                                  std::to_string(toMillis(opt_.session.timeout) / 1000) + " s)",
                        false);
  if (t.session->keepaliveDue(now)) sendKeepalive(t, now);
}

void Transport::tick() {
  Time now = loop_.now();
  std::vector<uint64_t> ids;
  ids.reserve(tunnels_.size());
  for (auto& [id, t] : tunnels_) ids.push_back(id);
  for (uint64_t id : ids)
    if (Tunnel* t = find(id)) tickTunnel(*t, now);
}

// ---- inbound records ------------------------------------------------------------------

void Transport::onRecord(Tunnel& t, std::span<uint8_t> record) {
  if (!t.session) return;
  Time now = loop_.now();
  // Decrypt in place: the plaintext lands right after the header.
  std::span<uint8_t> out(record.data() + kHeaderSize, record.size() - kHeaderSize);
  auto r = t.session->open(now, record, out);
  if (!r) {
    LOG_TRACE("tunnel " + std::to_string(t.id) + ": dropped record: " + r.error().message);
    return;
  }
  // A close never confirms a tunnel: a peer that refuses us right after the handshake
  // makes this attempt fail instead of going up and down.
  if (r->kind != RecordKind::kClose && (!t.upReported || t.hs)) {
    uint64_t id = t.id;
    confirmed(t);
    if (!find(id)) return;  // the up handler refused (closed) it
  }
  switch (r->kind) {
    case RecordKind::kData:
      deliver(t, out.first(r->size));
      break;
    case RecordKind::kClose:
      // The sender caps its reason at 200 bytes (Session::sealClose); so does the log.
      return removeTunnel(
          t.id, "closed by peer: " + asString(ByteSpan(out.data(), std::min<size_t>(r->size, 200))),
          false);
    case RecordKind::kKeepalive:
      break;
  }
}

// A decrypted packet for the tunnel's TUN: written at once on a plain TUN; held for
// coalescing on an offloading one, until flushCoalesced() at the end of the wakeup
// (the receive paths call it before their buffers are reused) or another tunnel's packet.
void Transport::deliver(Tunnel& t, std::span<uint8_t> packet) {
  if (!t.tun->vnetHdr()) {
    if (auto s = t.tun->write(packet); !s) LOG_DEBUG(s.error().message);
    return;
  }
  Buffers& b = *buf_;
  if (b.coalescing != t.id) flushCoalesced();
  b.coalescing = t.id;
  b.coalescer.add(packet);
}

void Transport::flushCoalesced() {
  Buffers& b = *buf_;
  if (b.coalescer.empty()) return;
  Tunnel* t = find(b.coalescing);
  if (!t || !t->tun) return b.coalescer.clear();  // gone: its buffers may be too
  b.coalescer.flush([t](std::span<const ByteSpan> pieces) {
    if (auto s = t->tun->writev(pieces); !s) LOG_DEBUG(s.error().message);
  });
}

void Transport::flushHandshake(Tunnel& t) {
  // While a TCP connect is in progress the flight stays in the handshake: taking it now
  // (e.g. from a timer tick) would lose the ClientHello and stall the handshake.
  if (!t.hs || (opt_.carrier == Carrier::kStream && t.connecting)) return;
  while (auto out = t.hs->pollOutput()) {
    if (opt_.carrier == Carrier::kDatagram)
      sendDatagram(t.remote, *out);
    else
      streamSend(t, *out);
  }
}

}  // namespace re6st::tunnel
