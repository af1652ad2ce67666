// The node and its registry while running (tunnel.py newVersion, cache.py updateConfig
// and getBootstrapPeer, x509.py maybeRenew): a newer network version announced by a
// peer makes the node fetch, check and store the configuration, apply what can be
// applied live and re-exec for the rest (NEED_RESTART, revocation of our certificate).
#include <ctime>

#include "re6st/base/log.h"
#include "re6st/crypto/x509.h"
#include "re6st/node/netconfig.h"
#include "re6st/node/node.h"

namespace re6st::node {

void Node::scheduleConfigUpdate(Duration after) {
  if (updatingConfig_ || stopped_) return;
  configTimer_.start(after, [this] { updateConfig(); });
}

void Node::updateConfig() {
  if (updatingConfig_ || !registry_) return;
  updatingConfig_ = true;
  LOG_INFO("getting new network parameters from registry...");
  registry_->call("getNetworkConfig", {{"cn", s_.prefix}}, [this](Result<Bytes> body) {
    updatingConfig_ = false;
    if (stopped_) return;
    int delay = 0;
    Result<ConfigMap> rows = body ? configRowsFromBody(*body, s_.certs->key(), &delay)
                                  : Result<ConfigMap>(body.error());
    Result<client::NetworkConfig> c = rows ? configFromRows(*rows)
                                           : Result<client::NetworkConfig>(rows.error());
    if (c) {
      auto pub = s_.certs->ca().publicKey();
      if (auto v = client::verifyVersion(c->version, pub); !v) c = v.error();
    }
    if (!c) {
      LOG_WARNING("network parameters: " + c.error().message +
                  "; will retry to update network parameters in 5 minutes");
      scheduleConfigUpdate(seconds(300));
      return;
    }
    auto changed = s_.cache->replaceConfig(*rows);
    if (!changed) {
      LOG_ERROR("cache: " + changed.error().message);
      return;
    }
    applyConfig(*c, changedNames(*changed), delay);
  });
}

void Node::applyConfig(const client::NetworkConfig& c, const std::vector<std::string>& changed,
                       int delayRestart) {
  std::string list;
  for (const auto& n : changed) list += (list.empty() ? "" : ", ") + n;
  LOG_INFO("network parameters changed: " + (list.empty() ? std::string("(none)") : list));
  bool tunnelManager = s_.options.client_count.value_or(s_.config.client_count) > 0;
  s_.config = c;
  protocol_->setVersion(c.version);
  auto crl = crlHex(c);
  setCrl(crl);
  protocol_->broadcastVersion(loop_.now(), neighbourPrefixes(dump()));
  peerDriver_->flush();
  if (crl.count(s_.certs->cert().serialHex())) {
    requestExit(NodeExit::kReexec, "our certificate has just been revoked; let's try to renew it");
    return;
  }
  if (needsRestart(changed, tunnelManager) || int(peer::kProtocol) < c.min_protocol) {
    // Wait at least 1 second so the new version reaches the neighbours first.
    restartTimer_.start(seconds(1 + delayRestart), [this] {
      requestExit(NodeExit::kReexec, "restart with new network parameters");
    });
  }
  pump();
}

void Node::setCrl(const std::set<std::string>& crl) {
  creds_->revoked = crl;
  protocol_->setCrl(crl);
  manager_->setCrl(crl);
  // Incoming tunnels of revoked peers (re6stnet restarts its OpenVPN servers for this).
  for (auto& t : transports_)
    for (const auto& info : t.t->tunnels())
      if (info.up && crl.count(info.peerSerial)) t.t->close(info.id, "revoked");
}

void Node::askBootstrap() {
  if (bootstrapPending_) return;
  bootstrapPending_ = true;
  LOG_INFO("getting boot peer...");
  registry_->call("getBootstrapPeer", {{"cn", s_.prefix}}, [this](Result<Bytes> body) {
    bootstrapPending_ = false;
    if (stopped_ || !manager_) return;
    std::optional<peer::CachedPeer> peer;
    Result<Bytes> plain = body ? s_.certs->key().decrypt(*body) : Result<Bytes>(body.error());
    if (plain) {
      std::string text(plain->begin(), plain->end());
      auto sp = text.find(' ');
      std::string prefix = text.substr(0, sp);
      std::string address = sp == std::string::npos ? "" : text.substr(sp + 1);
      while (!address.empty() && (address.back() == '\n' || address.back() == ' ')) address.pop_back();
      if (prefix == s_.prefix) LOG_WARNING("buggy registry sent us our own address");
      // A prefix must leave the node's address inside 128 bits (nodeIp), whatever the
      // registry (or something on its path) sends.
      else if (isBitString(prefix) && !prefix.empty() && s_.network.size() + prefix.size() < 128 &&
               !address.empty())
        peer = peer::CachedPeer{prefix, address};
      else LOG_WARNING("failed to bootstrap (malformed answer)");
    } else {
      LOG_WARNING("failed to bootstrap (" + plain.error().message + ")");
    }
    if (peer) peerCache_->addPeer(peer->prefix, peer->address, false);
    manager_->bootstrapPeer(loop_.now(), peer);
    pump();
  });
}

// x509.py: the node's own peer entry expires at the renewal date, which makes re6stnet
// re-exec; the start phase then renews the certificate or the CA.
void Node::checkRenew() {
  if (!s_.nextRenew) return;
  int64_t left = s_.nextRenew - int64_t(std::time(nullptr));
  if (left <= 0) {
    requestExit(NodeExit::kReexec, "restart to renew certificate");
    return;
  }
  // Re-check at most daily (a timer months ahead would drift from wall time).
  renewTimer_.start(seconds(std::min<int64_t>(left, 86400)), [this] { checkRenew(); });
}

}  // namespace re6st::node
