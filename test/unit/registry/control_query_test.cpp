// The registry's non-blocking question to its node's control socket (control_query.h)
// against a socket answering like the node's ControlServer (one JSON line per request),
// and against sockets that are missing, silent or answer garbage: one callback each
// time, from the loop, never a hang.
#include "re6st/registry/control_query.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "http_raw.h"
#include "registry_tmp.h"

using namespace re6st;
using re6st::registry::ControlQuery;
using re6st::test::runUntil;
using json = nlohmann::json;

namespace {

// A unix socket that listens and never accepts nor answers (a hung node).
loop::Fd silentListener(const std::string& path) {
  loop::Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd.get(), 4) == 0);
  return fd;
}

struct Asked {
  bool called = false;
  Result<json> result = makeError(Code::kInvalid, "not called");
};

void ask(loop::Loop& loop, ControlQuery& q, const std::string& path, Asked& out,
         Duration timeout = seconds(5)) {
  q.ask(path, {{"cmd", "status"}}, timeout, [&out](Result<json> r) {
    CHECK_FALSE(out.called);
    out.called = true;
    out.result = std::move(r);
  });
  CHECK_FALSE(out.called);  // never inside ask()
  REQUIRE(runUntil(loop, [&] { return out.called; }));
}

// Accepts the query's connection, reads its request line while the loop runs, answers.
std::string serveOnce(loop::Loop& loop, int listener, const std::string& answer) {
  loop::Fd c(::accept(listener, nullptr, nullptr));  // the query connected at once
  REQUIRE(c.valid());
  std::string in;
  REQUIRE(runUntil(loop, [&] {
    char buf[4096];
    ssize_t n = ::recv(c.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) in.append(buf, size_t(n));
    return in.find('\n') != std::string::npos;
  }));
  REQUIRE(::send(c.get(), answer.data(), answer.size(), MSG_NOSIGNAL) == ssize_t(answer.size()));
  return in;
}

}  // namespace

TEST_CASE("the node's status answer comes back as JSON", "[control_query]") {
  TmpDir dir;
  loop::Loop loop;
  std::string path = dir.path + "/re6st.sock";
  auto fd = silentListener(path);
  ControlQuery q(loop);
  for (int round = 0; round < 2; ++round) {  // the same object asks again
    Asked a;
    q.ask(path, {{"cmd", "status"}}, seconds(5), [&](Result<json> r) {
      a.called = true;
      a.result = std::move(r);
    });
    CHECK_FALSE(a.called);
    std::string req =
        serveOnce(loop, fd.get(), "{\"routes\": [{\"prefix\": \"2001:db8:42:1::/64\"}]}\nmore");
    CHECK(json::parse(req) == json{{"cmd", "status"}});
    REQUIRE(runUntil(loop, [&] { return a.called; }));
    REQUIRE(a.result);
    CHECK((*a.result)["routes"][0]["prefix"] == "2001:db8:42:1::/64");
  }
}

TEST_CASE("no node, a silent node or garbage: an error, once", "[control_query]") {
  TmpDir dir;
  loop::Loop loop;
  ControlQuery q(loop);
  Asked none;
  ask(loop, q, dir.path + "/absent.sock", none);
  CHECK_FALSE(none.result);
  Asked toolong;
  ask(loop, q, dir.path + "/" + std::string(200, 'x'), toolong);
  CHECK_FALSE(toolong.result);

  std::string silent = dir.path + "/silent.sock";
  auto fd = silentListener(silent);
  Asked hung;
  auto t0 = loop.now();
  ask(loop, q, silent, hung, milliseconds(200));
  CHECK_FALSE(hung.result);
  CHECK(hung.result.error().code == Code::kTimeout);
  CHECK(loop.now() - t0 >= milliseconds(190));

  // A node answering a line that is not JSON, then one closing without an answer.
  silent = dir.path + "/garbage.sock";
  fd = silentListener(silent);
  for (const char* answer : {"not json\n", ""}) {
    Asked garbage;
    q.ask(silent, {{"cmd", "status"}}, seconds(5), [&](Result<json> r) {
      garbage.called = true;
      garbage.result = std::move(r);
    });
    if (*answer) {
      serveOnce(loop, fd.get(), answer);
    } else {
      loop::Fd c(::accept(fd.get(), nullptr, nullptr));  // accepted, then closed
    }
    REQUIRE(runUntil(loop, [&] { return garbage.called; }));
    CHECK_FALSE(garbage.result);
  }
}

TEST_CASE("a query destroyed before the answer never calls back", "[control_query]") {
  TmpDir dir;
  loop::Loop loop;
  std::string silent = dir.path + "/silent.sock";
  auto fd = silentListener(silent);
  bool called = false;
  {
    ControlQuery q(loop);
    q.ask(silent, {{"cmd", "status"}}, milliseconds(50), [&](Result<json>) { called = true; });
  }
  runUntil(
      loop, [] { return false; }, milliseconds(150));
  CHECK_FALSE(called);
}
