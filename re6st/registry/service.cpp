#include "re6st/registry/service.h"

#include <algorithm>

#include "re6st/base/log.h"
#include "re6st/base/prefix.h"
#include "re6st/registry/control_query.h"
#include "re6st/registry/netconfig.h"
#include "re6st/registry/node_query.h"

namespace re6st::registry {

// A request answered once the registry node replied (or stayed silent for node_timeout).
struct Service::Pending {
  NodeWork work;
  http::Responder responder;
  loop::Timer timer;
  std::unique_ptr<ControlQuery> control;  // asking the node's routes first
  std::optional<NodeQuery> query;         // then the UDP conversation
  bool done = false;
  Pending(loop::Loop& l, NodeWork w, http::Responder r)
      : work(std::move(w)), responder(std::move(r)), timer(l) {}
};

Service::Service(loop::Loop& loop, Api& api, ServiceOptions options, Clock& clock)
    : loop_(loop),
      api_(api),
      options_(std::move(options)),
      clock_(clock),
      server_(loop, [this](http::Request q, const loop::SockAddr& peer,
                           http::Responder r) { onRequest(std::move(q), peer, std::move(r)); }),
      udp_(loop),
      cleanup_(loop),
      reaper_(loop) {
  if (options_.mailhost)
    mailer_ =
        std::make_unique<Mailer>(loop, *options_.mailhost, options_.smtp, options_.smtp_ca_file);
}

Service::~Service() { close(); }

void Service::close() {
  server_.close();
  pending_.clear();
  cleanup_.stop();
}

int64_t Service::nowUs() const {
  auto d = std::chrono::system_clock::now().time_since_epoch();
  int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  // The injected clock gives whole seconds; keep sub-second precision when it agrees.
  int64_t s = clock_.wallSeconds();
  return us / 1000000 == s ? us : s * 1000000;
}

Status Service::start() {
  // An unbound IPv6 socket in re6st-registry; bound to an ephemeral port here.
  RE6ST_TRY(udp_.bind(loop::SockAddr::anyV6(0)));
  RE6ST_TRY(udp_.start([this](const loop::Datagram& d) { onDatagram(d); }));
  for (auto& a : options_.listen) {
    auto s = server_.listen(a);
    if (!s) return s.error().wrap("listen on " + a.str());
  }
  scheduleCleanup();
  return {};
}

void Service::scheduleCleanup() {
  auto next = api_.cleanup(clock_.wallSeconds());
  if (!next) {
    LOG_ERROR("cleanup: " + next.error().message);
    cleanup_.start(seconds(60), [this] { scheduleCleanup(); });
    return;
  }
  // Also re-run hourly so tokens and certificates issued later are covered.
  int64_t wait = *next ? std::clamp<int64_t>(*next - clock_.wallSeconds(), 1, 3600) : 3600;
  cleanup_.start(seconds(wait), [this] { scheduleCleanup(); });
}

void Service::reply(http::Responder& r, const ApiResponse& a) {
  http::Response resp;
  if (a.status >= 400) {
    resp = http::Response::error(a.status);
  } else {
    resp.status = a.status;
    resp.body = a.body;
  }
  if (a.hmac) resp.headers.add("Re6stHMAC", *a.hmac);
  r.respond(std::move(resp));
}

void Service::onRequest(http::Request request, const loop::SockAddr& peer,
                        http::Responder responder) {
  if (request.method != "GET") {  // BaseHTTPRequestHandler has only do_GET
    responder.respond(http::Response::error(501));
    return;
  }
  ApiRequest q;
  q.target = request.target;
  q.peer_ip = peer.host();
  if (request.headers.has("X-Forwarded-For"))
    q.forwarded_for = request.headers.joined("X-Forwarded-For");
  if (auto* h = request.headers.find("Host")) q.host = *h;
  if (auto* h = request.headers.find("Re6stHMAC")) q.hmac = *h;
  q.now_us = nowUs();
  Outcome o = api_.handle(q);
  if (o.notify_node) notifyNode();
  if (o.mail && mailer_) {
    auto msg = tokenMail(api_.caEmail(), o.mail->to, o.mail->token);
    auto shared = std::make_shared<http::Responder>(std::move(responder));
    mailer_->send(msg, q.now_us / 1000000, [shared, to = o.mail->to](Status s) {
      if (!s.ok()) LOG_ERROR("token mail to " + to + ": " + s.error().message);
      shared->respond(s.ok() ? http::Response{204, "", {}, {}} : http::Response::error(500));
    });
    return;
  }
  if (o.node) return startNodeWork(*o.node, std::move(responder));
  reply(responder, o.response);
}

void Service::sendToNode(const std::string& prefix, uint8_t code) {
  auto s = udp_.send(options_.node, encodeNodeMessage({prefix, code}));
  if (!s) LOG_DEBUG("registry node: " + s.error().message);
}

void Service::notifyNode() {
  if (!api_.registryPrefix().empty()) sendToNode(api_.registryPrefix(), 0);
}

void Service::startNodeWork(const NodeWork& w, http::Responder responder) {
  auto p = std::make_unique<Pending>(loop_, w, std::move(responder));
  Pending& raw = *p;
  pending_.push_back(std::move(p));
  // topology walks from the registry node alone; getBootstrapPeer reads routes only when
  // its candidate list is stale (registry.py: 60 s); the others always read them.
  bool routes =
      w.kind == NodeWork::kVersions || w.kind == NodeWork::kIpv4Info ||
      (w.kind == NodeWork::kBootstrapPeer && api_.bootstrapPeersStale(clock_.wallSeconds()));
  if (routes && !options_.control_socket.empty())
    askRoutes(raw);
  else
    startQuery(raw, routes ? std::optional(std::vector<std::string>()) : std::nullopt);
}

void Service::askRoutes(Pending& p) {
  p.control = std::make_unique<ControlQuery>(loop_);
  p.control->ask(options_.control_socket, {{"cmd", "status"}}, options_.control_timeout,
                 [this, raw = &p](Result<nlohmann::json> r) {
                   std::vector<std::string> routed;
                   if (r && !r->contains("error"))
                     routed = routedPrefixes(*r, api_.networkBits());
                   else  // like re6st-registry without babeld: no neighbour, no route
                     LOG_DEBUG("registry node routes: " +
                               (r ? r->value("error", std::string("?")) : r.error().message));
                   startQuery(*raw, routed);
                 });
}

void Service::startQuery(Pending& p, const std::optional<std::vector<std::string>>& routes) {
  std::vector<std::string> targets;
  NodeQuery::Kind kind = NodeQuery::kAddress;
  switch (p.work.kind) {
    case NodeWork::kBootstrapPeer:
      p.work.peer = api_.bootstrapPeer(p.work.cn, clock_.wallSeconds(), routes);
      targets = {p.work.peer};
      break;
    case NodeWork::kIpv4Info:
      // registry.py getIPv4Information: only a node routed through a neighbour is asked.
      if (!routes || !std::binary_search(routes->begin(), routes->end(), p.work.peer)) {
        p.query.emplace(kind, std::vector<std::string>());
        return finishPending(p);
      }
      targets = {p.work.peer};
      break;
    case NodeWork::kVersions:
      kind = NodeQuery::kVersions;
      targets = routes.value_or(std::vector<std::string>());
      targets.push_back(api_.registryPrefix());
      break;
    case NodeWork::kTopology:
      kind = NodeQuery::kTopology;
      targets = {api_.registryPrefix()};
      break;
  }
  p.query.emplace(kind, std::move(targets));
  for (auto& m : p.query->start()) sendToNode(m.prefix, m.code);
  armSilence(p);
}

// registry.py waits until 3 s pass without an answer (one address: 3 s in all).
void Service::armSilence(Pending& p) {
  p.timer.start(options_.node_timeout, [this, raw = &p] { finishPending(*raw); });
}

void Service::onDatagram(const loop::Datagram& d) {
  // Only our node answers: from [::1] (or the configured node address).
  if (d.from.host() != options_.node.host() || d.from.port() != options_.node.port()) return;
  auto answer = parseNodeAnswer(d.data);
  if (!answer) return;
  for (auto& p : pending_) {
    if (p->done || !p->query) continue;
    auto step = p->query->onAnswer(*answer);
    if (!step.accepted) continue;
    for (auto& m : step.send) sendToNode(m.prefix, m.code);
    if (p->query->done())
      finishPending(*p);
    else
      armSilence(*p);
    return;
  }
}

void Service::finishPending(Pending& p) {
  if (p.done) return;
  p.done = true;
  p.timer.stop();
  ApiResponse r;
  switch (p.work.kind) {
    case NodeWork::kBootstrapPeer:
      r = api_.finishBootstrap(p.work, p.query->address());
      break;
    case NodeWork::kIpv4Info:
      r = api_.finishIpv4(p.work, p.query->address());
      break;
    case NodeWork::kVersions:
    case NodeWork::kTopology:
      r = api_.finishJson(p.work, p.query->resultJson());
      break;
  }
  reply(p.responder, r);
  // Destroy on the next loop turn: we may be inside this Pending's timer callback.
  reaper_.start(Duration(0), [this] { pending_.remove_if([](auto& x) { return x->done; }); });
}

}  // namespace re6st::registry
