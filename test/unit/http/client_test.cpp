// The HTTP client against our server on loopback (IPv4, IPv6 literal, name resolution),
// many concurrent requests, timeouts, refused connections and bad URLs.
#include "re6st/http/client.h"

#include <catch2/catch.hpp>
#include <deque>
#include <future>
#include <thread>

#include "http_raw.h"
#include "re6st/http/server.h"

using namespace re6st;
using namespace re6st::http;
using re6st::test::runUntil;

namespace {

struct Pair {
  loop::Loop loop;
  std::deque<Responder> parked;
  std::vector<Request> seen;
  Server server{loop, [this](Request r, const loop::SockAddr&, Responder resp) {
                  seen.push_back(r);
                  if (r.path == "/never") return parked.push_back(std::move(resp));
                  if (r.path == "/empty") {
                    Response e;
                    e.status = 204;
                    e.headers.add("Re6stHMAC", "aGk=");
                    return resp.respond(e);
                  }
                  Response ok = Response::text(200, "you asked " + r.target);
                  resp.respond(ok);
                }};
  Client client{loop};
  Pair() {
    REQUIRE(server.listen(*loop::SockAddr::parse("127.0.0.1", 0)).ok());
    REQUIRE(server.listen(*loop::SockAddr::parse("::1", 0)).ok());
  }
  uint16_t port4() { return server.localAddresses().at(0).port(); }
  uint16_t port6() { return server.localAddresses().at(1).port(); }
  Result<Response> get(const std::string& url, ClientOptions o = {}) {
    std::optional<Result<Response>> r;
    client.get(
        url, [&](Result<Response> x) { r.emplace(std::move(x)); }, std::move(o));
    REQUIRE(runUntil(
        loop, [&] { return r.has_value(); }, seconds(20)));
    return std::move(*r);
  }
};

}  // namespace

TEST_CASE("client GETs from the server over IPv4, IPv6 and a host name", "[http][client]") {
  Pair p;
  ClientOptions o;
  o.headers.add("User-Agent", "re6stnet/test");
  auto a = p.get("http://127.0.0.1:" + std::to_string(p.port4()) + "/getCa?x=%2F", o);
  REQUIRE(a.ok());
  CHECK(a->status == 200);
  CHECK(asString(a->body) == "you asked /getCa?x=%2F");
  auto b = p.get("http://[::1]:" + std::to_string(p.port6()) + "/v6");
  REQUIRE(b.ok());
  CHECK(asString(b->body) == "you asked /v6");
  auto c = p.get("http://localhost:" + std::to_string(p.port4()) + "/named");
  REQUIRE(c.ok());
  CHECK(asString(c->body) == "you asked /named");
  REQUIRE(p.seen.size() == 3);
  CHECK(*p.seen[0].headers.find("user-agent") == "re6stnet/test");
  CHECK(*p.seen[0].headers.find("host") == "127.0.0.1:" + std::to_string(p.port4()));
  CHECK(*p.seen[1].headers.find("host") == "[::1]:" + std::to_string(p.port6()));
  CHECK_FALSE(p.seen[0].keepAlive);  // one request per connection
}

TEST_CASE("client returns 204 with its headers and an empty body", "[http][client]") {
  Pair p;
  auto r = p.get("http://127.0.0.1:" + std::to_string(p.port4()) + "/empty");
  REQUIRE(r.ok());
  CHECK(r->status == 204);
  CHECK(r->body.empty());
  CHECK(*r->headers.find("re6sthmac") == "aGk=");
}

TEST_CASE("128 concurrent client requests all complete", "[http][client]") {
  Pair p;
  int done = 0, good = 0;
  for (int i = 0; i < 128; ++i) {
    std::string path = "/n" + std::to_string(i);
    p.client.get("http://127.0.0.1:" + std::to_string(p.port4()) + path,
                 [&, path](Result<Response> r) {
                   ++done;
                   if (r.ok() && asString(r->body) == "you asked " + path) ++good;
                 });
  }
  CHECK(p.client.active() == 128);
  REQUIRE(runUntil(
      p.loop, [&] { return done == 128; }, seconds(30)));
  CHECK(good == 128);
  CHECK(runUntil(p.loop, [&] { return p.server.connectionCount() == 0; }));
}

TEST_CASE("client errors: timeout, refused, bad URL, unknown host, garbage reply",
          "[http][client]") {
  Pair p;
  ClientOptions quick;
  quick.timeout = milliseconds(200);
  auto t = p.get("http://127.0.0.1:" + std::to_string(p.port4()) + "/never", quick);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().code == Code::kTimeout);

  uint16_t dead;  // a port that was bound and freed: nobody listens there
  {
    loop::TcpListener tmp(p.loop);
    REQUIRE(tmp.listen(*loop::SockAddr::parse("127.0.0.1", 0), [](auto) {}).ok());
    dead = tmp.localAddress()->port();
  }
  p.loop.runOnce(false);
  auto refused = p.get("http://127.0.0.1:" + std::to_string(dead) + "/");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == Code::kIo);

  auto bad = p.get("gopher://x/");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Code::kInvalid);

  auto unknown = p.get("http://no-such-host.invalid/");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == Code::kNotFound);

  loop::TcpListener liar(p.loop);
  std::vector<std::unique_ptr<loop::TcpStream>> conns;
  REQUIRE(liar.listen(*loop::SockAddr::parse("127.0.0.1", 0),
                      [&](std::unique_ptr<loop::TcpStream> s) {
                        (void)s->write(asBytes("SSH-2.0-OpenSSH\r\n"));
                        s->close(true);
                        conns.push_back(std::move(s));
                      })
              .ok());
  auto garbage = p.get("http://127.0.0.1:" + std::to_string(liar.localAddress()->port()) + "/");
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().code == Code::kProtocol);
}

TEST_CASE("cancel and destruction drop callbacks", "[http][client]") {
  Pair p;
  bool called = false;
  uint64_t id = p.client.get("http://127.0.0.1:" + std::to_string(p.port4()) + "/never",
                             [&](Result<Response>) { called = true; });
  REQUIRE(runUntil(p.loop, [&] { return p.parked.size() == 1; }));
  p.client.cancel(id);
  CHECK(p.client.active() == 0);
  REQUIRE(runUntil(p.loop, [&] { return p.server.connectionCount() == 0; }));
  CHECK_FALSE(called);
  {
    Client other(p.loop);
    other.get("http://127.0.0.1:" + std::to_string(p.port4()) + "/never",
              [&](Result<Response>) { called = true; });
    REQUIRE(runUntil(p.loop, [&] { return p.parked.size() == 2; }));
  }
  REQUIRE(runUntil(p.loop, [&] { return p.server.connectionCount() == 0; }));
  CHECK_FALSE(called);
}

TEST_CASE("fetch blocks on its own loop", "[http][client]") {
  // The server runs on its own loop in a thread and stops listening after one request,
  // so that loop ends by itself once the connection is closed.
  std::promise<uint16_t> port;
  std::thread serverThread([&] {
    loop::Loop loop;
    Server* self = nullptr;
    Server server(loop, [&](Request r, const loop::SockAddr&, Responder resp) {
      resp.respond(Response::text(200, "fetched " + r.target));
      self->stopListening();
    });
    self = &server;
    // No Catch2 assertion in this thread (not thread-safe): a failed listen gives port 0.
    if (!server.listen(*loop::SockAddr::parse("::1", 0)).ok()) return port.set_value(0);
    port.set_value(server.localAddresses().at(0).port());
    loop.run();
  });
  uint16_t p = port.get_future().get();
  if (p == 0) serverThread.join();
  REQUIRE(p != 0);
  auto r = fetch("http://[::1]:" + std::to_string(p) + "/getCa", seconds(10));
  serverThread.join();
  REQUIRE(r.ok());
  CHECK(asString(r->body) == "fetched /getCa");
  auto refused = fetch("http://127.0.0.1:1/", seconds(5));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == Code::kIo);
  auto u = fetch("http://[::1/", seconds(5));
  REQUIRE_FALSE(u.ok());
  CHECK(u.error().code == Code::kInvalid);
}
