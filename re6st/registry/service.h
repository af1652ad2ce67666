// The registry driver: HTTP server (IPv4 + IPv6 listeners) feeding the Api core, the
// mailer for token mails, the UDP link to the registry's own node ([::1]:326,
// REGISTRY-PROTOCOL.md §12) and the cleanup timer. Owns no protocol logic: every
// decision is the Api's. Loop thread only.
#pragma once

#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "re6st/base/clock.h"
#include "re6st/http/server.h"
#include "re6st/loop/loop.h"
#include "re6st/loop/udp.h"
#include "re6st/registry/api.h"
#include "re6st/registry/mailer.h"

namespace re6st::registry {

struct ServiceOptions {
  std::vector<loop::SockAddr> listen;  // -4/-6 with --port
  std::optional<std::string> mailhost;
  SmtpConfig smtp;
  std::string smtp_ca_file = "/etc/ssl/certs/ca-certificates.crt";
  loop::SockAddr node = loop::SockAddr::parse("::1", 326).value();
  Duration node_timeout = seconds(3);
  // The registry node's control socket (-r/--run + "/re6st.sock"): its routes name the
  // candidates of getBootstrapPeer, getIPv4Information and versions. Empty: no routes.
  std::string control_socket;
  Duration control_timeout = seconds(5);  // registry.py request_dump gives babeld 5 s
};

class Service {
 public:
  Service(loop::Loop& loop, Api& api, ServiceOptions options, Clock& clock);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  Status start();
  std::vector<loop::SockAddr> localAddresses() const { return server_.localAddresses(); }
  void close();

 private:
  struct Pending;  // a request waiting for the registry node (service.cpp)

  void onRequest(http::Request request, const loop::SockAddr& peer, http::Responder responder);
  void reply(http::Responder& r, const ApiResponse& a);
  void notifyNode();
  void startNodeWork(const NodeWork& w, http::Responder responder);
  void askRoutes(Pending& p);
  void startQuery(Pending& p, const std::optional<std::vector<std::string>>& routes);
  void armSilence(Pending& p);
  void onDatagram(const loop::Datagram& d);
  void finishPending(Pending& p);
  void sendToNode(const std::string& prefix, uint8_t code);
  void scheduleCleanup();
  int64_t nowUs() const;

  loop::Loop& loop_;
  Api& api_;
  ServiceOptions options_;
  Clock& clock_;
  http::Server server_;
  std::unique_ptr<Mailer> mailer_;
  loop::Udp udp_;
  loop::Timer cleanup_;
  loop::Timer reaper_;
  std::list<std::unique_ptr<Pending>> pending_;
};

}  // namespace re6st::registry
