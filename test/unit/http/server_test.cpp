// The HTTP server on real loopback sockets: keep-alive, pipelining in order, async
// responders, X-Forwarded-For rules, limits, timeouts and hostile input.
#include "re6st/http/server.h"

#include <catch2/catch.hpp>
#include <deque>
#include <stdexcept>

#include "http_raw.h"

using namespace re6st;
using namespace re6st::http;
using re6st::test::RawClient;
using re6st::test::runUntil;

namespace {

// A server on 127.0.0.1 and ::1 (ephemeral ports) answering "<method> <target>".
struct Fixture {
  loop::Loop loop;
  ServerOptions options;
  std::deque<Responder> parked;  // requests to /async wait here
  std::vector<std::string> peers;
  std::unique_ptr<Server> server;

  explicit Fixture(ServerOptions o = {}) : options(o) {
    server = std::make_unique<Server>(
        loop,
        [this](Request r, const loop::SockAddr& peer, Responder resp) {
          peers.push_back(peer.host());
          if (r.path == "/async") {
            parked.push_back(std::move(resp));
            return;
          }
          if (r.path == "/drop") return;  // Responder destroyed unanswered → 500
          if (r.path == "/throw") throw std::runtime_error("handler bug");
          if (r.path == "/xff") {
            resp.respond(Response::text(200, forwardedClient(r)));
            return;
          }
          resp.respond(Response::text(200, r.method + " " + r.target + " " + asString(r.body)));
        },
        options);
    REQUIRE(server->listen(*loop::SockAddr::parse("127.0.0.1", 0)).ok());
    REQUIRE(server->listen(*loop::SockAddr::parse("::1", 0)).ok());
  }
  loop::SockAddr v4() const { return server->localAddresses().at(0); }
  loop::SockAddr v6() const { return server->localAddresses().at(1); }
};

}  // namespace

TEST_CASE("server answers on IPv4 and IPv6 and keeps the connection alive", "[http][server]") {
  Fixture f;
  for (auto addr : {f.v4(), f.v6()}) {
    RawClient c(f.loop);
    c.connect(addr);
    c.send("GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(runUntil(f.loop, [&] { return c.count("GET /a?x=1") == 1; }));
    c.send("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(runUntil(f.loop, [&] { return c.count("GET /b") == 1; }));
    CHECK(c.count("HTTP/1.1 200 OK\r\n") == 2);
    CHECK(c.count("Server: re6st\r\n") == 2);
    CHECK_FALSE(c.closed);
  }
  CHECK(f.peers.at(0) == "127.0.0.1");
  CHECK(f.peers.back() == "::1");
}

TEST_CASE("pipelined requests are answered in order even when the first is async",
          "[http][server]") {
  Fixture f;
  RawClient c(f.loop);
  c.connect(f.v4());
  c.send("GET /async HTTP/1.1\r\n\r\nGET /second HTTP/1.1\r\n\r\nGET /third HTTP/1.1\r\n\r\n");
  REQUIRE(runUntil(f.loop, [&] { return f.parked.size() == 1; }));
  // The second request waits behind the pending one.
  runUntil(
      f.loop, [] { return false; }, milliseconds(50));
  CHECK(c.received.empty());
  CHECK(f.parked.front().pending());
  f.parked.front().respond(Response::text(200, "first"));
  CHECK_FALSE(f.parked.front().pending());
  REQUIRE(runUntil(f.loop, [&] { return c.count("GET /third") == 1; }));
  size_t a = c.received.find("first"), b = c.received.find("/second"),
         d = c.received.find("/third");
  CHECK(a < b);
  CHECK(b < d);
}

TEST_CASE("a dropped responder answers 500; responding after the client left is harmless",
          "[http][server]") {
  Fixture f;
  RawClient c(f.loop);
  c.connect(f.v4());
  c.send("GET /drop HTTP/1.1\r\n\r\n");
  REQUIRE(runUntil(f.loop, [&] { return c.count("500 Internal Server Error") == 1; }));
  c.send("GET /throw HTTP/1.1\r\n\r\n");
  REQUIRE(runUntil(f.loop, [&] { return c.count("500 Internal Server Error") == 2; }));
  c.send("GET /async HTTP/1.1\r\n\r\n");
  REQUIRE(runUntil(f.loop, [&] { return f.parked.size() == 1; }));
  c.stream->close(false);
  REQUIRE(runUntil(f.loop, [&] { return !f.parked.front().pending(); }));
  f.parked.front().respond(Response::text(200, "late"));
  CHECK(runUntil(f.loop, [&] { return f.server->connectionCount() == 0; }));
}

TEST_CASE("Connection: close and HTTP/1.0 close after the response", "[http][server]") {
  Fixture f;
  for (const char* req :
       {"GET /x HTTP/1.1\r\nConnection: close\r\n\r\n", "GET /x HTTP/1.0\r\n\r\n"}) {
    RawClient c(f.loop);
    c.connect(f.v6());
    c.send(req);
    REQUIRE(runUntil(f.loop, [&] { return c.closed; }));
    CHECK(c.count("GET /x") == 1);
    CHECK(c.count("Connection: close\r\n") == 1);
  }
}

TEST_CASE("HTTP/1.0 keeps the connection only when it asks, and is told so", "[http][server]") {
  Fixture f;
  RawClient c(f.loop);
  c.connect(f.v4());
  c.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  REQUIRE(runUntil(f.loop, [&] { return c.count("GET /a") == 1; }));
  CHECK(c.count("Connection: keep-alive\r\n") == 1);
  CHECK(c.count("Connection: close") == 0);
  c.send("GET /b HTTP/1.0\r\n\r\n");  // the second one does not ask: closed after it
  REQUIRE(runUntil(f.loop, [&] { return c.closed; }));
  CHECK(c.count("GET /b") == 1);
  CHECK(c.count("Connection: keep-alive\r\n") == 1);
  CHECK(c.count("Connection: close\r\n") == 1);
}

TEST_CASE("malformed and oversized requests get 400/413/431 and the connection closes",
          "[http][server]") {
  ServerOptions o;
  o.limits.maxHeaderBytes = 512;
  o.limits.maxBodyBytes = 100;
  Fixture f(o);
  struct Case {
    std::string request;
    const char* status;
  };
  std::vector<Case> cases = {
      {"BLAH\r\n\r\n", "400 Bad Request"},
      {"GET / HTTP/1.1\r\nBad Header: 1\r\n\r\n", "400 Bad Request"},
      {std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11), "400 Bad Request"},
      {"GET /" + std::string(1000, 'a') + " HTTP/1.1\r\n\r\n",
       "431 Request Header Fields Too Large"},
      {"GET / HTTP/1.1\r\nX: " + std::string(1000, 'b') + "\r\n\r\n", "431 Request Header"},
      {"GET / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", "413 Content Too Large"},
  };
  for (const auto& k : cases) {
    INFO(k.request.substr(0, 40));
    RawClient c(f.loop);
    c.connect(f.v4());
    c.send(k.request);
    REQUIRE(runUntil(f.loop, [&] { return c.closed; }));
    CHECK(c.count(k.status) == 1);
    CHECK(c.count("Connection: close") == 1);
  }
  CHECK(f.server->stats().errors == cases.size());
}

TEST_CASE("idle and slow clients are disconnected", "[http][server]") {
  ServerOptions o;
  o.idleTimeout = milliseconds(150);
  o.requestTimeout = milliseconds(150);
  Fixture f(o);
  RawClient idle(f.loop), slow(f.loop), busy(f.loop);
  idle.connect(f.v4());
  slow.connect(f.v4());
  slow.send("GET /slow HTTP/1.1\r\nHost");  // never finishes its headers
  REQUIRE(runUntil(
      f.loop, [&] { return idle.closed && slow.closed; }, seconds(3)));
  CHECK(idle.received.empty());
  CHECK(slow.count("408 Request Timeout") == 1);
  // A slowloris that trickles bytes is cut by the same per-request deadline.
  busy.connect(f.v4());
  busy.send("GET / HTTP/1.1\r\n");
  Time start = f.loop.now();
  loop::Timer drip(f.loop);
  std::function<void()> tick = [&] {
    busy.send("X: y\r\n");
    if (!busy.closed) drip.start(milliseconds(20), tick);
  };
  drip.start(milliseconds(20), tick);
  REQUIRE(runUntil(
      f.loop, [&] { return busy.closed; }, seconds(3)));
  drip.stop();
  CHECK(f.loop.now() - start < seconds(2));
  CHECK(f.server->stats().timeouts >= 2);
}

TEST_CASE("a handler that never answers gets 503 after handlerTimeout", "[http][server]") {
  ServerOptions o;
  o.handlerTimeout = milliseconds(100);
  Fixture f(o);
  RawClient c(f.loop);
  c.connect(f.v4());
  c.send("GET /async HTTP/1.1\r\n\r\n");
  REQUIRE(runUntil(
      f.loop, [&] { return c.closed; }, seconds(3)));
  CHECK(c.count("503 Service Unavailable") == 1);
  CHECK_FALSE(f.parked.front().pending());
}

TEST_CASE("connections above maxConnections are refused at once", "[http][server]") {
  ServerOptions o;
  o.maxConnections = 2;
  Fixture f(o);
  RawClient a(f.loop), b(f.loop), c(f.loop);
  a.connect(f.v4());
  b.connect(f.v4());
  REQUIRE(runUntil(f.loop, [&] { return f.server->connectionCount() == 2; }));
  c.connect(f.v4());
  REQUIRE(runUntil(f.loop, [&] { return c.closed; }));
  CHECK(f.server->stats().rejected == 1);
  CHECK_FALSE(a.closed);
}

TEST_CASE("forwardedClient and originAuthorized follow re6st-registry", "[http][server]") {
  Request r;
  r.headers.add("Host", "registry.example:8080");
  CHECK(forwardedClient(r) == "registry.example:8080");  // quirk: Host without XFF
  r.headers.add("X-Forwarded-For", " 192.0.2.1 , 10.0.0.1");
  CHECK(forwardedClient(r) == "192.0.2.1");
  std::vector<std::string> ok = {"127.0.0.1", "::1"};
  auto local = *loop::SockAddr::parse("127.0.0.1", 5000);
  auto remote = *loop::SockAddr::parse("2001:db8::7", 5000);
  Request plain;
  CHECK(originAuthorized(local, plain, ok));
  CHECK(originAuthorized(*loop::SockAddr::parse("::1", 1), plain, ok));
  CHECK_FALSE(originAuthorized(remote, plain, ok));
  CHECK_FALSE(originAuthorized(local, r, ok));  // proxied for a foreign client
  Request proxied;
  proxied.headers.add("X-Forwarded-For", "::1");
  CHECK(originAuthorized(local, proxied, ok));
}

TEST_CASE("a client that never reads responses cannot pin server memory", "[http][server]") {
  ServerOptions o;
  o.maxPendingWrite = 64 * 1024;
  o.writeTimeout = milliseconds(300);
  loop::Loop loop;
  std::string big(8 << 20, 'x');  // more than the socket buffers hold
  Server server(
      loop,
      [&](Request, const loop::SockAddr&, Responder r) { r.respond(Response::text(200, big)); }, o);
  REQUIRE(server.listen(*loop::SockAddr::parse("127.0.0.1", 0)).ok());
  RawClient c(loop);
  c.connect(server.localAddresses().at(0));
  REQUIRE(runUntil(loop, [&] { return c.connected; }));
  c.stream->pauseReading();
  std::string many;
  for (int i = 0; i < 200; ++i) many += "GET / HTTP/1.1\r\n\r\n";
  c.send(many);
  REQUIRE(runUntil(
      loop, [&] { return server.connectionCount() == 0; }, seconds(5)));
  CHECK(server.stats().requests < 5);
  CHECK(server.stats().timeouts == 1);
}

TEST_CASE("0.0.0.0 and :: listen on the same port (IPV6_V6ONLY), like re6st-registry",
          "[http][server]") {
  loop::Loop loop;
  Server server(loop, [](Request r, const loop::SockAddr& peer, Responder resp) {
    resp.respond(Response::text(200, peer.host() + " " + r.path));
  });
  REQUIRE(server.listen(loop::SockAddr::anyV4(0)).ok());
  uint16_t port = server.localAddresses().at(0).port();
  auto v6 = server.listen(loop::SockAddr::anyV6(port));
  INFO((v6.ok() ? std::string() : v6.error().message));
  REQUIRE(v6.ok());
  RawClient a(loop), b(loop);
  a.connect(*loop::SockAddr::parse("127.0.0.1", port));
  b.connect(*loop::SockAddr::parse("::1", port));
  a.send("GET /v4 HTTP/1.1\r\n\r\n");
  b.send("GET /v6 HTTP/1.1\r\n\r\n");
  REQUIRE(runUntil(loop, [&] { return a.count("/v4") && b.count("/v6"); }));
  CHECK(a.count("127.0.0.1 /v4") == 1);  // not a v4-mapped ::ffff:127.0.0.1
  CHECK(b.count("::1 /v6") == 1);
}

TEST_CASE("1000 pipelined requests in one write are all answered, in order", "[http][server]") {
  Fixture f;
  RawClient c(f.loop);
  c.connect(f.v4());
  std::string burst;
  for (int i = 0; i < 1000; ++i) burst += "GET /p" + std::to_string(i) + " HTTP/1.1\r\n\r\n";
  c.send(burst);
  REQUIRE(runUntil(
      f.loop, [&] { return c.count("HTTP/1.1 200 OK") == 1000; }, seconds(30)));
  size_t last = 0;
  bool ordered = true;
  for (int i = 0; i < 1000; ++i) {
    size_t at = c.received.find("GET /p" + std::to_string(i) + " ");
    ordered = ordered && at != std::string::npos && at >= last;
    last = at;
  }
  CHECK(ordered);
  CHECK(f.server->stats().accepted == 1);
}
