// HTTP load generator and trivial server for test/bench/http_bench.sh (also usable
// against the registry). Not a test: it measures.
//   http_load serve PORT                         trivial handler on [::1]:PORT
//   http_load run HOST:PORT PATH CONCURRENCY SECONDS
// `run` keeps CONCURRENCY keep-alive connections busy (one request in flight each;
// reconnecting when the server closes) and prints one line:
//   concurrency requests rps p50_us p99_us errors
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "re6st/http/parser.h"
#include "re6st/http/server.h"
#include "re6st/loop/loop.h"
#include "re6st/loop/tcp.h"

using namespace re6st;
using namespace re6st::http;

namespace {

int serve(uint16_t port) {
  loop::Loop loop;
  ServerOptions o;
  o.maxConnections = 10000;
  Response hello = Response::text(200, "hello\n");
  Server server(
      loop, [&](Request, const loop::SockAddr&, Responder r) { r.respond(hello); }, o);
  if (auto s = server.listen(*loop::SockAddr::parse("::1", port)); !s.ok()) {
    fprintf(stderr, "%s\n", s.error().message.c_str());
    return 1;
  }
  loop::Signal term(loop);
  (void)term.start(15, [&](int) { loop.stop(); });
  loop.run();
  return 0;
}

struct Worker {
  loop::Loop& loop;
  loop::SockAddr to;
  Bytes request;
  std::vector<int64_t>& latencies;
  int& errors;
  bool& stopping;
  std::unique_ptr<loop::TcpStream> stream;
  std::vector<std::unique_ptr<loop::TcpStream>> old;
  std::unique_ptr<ResponseParser> parser;
  Time sent;

  void connect() {
    if (stream) old.push_back(std::move(stream));
    if (old.size() > 64) old.erase(old.begin(), old.begin() + 32);  // closed long ago
    stream = std::make_unique<loop::TcpStream>(loop);
    stream->onData([this](ByteSpan d) { onData(d, false); });
    stream->onClose([this](Status) { onData({}, true); });
    sent = loop.now();
    stream->connect(to, [this](Status s) {
      if (!s.ok()) {
        ++errors;
        if (!stopping) connect();
        return;
      }
      stream->setNoDelay(true);
      send(false);
    });
  }
  void send(bool stamp) {
    parser = std::make_unique<ResponseParser>();
    if (stamp) sent = loop.now();
    (void)stream->write(request);
  }
  void onData(ByteSpan d, bool eof) {
    if (!parser) return;
    auto e = parser->feed(d, eof);
    if (e.kind == ResponseParser::Kind::kNeedData) return;
    parser.reset();
    if (e.kind == ResponseParser::Kind::kError || e.response.status >= 500)
      ++errors;
    else
      latencies.push_back((loop.now() - sent).count());
    if (stopping) return;
    if (e.kind == ResponseParser::Kind::kResponse && e.keepAlive && !eof)
      send(true);
    else
      connect();
  }
};

int run(const std::string& hostPort, const std::string& path, int concurrency, int secs) {
  auto to = loop::SockAddr::parseHostPort(hostPort);
  if (!to.ok()) {
    fprintf(stderr, "%s\n", to.error().message.c_str());
    return 1;
  }
  loop::Loop loop;
  std::vector<int64_t> lat;
  int errors = 0;
  bool stopping = false;
  Bytes req = serializeGet(path, to->str(), Headers{}, true);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < concurrency; ++i) {
    workers.push_back(
        std::unique_ptr<Worker>(new Worker{loop, *to, req, lat, errors, stopping, {}, {}, {}, {}}));
    workers.back()->connect();
  }
  Time start = loop.now();
  loop::Timer end(loop);
  end.start(seconds(secs), [&] {
    stopping = true;
    loop.stop();
  });
  loop.run();
  double elapsed = static_cast<double>((loop.now() - start).count()) / 1e6;
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0 : lat[std::min(lat.size() - 1, size_t(p * lat.size()))];
  };
  printf("%d %zu %.0f %lld %lld %d\n", concurrency, lat.size(), lat.size() / elapsed,
         static_cast<long long>(pct(0.50)), static_cast<long long>(pct(0.99)), errors);
  workers.clear();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 2 && a[0] == "serve")
    return serve(static_cast<uint16_t>(std::atoi(a[1].c_str())));
  if (a.size() == 5 && a[0] == "run")
    return run(a[1], a[2], std::atoi(a[3].c_str()), std::atoi(a[4].c_str()));
  fprintf(stderr, "usage: http_load serve PORT | run HOST:PORT PATH CONCURRENCY SECONDS\n");
  return 2;
}
