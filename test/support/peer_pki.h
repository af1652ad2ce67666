// Test PKI and wire for peer protocol tests: a network CA (2001:db8:42::/48), node
// identities signed by it (RSA 1024 to keep tests fast; keys cached per process), signed
// network versions, and a Wire that carries SendTo actions between Protocol cores.
// Header-only.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "re6st/crypto/ca.h"
#include "re6st/crypto/pk.h"
#include "re6st/peer/protocol.h"

namespace re6st::testing {

constexpr int64_t kPeerWallNow = 1'750'000'000;  // Unix seconds the tests run "at"

inline crypto::PrivateKey peerTestKey(int which) {
  static std::map<int, std::string> pems;
  auto it = pems.find(which);
  if (it == pems.end()) {
    auto k = crypto::PrivateKey::generateRsa(1024);
    if (!k) throw std::runtime_error(k.error().message);
    it = pems.emplace(which, *k->pem()).first;
  }
  return std::move(crypto::PrivateKey::parsePem(it->second).value());
}

struct PeerCa {
  crypto::PrivateKey key;
  crypto::Certificate cert;

  // keyIndex selects the CA key: a different index gives an unrelated CA.
  explicit PeerCa(int keyIndex = 100, uint64_t serial = 0x120010db80042ULL)
      : key(peerTestKey(keyIndex)), cert(make(key, serial)) {}

  static crypto::Certificate make(const crypto::PrivateKey& key, uint64_t serial) {
    crypto::CertSpec spec;
    spec.subject = {{"CN", "peer test ca"}};
    spec.serial = crypto::serialFromU128(serial);
    spec.not_before = kPeerWallNow - 86400 * 365;
    spec.not_after = kPeerWallNow + 86400 * 365;
    auto c = crypto::createCaCertificate(key, spec);
    if (!c) throw std::runtime_error(c.error().message);
    return std::move(*c);
  }

  // Identity of node n (prefix = n on 16 bits, CN "n/16"), certificate serial n.
  peer::Identity node(unsigned n, int64_t notAfter = kPeerWallNow + 86400) const {
    crypto::PrivateKey k = peerTestKey(int(n));
    crypto::CertSpec spec;
    spec.subject = {{"CN", std::to_string(n) + "/16"}, {"serialNumber", "1"}};
    spec.serial = crypto::serialFromU128(n);
    spec.not_before = kPeerWallNow - 86400;
    spec.not_after = notAfter;
    auto c = crypto::issueCertificate(cert, key, *k.publicKey(), spec);
    if (!c) throw std::runtime_error(c.error().message);
    return peer::Identity{cert.clone(), std::move(*c), std::move(k)};
  }

  // A network version as the registry signs it: packInteger(n) || RSA-SHA512 signature.
  Bytes version(uint64_t n) const {
    Bytes v = packInteger(n);
    Bytes sig = key.signSha512(v).value();
    v.insert(v.end(), sig.begin(), sig.end());
    return v;
  }
};

// The node IP of prefix bits in the test network (what a peer's datagrams come from).
inline peer::Endpoint nodeEndpoint(const std::string& network, const std::string& prefix) {
  peer::Endpoint e;
  e.ip = nodeIp(network, prefix).value();
  return e;
}

// Carries datagrams between cores; anything to ::1 lands in `local`.
struct Wire {
  std::map<std::string, peer::Protocol*> nodes;  // by prefix
  std::vector<peer::ProtocolAction> other;       // Deliver / NewVersion, in order
  std::vector<std::pair<std::string, Bytes>> local;  // (node prefix, datagram to ::1)
  std::vector<std::pair<std::string, Bytes>> sent;   // every datagram (from prefix, bytes)
  size_t delivered = 0;

  void add(peer::Protocol& p) { nodes[p.prefix()] = &p; }

  // Runs until no core has anything to send.
  void run(Time now) {
    for (bool busy = true; busy;) {
      busy = false;
      for (auto& [prefix, p] : nodes) {
        while (auto a = p->pollAction()) {
          busy = true;
          if (auto* s = std::get_if<peer::SendTo>(&*a)) {
            sent.emplace_back(prefix, s->data);
            route(now, prefix, *s);
          } else {
            other.push_back(std::move(*a));
          }
        }
      }
    }
  }

  void route(Time now, const std::string& from, const peer::SendTo& s) {
    if (s.to.ip == peer::kLoopback) {
      local.emplace_back(from, s.data);
      return;
    }
    for (auto& [prefix, p] : nodes) {
      if (peer::peerEndpoint(p->network(), prefix) == s.to ||
          nodeEndpoint(p->network(), prefix) == s.to) {
        ++delivered;
        p->handle(now, nodeEndpoint(p->network(), from), s.data);
      }
    }
  }

  template <class T>
  std::vector<T> take() {
    std::vector<T> out;
    std::vector<peer::ProtocolAction> rest;
    for (auto& a : other) {
      if (auto* x = std::get_if<T>(&a))
        out.push_back(*x);
      else
        rest.push_back(std::move(a));
    }
    other = std::move(rest);
    return out;
  }
};

}  // namespace re6st::testing
