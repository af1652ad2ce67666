// HTTP/1.1 server on re6st/loop: IPv4 and IPv6 listeners, keep-alive and pipelining (one
// request handled at a time per connection, answers in order), idle, slow-client and
// slow-reader timeouts, and asynchronous handlers that answer through a Responder.
// Framing is the sans-I/O RequestParser; this file is the driver. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "re6st/base/clock.h"
#include "re6st/http/message.h"
#include "re6st/http/parser.h"
#include "re6st/loop/loop.h"
#include "re6st/loop/sock_addr.h"
#include "re6st/loop/tcp.h"

namespace re6st::http {

struct ServerOptions {
  Limits limits;
  Duration idleTimeout = seconds(60);      // keep-alive connection with no request started
  Duration requestTimeout = seconds(15);   // first byte of a request → its last byte (slowloris)
  Duration handlerTimeout = seconds(120);  // handler never answers → 503 and close
  Duration writeTimeout = seconds(30);     // client not reading our responses
  size_t maxConnections = 4096;            // more are accepted and closed at once
  size_t maxBufferedBytes = 64 * 1024;     // pipelined input held while a handler runs
  size_t maxPendingWrite = 1 << 20;        // unsent response bytes before we stop reading
  std::string serverName = "re6st";        // "Server" header; empty: none
};

class Connection;

// The one-shot answer to one request. Move-only. respond() may be called at once or later
// (after a database or network round trip); if the connection has gone meanwhile it does
// nothing. Destroying a Responder that never answered sends 500, so no connection sticks.
class Responder {
 public:
  Responder() = default;
  Responder(std::weak_ptr<Connection> c, uint64_t seq) : conn_(std::move(c)), seq_(seq) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&& o) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void respond(Response response);
  // False once answered or when the client went away (a handler may skip slow work).
  bool pending() const;

 private:
  std::weak_ptr<Connection> conn_;
  uint64_t seq_ = 0;
};

// handler(request, TCP peer address, responder). X-Forwarded-For is left to the handler
// (see clientAddress / originAuthorized below).
using Handler = std::function<void(Request request, const loop::SockAddr& peer, Responder)>;

class Server {
 public:
  Server(loop::Loop& loop, Handler handler, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Adds a listener. An IPv6 address gets IPV6_V6ONLY so "::" and "0.0.0.0" can share a
  // port, as re6st-registry binds them. Port 0 picks a free port (see localAddresses()).
  Status listen(const loop::SockAddr& local);
  std::vector<loop::SockAddr> localAddresses() const;
  size_t connectionCount() const { return connections_.size(); }
  // Stops accepting; open connections finish normally.
  void stopListening() { listeners_.clear(); }
  // Stops accepting and closes every connection (pending responders become no-ops).
  void close();

  struct Stats {
    uint64_t accepted = 0, requests = 0, errors = 0, timeouts = 0, rejected = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  friend class Connection;
  void accept(std::unique_ptr<loop::TcpStream> stream);
  void retire(uint64_t id);  // connection closed: destroyed on the next loop turn

  loop::Loop& loop_;
  Handler handler_;
  ServerOptions options_;
  std::vector<std::unique_ptr<loop::TcpListener>> listeners_;
  std::map<uint64_t, std::shared_ptr<Connection>> connections_;
  std::vector<std::shared_ptr<Connection>> retired_;
  loop::Timer reaper_;
  uint64_t nextId_ = 1;
  Stats stats_;
};

// re6st-registry's view of the client (re6st/registry.py handle_request): the
// X-Forwarded-For header, else the Host header, first comma-separated element, trimmed.
std::string forwardedClient(const Request& request);

// re6st-registry's check for private RPCs: the TCP peer address is in `authorized` and,
// when X-Forwarded-For is present and non-empty, its whole value is in `authorized` too.
bool originAuthorized(const loop::SockAddr& peer, const Request& request,
                      const std::vector<std::string>& authorized);

}  // namespace re6st::http
