// Two cores composed as a node composes them, for tests: the tunnel manager's SendPeer
// goes through the peer protocol, whose Deliver comes back to the manager; a Wire carries
// the datagrams between nodes. Header-only.
#pragma once

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "peer_manager_harness.h"
#include "peer_pki.h"

namespace re6st::testing {

struct CoreNode {
  SeededRandom random;
  peer::MemoryPeerCache cache;
  std::unique_ptr<peer::Protocol> proto;
  std::unique_ptr<tunnel::Manager> manager;
  std::vector<tunnel::Action> actions;  // manager actions other than SendPeer

  // now: the owner's clock, read when the manager asks whether a session is up.
  CoreNode(const PeerCa& ca, unsigned n, const Time& now, const std::string& addresses,
           unsigned clients)
      : random(n), cache(nodePrefix(n), random) {
    peer::ProtocolConfig pc;
    pc.registryPrefix = nodePrefix(1);
    pc.addresses = addresses;
    pc.version = ca.version(1);
    proto = std::move(
        peer::Protocol::create(ca.node(n), pc, random, now, kPeerWallNow * 1'000'000).value());
    tunnel::Config c;
    c.prefix = nodePrefix(n);
    c.registryPrefix = nodePrefix(1);
    c.clientCount = clients;
    c.timeout = seconds(20);
    manager = std::make_unique<tunnel::Manager>(
        c,
        tunnel::Deps{cache, random,
                     [this, &now](const std::string& p) { return proto->connected(now, p); }},
        now);
  }
};

struct Pair {
  PeerCa ca;
  Time now = Time() + seconds(100);
  std::map<unsigned, std::unique_ptr<CoreNode>> nodes;
  Wire wire;

  CoreNode& add(unsigned n, unsigned clients = 3) {
    auto& node = nodes[n] = std::make_unique<CoreNode>(
        ca, n, now, "198.18.0." + std::to_string(n) + ",1194,udp", clients);
    wire.add(*node->proto);
    return *node;
  }

  // Moves messages between the cores of every node until all are quiet.
  void pump() {
    for (int round = 0; round < 50; ++round) {
      bool busy = false;
      for (auto& [n, node] : nodes) {
        while (auto a = node->manager->pollAction()) {
          busy = true;
          if (auto* s = std::get_if<tunnel::SendPeer>(&*a)) {
            std::optional<ByteSpan> payload;
            if (s->payload) payload = ByteSpan(*s->payload);
            node->proto->send(now, s->prefix, payload);
          } else {
            node->actions.push_back(std::move(*a));
          }
        }
      }
      for (auto& [n, node] : nodes) {
        while (auto a = node->proto->pollAction()) {
          busy = true;
          if (auto* send = std::get_if<peer::SendTo>(&*a))
            wire.route(now, node->proto->prefix(), *send);
          else if (auto* d = std::get_if<peer::Deliver>(&*a))
            node->manager->peerMessage(now, d->prefix, d->code, d->data);
        }
      }
      if (!busy) return;
    }
  }

  // Every manager's timer runs; n gets `dump` as its routing view.
  std::vector<tunnel::Action> tick(CoreNode& n, const tunnel::RoutingDump& dump,
                                   Duration d = seconds(5)) {
    now += d;
    for (auto& [k, node] : nodes) node->manager->handleTimeout(now);
    n.manager->handleDump(now, dump);
    pump();
    return std::exchange(n.actions, {});
  }
};

}  // namespace re6st::testing
