#include "re6st/registry/service.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "re6st/base/log.h"
#include "re6st/base/prefix.h"
#include "re6st/registry/netconfig.h"

namespace re6st::registry {

// A request answered once the registry node replied (or stayed silent for node_timeout).
struct Service::Pending {
  NodeWork work;
  http::Responder responder;
  loop::Timer timer;
  uint8_t code = 1;
  std::set<std::string> waiting;                              // prefixes asked, not answered
  std::map<std::string, std::optional<std::string>> versions;  // kVersions
  std::map<std::string, std::set<std::string>> graph;          // kTopology, by CN
  std::deque<std::string> queue;                               // kTopology: CNs to ask
  bool done = false;
  Pending(loop::Loop& l, NodeWork w, http::Responder r) : work(std::move(w)), responder(std::move(r)), timer(l) {}
};

Service::Service(loop::Loop& loop, Api& api, ServiceOptions options, Clock& clock)
    : loop_(loop),
      api_(api),
      options_(std::move(options)),
      clock_(clock),
      server_(loop, [this](http::Request q, const loop::SockAddr& peer, http::Responder r) {
        onRequest(std::move(q), peer, std::move(r));
      }),
      udp_(loop),
      cleanup_(loop),
      reaper_(loop) {
  if (options_.mailhost)
    mailer_ = std::make_unique<Mailer>(loop, *options_.mailhost, options_.smtp, options_.smtp_ca_file);
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

void Service::onRequest(http::Request request, const loop::SockAddr& peer, http::Responder responder) {
  if (request.method != "GET") {  // BaseHTTPRequestHandler has only do_GET
    responder.respond(http::Response::error(501));
    return;
  }
  ApiRequest q;
  q.target = request.target;
  q.peer_ip = peer.host();
  if (request.headers.has("X-Forwarded-For")) q.forwarded_for = request.headers.joined("X-Forwarded-For");
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
  // §12: "<prefix bits>\0<code>".
  Bytes msg = toBytes(prefix);
  msg.push_back(0);
  msg.push_back(code);
  auto s = udp_.send(options_.node, msg);
  if (!s) LOG_DEBUG("registry node: " + s.error().message);
}

void Service::notifyNode() {
  if (!api_.registryPrefix().empty()) sendToNode(api_.registryPrefix(), 0);
}

void Service::startNodeWork(const NodeWork& w, http::Responder responder) {
  auto p = std::make_unique<Pending>(loop_, w, std::move(responder));
  Pending* raw = p.get();
  pending_.push_back(std::move(p));
  switch (w.kind) {
    case NodeWork::kBootstrapPeer:
    case NodeWork::kIpv4Info:
      raw->code = 1;
      break;
    case NodeWork::kVersions:
      raw->code = 4;
      raw->versions[w.peer] = std::nullopt;
      break;
    case NodeWork::kTopology:
      raw->code = 5;
      break;
  }
  raw->waiting.insert(w.peer);
  sendToNode(w.peer, raw->code);
  raw->timer.start(options_.node_timeout, [this, raw] { finishPending(*raw, std::nullopt); });
}

namespace {
std::string versionsJson(const std::map<std::string, std::optional<std::string>>& v) {
  JsonItems items;
  for (auto& [k, x] : v) items.push_back({k, x ? jsonString(*x) : "null"});
  return jsonObject(items, false);
}
std::string topologyJson(const std::map<std::string, std::set<std::string>>& g) {
  JsonItems items;
  for (auto& [k, s] : g) {
    std::string list = "[";
    for (auto& x : s) list += (list.size() > 1 ? ", " : "") + jsonString(x);
    items.push_back({k, list + "]"});
  }
  return jsonObject(items, false);
}

// Topology reply "N a/l a/l ...": the first N are the peer's tunnels, the rest its
// incoming peers (re6st/registry.py topology()). Returns the CNs to ask next.
std::vector<std::string> addTopology(std::map<std::string, std::set<std::string>>& graph, const std::string& from,
                                     const std::string& payload) {
  std::vector<std::string> words;
  size_t pos = 0;
  while (pos < payload.size()) {
    size_t b = payload.find_first_not_of(" \t\n", pos);
    if (b == std::string::npos) break;
    size_t e = payload.find_first_of(" \t\n", b);
    words.push_back(payload.substr(b, e == std::string::npos ? std::string::npos : e - b));
    pos = e == std::string::npos ? payload.size() : e;
  }
  if (words.empty() || words[0].size() > 6 || words[0].find_first_not_of("0123456789") != std::string::npos)
    return {};
  size_t n = size_t(std::stoul(words[0]));
  words.erase(words.begin());
  if (n > words.size() || std::find(words.begin(), words.end(), from) != words.end()) return {};
  std::vector<std::string> next;
  for (size_t i = 0; i < words.size(); ++i) {
    if (!bitsFromCn(words[i])) continue;
    if (!graph.count(words[i])) next.push_back(words[i]);
    if (i < n) graph[from].insert(words[i]);
    else graph[words[i]].insert(from);
  }
  graph[from];
  graph[""].insert(from);
  return next;
}
}  // namespace

void Service::onDatagram(const loop::Datagram& d) {
  // Only our node answers: from [::1] (or the configured node address).
  if (d.from.host() != options_.node.host() || d.from.port() != options_.node.port()) return;
  std::string s = asString(d.data);
  size_t nul = s.find('\0');
  if (nul == std::string::npos || nul + 1 >= s.size()) return;
  std::string prefix = s.substr(0, nul), payload = s.substr(nul + 2);
  uint8_t code = uint8_t(s[nul + 1]);
  if (!isBitString(prefix) || prefix.size() > 128) return;
  for (auto& p : pending_) {
    if (p->done || p->code != code || !p->waiting.count(prefix)) continue;
    p->waiting.erase(prefix);
    if (p->work.kind == NodeWork::kVersions) {
      p->versions[prefix] = payload;
      if (p->waiting.empty()) finishPending(*p, std::nullopt);
    } else if (p->work.kind == NodeWork::kTopology) {
      for (auto& cn : addTopology(p->graph, cnFromBits(prefix), payload)) {
        auto bits = bitsFromCn(cn);
        if (bits && !p->waiting.count(*bits)) {
          p->waiting.insert(*bits);
          sendToNode(*bits, 5);
        }
      }
      // Keep listening while answers come (3 s after the last one, like re6st-registry).
      Pending* raw = p.get();
      p->timer.start(options_.node_timeout, [this, raw] { finishPending(*raw, std::nullopt); });
    } else {
      finishPending(*p, payload);
    }
    return;
  }
}

void Service::finishPending(Pending& p, const std::optional<std::string>& payload) {
  if (p.done) return;
  p.done = true;
  p.timer.stop();
  ApiResponse r;
  switch (p.work.kind) {
    case NodeWork::kBootstrapPeer: r = api_.finishBootstrap(p.work, payload); break;
    case NodeWork::kIpv4Info: r = api_.finishIpv4(p.work, payload); break;
    case NodeWork::kVersions: r = api_.finishJson(p.work, versionsJson(p.versions)); break;
    case NodeWork::kTopology: r = api_.finishJson(p.work, topologyJson(p.graph)); break;
  }
  reply(p.responder, r);
  // Destroy on the next loop turn: we may be inside this Pending's timer callback.
  reaper_.start(Duration(0), [this] { pending_.remove_if([](auto& x) { return x->done; }); });
}

}  // namespace re6st::registry
