// Interoperability with real HTTP implementations on loopback: curl and Python's
// http.client (what re6st-conf uses) against our server, and our client against a
// Python BaseHTTPRequestHandler server shaped like re6st-registry (HTTP/1.0, 204 without
// Content-Length, close-delimited bodies).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "http_raw.h"
#include "re6st/http/client.h"
#include "re6st/http/server.h"

using namespace re6st;
using namespace re6st::http;

namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// Our server on its own loop and thread; GET /quit stops it.
struct ThreadServer {
  std::promise<uint16_t> ready;
  std::thread thread;
  uint16_t port = 0;
  std::atomic<int> connections{0};

  ThreadServer() {
    thread = std::thread([this] {
      loop::Loop loop;
      Server* self = nullptr;
      Server server(loop, [&](Request r, const loop::SockAddr& peer, Responder resp) {
        if (r.path == "/quit") self->stopListening();
        std::string q;
        for (const auto& [k, v] : r.query.items) q += "[" + k + "=" + v + "]";
        Response out = Response::text(200, r.path + " " + q + " from " + peer.host() + "\n");
        out.headers.add("Re6stHMAC", "eA==");
        resp.respond(out);
        connections = static_cast<int>(self->stats().accepted);
      });
      self = &server;
      if (!server.listen(*loop::SockAddr::parse("::1", 0)).ok()) return ready.set_value(0);
      ready.set_value(server.localAddresses().at(0).port());
      loop.run();
    });
    port = ready.get_future().get();
  }
  ~ThreadServer() {
    if (port != 0) run("curl -s -m 5 'http://[::1]:" + std::to_string(port) + "/quit' >/dev/null");
    thread.join();
  }
};

}  // namespace

TEST_CASE("curl and Python http.client talk to our server, reusing the connection",
          "[http][interop]") {
  ThreadServer s;
  REQUIRE(s.port != 0);
  std::string base = "http://[::1]:" + std::to_string(s.port);
  std::string c = run("curl -s -m 10 '" + base + "/a?x=%2F+1' '" + base + "/b'");
  CHECK(c == "/a [x=/ 1] from ::1\n/b  from ::1\n");
  CHECK(s.connections == 1);  // curl kept the connection alive for the second request
  std::string py =
      run("/usr/bin/python3 -c \"import http.client as h\n"
          "c = h.HTTPConnection('::1', " +
          std::to_string(s.port) +
          ", timeout=10)\n"
          "for p in ('/getCa', '/hello?client_prefix=0001&protocol=10'):\n"
          "    c.request('GET', p); r = c.getresponse()\n"
          "    print(r.status, r.getheader('Re6stHMAC'), r.read().decode().strip())\n\"");
  CHECK(py ==
        "200 eA== /getCa  from ::1\n200 eA== /hello [client_prefix=0001][protocol=10] from ::1\n");
  CHECK(s.connections == 2);  // one more connection for both Python requests
}

namespace {

// A Python BaseHTTPRequestHandler server on 127.0.0.1 (ephemeral port), in a child process.
struct PyServer {
  std::filesystem::path dir;
  pid_t pid = -1;
  int port = 0;

  PyServer() {
    dir = std::filesystem::temp_directory_path() / ("re6st-http-py-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "srv.py")
        << "from http.server import BaseHTTPRequestHandler, HTTPServer\n"
           "class H(BaseHTTPRequestHandler):\n"
           "    def log_message(self, *a): pass\n"
           "    def do_GET(self):\n"
           "        if self.path == '/none':\n"
           "            self.send_response(204); self.send_header('Re6stHMAC', 'aA=='); "
           "self.end_headers()\n"
           "        elif self.path == '/raw':\n"
           "            self.send_response(200); self.end_headers(); self.wfile.write(b'until "
           "close')\n"
           "        elif self.path.startswith('/getCa'):\n"
           "            b = b'-----BEGIN CERTIFICATE-----\\n'\n"
           "            self.send_response(200); self.send_header('Content-Length', str(len(b)))\n"
           "            self.end_headers(); self.wfile.write(b)\n"
           "        else:\n"
           "            self.send_error(400)\n"
           "s = HTTPServer(('127.0.0.1', 0), H)\n"
           "print(s.server_address[1], flush=True)\n"
           "s.serve_forever()\n";
    int fds[2];
    if (pipe(fds) != 0) return;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      execl("/usr/bin/python3", "python3", (dir / "srv.py").c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    char buf[32] = {};
    size_t got = 0;  // the port number, up to its newline
    while (got < sizeof buf - 1 && (got == 0 || buf[got - 1] != '\n')) {
      ssize_t n = read(fds[0], buf + got, sizeof buf - 1 - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    close(fds[0]);
    port = std::atoi(buf);
  }
  ~PyServer() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("our client reads a re6st-registry-like Python server", "[http][interop]") {
  PyServer py;
  REQUIRE(py.port > 0);
  std::string base = "http://127.0.0.1:" + std::to_string(py.port);
  auto ca = fetch(base + "/getCa", seconds(10));
  INFO((ca.ok() ? std::string() : ca.error().message));
  REQUIRE(ca.ok());
  CHECK(ca->status == 200);
  CHECK(asString(ca->body) == "-----BEGIN CERTIFICATE-----\n");
  auto none = fetch(base + "/none", seconds(10));
  REQUIRE(none.ok());
  CHECK(none->status == 204);
  CHECK(*none->headers.find("Re6stHMAC") == "aA==");
  auto raw = fetch(base + "/raw", seconds(10));  // HTTP/1.0 body ended by the close
  REQUIRE(raw.ok());
  CHECK(asString(raw->body) == "until close");
  auto bad = fetch(base + "/a/b", seconds(10));
  REQUIRE(bad.ok());
  CHECK(bad->status == 400);
}
