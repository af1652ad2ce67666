#include "re6st/peer/driver.h"

#include "re6st/base/log.h"

namespace re6st::peer {

Driver::Driver(loop::Loop& loop, Protocol& core, Handlers handlers)
    : loop_(loop), core_(core), handlers_(std::move(handlers)), udp_(loop), timer_(loop) {}

Driver::~Driver() = default;

Status Driver::start(const loop::SockAddr& local) {
  RE6ST_TRY(udp_.bind(local));
  RE6ST_TRY(udp_.start([this](const loop::Datagram& d) { onDatagram(d); }));
  flush();
  return {};
}

void Driver::onDatagram(const loop::Datagram& d) {
  if (!d.from.isV6()) return;  // the peer protocol runs between overlay (IPv6) addresses
  ++received_;
  core_.handle(loop_.now(), Endpoint{d.from.ipv6(), d.from.port()}, d.data);
  flush();
}

bool Driver::send(const std::string& prefix, std::optional<ByteSpan> payload) {
  bool sent = core_.send(loop_.now(), prefix, payload);
  flush();
  return sent;
}

void Driver::flush() {
  while (auto a = core_.pollAction()) {
    if (auto* s = std::get_if<SendTo>(&*a)) {
      auto to = loop::SockAddr::fromIpv6(s->to.ip, s->to.port);
      if (auto r = udp_.send(to, s->data); !r) {
        // tunnel.py: an unreachable network is normal while routes converge.
        ++sendErrors_;
        LOG_DEBUG("Failed to send message to " + to.str() + " (" + r.error().message + ")");
      }
    } else if (auto* d = std::get_if<Deliver>(&*a)) {
      if (handlers_.deliver) handlers_.deliver(*d);
    } else if (auto* v = std::get_if<NewVersion>(&*a)) {
      if (handlers_.newVersion) handlers_.newVersion(*v);
    }
  }
  Time next = core_.nextTimeout();
  if (next == Time::max()) {
    timer_.stop();
    return;
  }
  timer_.startAt(next, [this] {
    core_.handleTimeout(loop_.now());
    flush();
  });
}

}  // namespace re6st::peer
