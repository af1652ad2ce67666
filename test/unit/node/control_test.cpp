// Control socket: real unix sockets, a client thread against a server on the loop.
#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "re6st/loop/loop.h"
#include "re6st/node/control.h"

using namespace re6st;
using nlohmann::json;

namespace {
std::string sockPath() { return "/tmp/re6st-ctl-test-" + std::to_string(getpid()) + ".sock"; }

// Runs the loop until `done` is set by the client thread.
void serve(loop::Loop& loop, std::atomic<bool>& done) {
  loop::Timer t(loop);
  t.startRepeat(milliseconds(5), [&] {
    if (done) loop.stop();
  });
  loop.run();
}
}  // namespace

TEST_CASE("Control socket answers requests and rejects garbage") {
  loop::Loop loop;
  node::ControlServer server(loop, [](const json& req) -> json {
    if (req["cmd"] == "status") return {{"prefix", "1/16"}};
    if (req["cmd"] == "throw") throw std::runtime_error("boom");
    return {{"error", "unknown command"}};
  });
  std::string path = sockPath();
  REQUIRE(server.listen(path).ok());
  struct stat st{};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 077) == 0);
  std::atomic<bool> done{false};
  json a, b, c;
  std::string garbageAnswer;
  std::thread client([&] {
    a = node::controlRequest(path, {{"cmd", "status"}}).value();
    b = node::controlRequest(path, {{"cmd", "throw"}}).value();
    c = node::controlRequest(path, {{"nocmd", 1}}).value();
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      std::string junk(200000, 'x');  // no newline, larger than any request
      (void)!send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
      char buf[256];
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n > 0) garbageAnswer.assign(buf, static_cast<size_t>(n));
    }
    close(fd);
    done = true;
  });
  serve(loop, done);
  client.join();
  CHECK(a["prefix"] == "1/16");
  CHECK(b["error"].get<std::string>().find("boom") != std::string::npos);
  CHECK(c.contains("error"));
  CHECK(garbageAnswer.find("too large") != std::string::npos);
}

TEST_CASE("Control client reports a missing node in one line") {
  auto r = node::controlRequest("/tmp/re6st-no-such-socket.sock", {{"cmd", "status"}}, 200);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("re6st-no-such-socket.sock") != std::string::npos);
}

TEST_CASE("A client that never reads its answers does not stall the others") {
  loop::Loop loop;
  node::ControlServer server(loop, [](const json& req) -> json {
    if (req["cmd"] == "big") return {{"data", std::string(100000, 'x')}};
    return {{"prefix", "1/16"}};
  });
  std::string path = sockPath() + ".stall";
  REQUIRE(server.listen(path).ok());
  std::atomic<bool> done{false};
  json quick;
  bool answeredInTime = false;
  std::thread client([&] {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    bool connected = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    std::string many;
    for (int i = 0; i < 30; ++i) many += "{\"cmd\":\"big\"}\n";  // ~3 MB of answers, unread
    if (connected) (void)!send(fd, many.data(), many.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    usleep(100000);
    // Generous: the point is that it is answered at all while the other client stalls.
    auto r = node::controlRequest(path, {{"cmd", "status"}}, 10000);
    answeredInTime = r.ok();
    if (r.ok()) quick = *r;
    close(fd);
    done = true;
  });
  serve(loop, done);
  client.join();
  CHECK(answeredInTime);
  CHECK(quick["prefix"] == "1/16");
}
