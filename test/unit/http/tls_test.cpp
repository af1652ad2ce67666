// https:// against a real TLS server (openssl s_server -www with a throwaway certificate
// for "localhost"): success with the right CA, failure with the system bundle (untrusted)
// and with a host name the certificate does not carry.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "http_raw.h"
#include "re6st/http/client.h"

using namespace re6st;
using namespace re6st::http;
using re6st::test::runUntil;

namespace {

// A temporary directory with a self-signed certificate and an s_server on it.
struct TlsServer {
  std::filesystem::path dir;
  pid_t pid = -1;
  uint16_t port = 0;

  TlsServer() {
    dir = std::filesystem::temp_directory_path() / ("re6st-http-tls-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::string d = dir.string();
    std::string gen =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
        "-addext subjectAltName=DNS:localhost -keyout " +
        d + "/key.pem -out " + d + "/cert.pem >/dev/null 2>&1";
    REQUIRE(std::system(gen.c_str()) == 0);
    std::mt19937 rng(std::random_device{}());
    for (int attempt = 0; attempt < 5 && pid < 0; ++attempt)
      start(static_cast<uint16_t>(20000 + rng() % 40000));
    REQUIRE(pid > 0);
  }
  // Starts s_server and waits for it to accept TCP connections on the port.
  void start(uint16_t p) {
    fflush(stdout);  // the child must not replay our buffered output
    fflush(stderr);
    pid_t child = fork();
    if (child == 0) {
      std::string accept = "127.0.0.1:" + std::to_string(p);
      std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", accept.c_str(), "-cert",
             cert.c_str(), "-key", key.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      usleep(50000);
      int status;
      if (waitpid(child, &status, WNOHANG) == child) return;  // port taken: try another
      std::string probe =
          "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(p) + "' 2>/dev/null";
      if (std::system(probe.c_str()) == 0) {
        pid = child;
        port = p;
        return;
      }
    }
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
  }
  ~TlsServer() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

Result<Response> get(const std::string& url, ClientOptions o) {
  loop::Loop loop;
  Client client(loop);
  std::optional<Result<Response>> r;
  client.get(
      url, [&](Result<Response> x) { r.emplace(std::move(x)); }, std::move(o));
  REQUIRE(runUntil(
      loop, [&] { return r.has_value(); }, seconds(20)));
  return std::move(*r);
}

}  // namespace

TEST_CASE("https GET verifies the server against the given CA and host name", "[http][tls]") {
  TlsServer server;
  ClientOptions good;
  good.caFile = (server.dir / "cert.pem").string();
  auto ok = get("https://localhost:" + std::to_string(server.port) + "/", good);
  REQUIRE(ok.ok());
  CHECK(ok->status == 200);
  CHECK(asString(ok->body).find("s_server") != std::string::npos);

  auto untrusted = get("https://localhost:" + std::to_string(server.port) + "/", ClientOptions{});
  REQUIRE_FALSE(untrusted.ok());
  CHECK(untrusted.error().code == Code::kCrypto);
  CHECK(untrusted.error().message.find("rejected") != std::string::npos);

  auto wrongName = get("https://127.0.0.1:" + std::to_string(server.port) + "/", good);
  REQUIRE_FALSE(wrongName.ok());
  CHECK(wrongName.error().code == Code::kCrypto);

  ClientOptions missing;
  missing.caFile = (server.dir / "nope.pem").string();
  auto noCa = get("https://localhost:" + std::to_string(server.port) + "/", missing);
  REQUIRE_FALSE(noCa.ok());
  CHECK(noCa.error().code == Code::kNotFound);
}

TEST_CASE("https to a plain-HTTP port fails cleanly", "[http][tls]") {
  loop::Loop loop;
  loop::TcpListener plain(loop);
  std::vector<std::unique_ptr<loop::TcpStream>> conns;
  REQUIRE(plain
              .listen(*loop::SockAddr::parse("127.0.0.1", 0),
                      [&](std::unique_ptr<loop::TcpStream> s) {
                        s->onData([p = s.get()](ByteSpan) {
                          (void)p->write(
                              asBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
                          p->close(true);
                        });
                        conns.push_back(std::move(s));
                      })
              .ok());
  Client client(loop);
  std::optional<Result<Response>> r;
  client.get("https://localhost:" + std::to_string(plain.localAddress()->port()) + "/",
             [&](Result<Response> x) { r.emplace(std::move(x)); });
  REQUIRE(runUntil(loop, [&] { return r.has_value(); }));
  REQUIRE_FALSE(r->ok());
  CHECK(r->error().code == Code::kCrypto);
}
