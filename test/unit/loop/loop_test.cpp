// Loop wrappers against the real kernel on loopback: timers, UDP with packet info,
// TCP streams, socket address parsing, and handle lifetime rules.
#include <catch2/catch.hpp>

#include "re6st/loop/loop.h"
#include "re6st/loop/tcp.h"
#include "re6st/loop/udp.h"

using namespace re6st;
using namespace re6st::loop;

TEST_CASE("SockAddr parses and prints IPv4, IPv6 and scoped addresses") {
  auto a = SockAddr::parseHostPort("198.18.0.1:1194");
  REQUIRE(a.ok());
  CHECK(a->isV4());
  CHECK(a->port() == 1194);
  CHECK(a->str() == "198.18.0.1:1194");
  auto b = SockAddr::parseHostPort("[2001:db8::1]:326");
  REQUIRE(b.ok());
  CHECK(b->isV6());
  CHECK(b->str() == "[2001:db8::1]:326");
  auto c = SockAddr::parse("fe80::1%lo", 6696);
  REQUIRE(c.ok());
  CHECK(c->scope() != 0);
  CHECK(c->host() == "fe80::1%lo");
  CHECK(SockAddr::parse("fe80::1%1", 1)->scope() == 1);
  CHECK(SockAddr::fromIpv4(0xc6120001, 5) == *SockAddr::parse("198.18.0.1", 5));
  CHECK(SockAddr::parse("198.18.0.1", 1)->ipv6()[10] == 0xff);
}

TEST_CASE("SockAddr rejects malformed text with a message naming it") {
  for (const char* bad : {"", "1.2.3.4", "::1:80", "[::1]", "[::1]:", "[::1]:99999",
                          "host:80", "1.2.3.4:8x", "[fe80::1%nosuchif0]:1", "1.2.3.4:-1"}) {
    auto r = SockAddr::parseHostPort(bad);
    INFO(bad);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.error().code == Code::kInvalid);
  }
}

TEST_CASE("Timer fires once, can be restarted and stopped") {
  Loop loop;
  int fired = 0;
  Timer t(loop);
  t.start(milliseconds(5), [&] {
    ++fired;
    if (fired == 1) t.start(milliseconds(1), [&] { fired += 10; });
  });
  loop.run();
  CHECK(fired == 11);
  Timer stopped(loop);
  stopped.start(milliseconds(1), [&] { fired = -1; });
  stopped.stop();
  loop.run();
  CHECK(fired == 11);
}

TEST_CASE("A timer destroyed before firing never calls back") {
  Loop loop;
  bool called = false;
  {
    Timer t(loop);
    t.start(milliseconds(1), [&] { called = true; });
  }
  Timer guard(loop);
  guard.start(milliseconds(10), [] {});
  loop.run();
  CHECK_FALSE(called);
}

TEST_CASE("UDP datagrams carry source, destination and interface") {
  Loop loop;
  Udp server(loop), client(loop);
  REQUIRE(server.bind(*SockAddr::parse("::1", 0)).ok());
  REQUIRE(client.bind(*SockAddr::parse("::1", 0)).ok());
  auto saddr = server.localAddress();
  REQUIRE(saddr.ok());
  std::string got;
  Datagram seen;
  REQUIRE(server.start([&](const Datagram& d) {
    got = asString(d.data);
    seen.from = d.from;
    seen.to = d.to;
    seen.ifindex = d.ifindex;
    loop.stop();
  }).ok());
  REQUIRE(client.send(*saddr, asBytes("hello")).ok());
  Timer guard(loop);
  guard.start(seconds(5), [&] { loop.stop(); });
  loop.run();
  CHECK(got == "hello");
  CHECK(seen.from.port() == client.localAddress()->port());
  CHECK(seen.to.host() == "::1");
  CHECK(seen.to.port() == saddr->port());
  CHECK(seen.ifindex != 0);
}

TEST_CASE("UDP bind to a busy port fails with a message naming the address") {
  Loop loop;
  Udp a(loop), b(loop);
  UdpOptions o;
  o.reuseAddr = false;
  REQUIRE(a.bind(*SockAddr::parse("127.0.0.1", 0), o).ok());
  auto st = b.bind(*a.localAddress(), o);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("127.0.0.1") != std::string::npos);
}

TEST_CASE("TCP echo between a listener and a client, then orderly close") {
  Loop loop;
  TcpListener listener(loop);
  std::unique_ptr<TcpStream> accepted;
  bool serverSawClose = false;
  REQUIRE(listener.listen(*SockAddr::parse("127.0.0.1", 0), [&](std::unique_ptr<TcpStream> s) {
    accepted = std::move(s);
    accepted->onClose([&](Status st) { serverSawClose = st.ok(); });
    accepted->onData([&](ByteSpan d) { (void)accepted->write(d); });
  }).ok());
  TcpStream client(loop);
  std::string echoed;
  client.onData([&](ByteSpan d) {
    echoed += asString(d);
    if (echoed.size() >= 200000) client.close();
  });
  client.onClose([&](Status) {});
  Status connected = makeError(Code::kInternal, "never");
  client.connect(*listener.localAddress(), [&](Status st) {
    connected = st;
    if (st.ok()) (void)client.write(asBytes(std::string(200000, 'x')));
  });
  Timer guard(loop);
  guard.start(seconds(10), [&] { loop.stop(); });
  Timer poll(loop);
  poll.startRepeat(milliseconds(5), [&] {
    if (serverSawClose) loop.stop();
  });
  loop.run();
  CHECK(connected.ok());
  CHECK(echoed.size() == 200000);
  CHECK(serverSawClose);
}

TEST_CASE("TCP connect to a closed port reports an error naming the peer") {
  Loop loop;
  TcpListener l(loop);
  REQUIRE(l.listen(*SockAddr::parse("127.0.0.1", 0), [](std::unique_ptr<TcpStream>) {}).ok());
  auto addr = *l.localAddress();
  Loop loop2;
  TcpStream s(loop2);
  Status result;
  bool done = false;
  addr.setPort(1);  // nothing listens on port 1 here
  s.connect(addr, [&](Status st) {
    result = st;
    done = true;
  });
  loop2.run();
  REQUIRE(done);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message.find("127.0.0.1:1") != std::string::npos);
}
