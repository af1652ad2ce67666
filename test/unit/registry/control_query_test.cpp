// The registry's non-blocking question to its node's control socket (control_query.h)
// against the node's real ControlServer, and against sockets that are missing, silent or
// answer garbage: one callback each time, from the loop, never a hang.
#include "re6st/registry/control_query.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "http_raw.h"
#include "re6st/node/control.h"
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

void ask(loop::Loop& loop, ControlQuery& q, const std::string& path, Asked& out, Duration timeout = seconds(5)) {
  q.ask(path, {{"cmd", "status"}}, timeout, [&out](Result<json> r) {
    CHECK_FALSE(out.called);
    out.called = true;
    out.result = std::move(r);
  });
  CHECK_FALSE(out.called);  // never inside ask()
  REQUIRE(runUntil(loop, [&] { return out.called; }));
}

}  // namespace

TEST_CASE("the node's status answer comes back as JSON", "[control_query]") {
  TmpDir dir;
  loop::Loop loop;
  std::string path = dir.path + "/re6st.sock";
  node::ControlServer server(loop, [](const json& req) -> json {
    if (req["cmd"] == "status") return {{"routes", json::array({{{"prefix", "2001:db8:42:1::/64"}}})}};
    return {{"error", "unknown"}};
  });
  REQUIRE(server.listen(path).ok());
  ControlQuery q(loop);
  Asked a;
  ask(loop, q, path, a);
  REQUIRE(a.result);
  CHECK((*a.result)["routes"][0]["prefix"] == "2001:db8:42:1::/64");
  Asked again;  // the same object asks again
  ask(loop, q, path, again);
  CHECK(again.result);
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
  for (const char* answer : {"not json\n", ""}) {
    Asked garbage;
    q.ask(silent, {{"cmd", "status"}}, seconds(5), [&](Result<json> r) {
      garbage.called = true;
      garbage.result = std::move(r);
    });
    loop::Fd c(::accept(fd.get(), nullptr, nullptr));  // the query connected at once
    REQUIRE(c.valid());
    REQUIRE(::send(c.get(), answer, std::strlen(answer), MSG_NOSIGNAL) == ssize_t(std::strlen(answer)));
    if (!*answer) c = loop::Fd();  // close
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
  runUntil(loop, [] { return false; }, milliseconds(150));
  CHECK_FALSE(called);
}
