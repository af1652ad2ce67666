// HTTP client driver; see client.h. An Exchange walks: resolve → connect (each address in
// turn) → TLS handshake (https) → send GET → parse the response until it is complete or
// the server closes. Finished exchanges are destroyed on the next loop turn, never inside
// one of their own stream callbacks.
#include "re6st/http/client.h"

#include <optional>

#include "re6st/http/parser.h"
#include "re6st/http/resolver.h"
#include "re6st/loop/tcp.h"

namespace re6st::http {

class Exchange {
 public:
  Exchange(Client& client, uint64_t id, Url url, Client::Callback cb, ClientOptions options)
      : client_(client),
        id_(id),
        url_(std::move(url)),
        cb_(std::move(cb)),
        options_(std::move(options)),
        resolver_(client.loop_),
        parser_(options_.maxBodyBytes),
        timer_(client.loop_) {}

  // Everything happens from the loop, so the callback never runs inside Client::get().
  void start() {
    timer_.start(Duration(0), [this] {
      timer_.start(options_.timeout, [this] {
        finish(makeError(Code::kTimeout, "GET " + url_.origin() + url_.target + ": timed out"));
      });
      resolver_.resolve(url_.host, url_.port, [this](Result<std::vector<loop::SockAddr>> r) {
        if (!r.ok()) return finish(r.error());
        addrs_ = std::move(*r);
        connectNext();
      });
    });
  }
  // Reports an error from the loop, never from inside Client::get().
  void failSoon(Error e) {
    timer_.start(Duration(0), [this, e] { finish(e); });
  }
  void abandon() {
    done_ = true;
    timer_.stop();
    if (stream_) stream_->close(false);
  }

 private:
  void connectNext();
  void onConnected();
  void onData(ByteSpan data);
  void onClose(Status why);
  void deliver(ByteSpan plain, bool eof);
  void flushTls();
  void finish(Result<Response> r);

  Client& client_;
  uint64_t id_;
  Url url_;
  Client::Callback cb_;
  ClientOptions options_;
  Resolver resolver_;
  ResponseParser parser_;
  loop::Timer timer_;
  std::vector<loop::SockAddr> addrs_;
  size_t next_ = 0;
  Error lastError_{Code::kIo, "no address"};
  std::unique_ptr<loop::TcpStream> stream_;
  std::vector<std::unique_ptr<loop::TcpStream>> failed_;  // kept until the exchange dies
  std::unique_ptr<TlsClient> tls_;
  bool handshakeDone_ = false;
  bool done_ = false;
};

void Exchange::connectNext() {
  if (done_) return;
  if (next_ >= addrs_.size()) return finish(lastError_);
  if (stream_) failed_.push_back(std::move(stream_));
  stream_ = std::make_unique<loop::TcpStream>(client_.loop_);
  stream_->onData([this](ByteSpan d) { onData(d); });
  stream_->onClose([this](Status why) { onClose(why); });
  stream_->connect(addrs_[next_++], [this](Status s) {
    if (done_) return;
    if (!s.ok()) {
      lastError_ = s.error();
      return connectNext();
    }
    onConnected();
  });
}

void Exchange::onConnected() {
  stream_->setNoDelay(true);
  if (!url_.tls) {
    auto s = stream_->write(serializeGet(url_.target, url_.hostHeader(), options_.headers, false));
    if (!s.ok()) finish(s.error());
    return;
  }
  tls_ = std::make_unique<TlsClient>();
  if (auto s = tls_->setup(options_.caFile, url_.host); !s.ok()) return finish(s.error());
  // The ClientHello goes out now; the request is written once the handshake is done.
  auto r = tls_->handshake();
  if (!r.ok()) return finish(r.error());
  flushTls();
}

void Exchange::flushTls() {
  Bytes out = tls_->takeOutgoing();
  if (!out.empty()) (void)stream_->write(out);
}

void Exchange::onData(ByteSpan data) {
  if (done_) return;
  if (!tls_) return deliver(data, false);
  tls_->feed(data);
  if (!handshakeDone_) {
    auto r = tls_->handshake();
    if (!r.ok()) return finish(r.error());
    if (*r) {
      handshakeDone_ = true;
      if (auto s =
              tls_->write(serializeGet(url_.target, url_.hostHeader(), options_.headers, false));
          !s.ok())
        return finish(s.error());
    }
    flushTls();
    if (!handshakeDone_) return;
  }
  bool closed = false;
  auto plain = tls_->read(closed);
  flushTls();
  if (!plain.ok()) return finish(plain.error());
  deliver(*plain, closed);
}

void Exchange::onClose(Status why) {
  if (done_) return;
  if (!why.ok()) return finish(why.error());
  if (tls_ && !handshakeDone_)
    return finish(makeError(Code::kCrypto, "TLS: " + url_.host + " closed during the handshake"));
  deliver({}, true);
}

void Exchange::deliver(ByteSpan plain, bool eof) {
  auto e = parser_.feed(plain, eof);
  if (e.kind == ResponseParser::Kind::kResponse) return finish(std::move(e.response));
  if (e.kind == ResponseParser::Kind::kError)
    return finish(
        makeError(Code::kProtocol, "GET " + url_.origin() + url_.target + ": " + e.error));
}

void Exchange::finish(Result<Response> r) {
  if (done_) return;
  done_ = true;
  timer_.stop();
  if (stream_) stream_->close(false);
  auto cb = std::move(cb_);
  client_.retire(id_);  // deferred destruction: *this stays valid during cb
  if (cb) cb(std::move(r));
}

Client::Client(loop::Loop& loop) : loop_(loop), reaper_(loop) {}

Client::~Client() {
  for (auto& [id, e] : exchanges_) e->abandon();
  exchanges_.clear();
  retired_.clear();
}

uint64_t Client::get(const std::string& url, Callback cb, ClientOptions options) {
  auto u = parseUrl(url);
  uint64_t id = nextId_++;
  auto e =
      std::make_unique<Exchange>(*this, id, u.ok() ? *u : Url{}, std::move(cb), std::move(options));
  Exchange* raw = e.get();
  exchanges_.emplace(id, std::move(e));
  if (u.ok())
    raw->start();
  else
    raw->failSoon(u.error());
  return id;
}

uint64_t Client::get(const Url& url, Callback cb, ClientOptions options) {
  uint64_t id = nextId_++;
  auto e = std::make_unique<Exchange>(*this, id, url, std::move(cb), std::move(options));
  Exchange* raw = e.get();
  exchanges_.emplace(id, std::move(e));
  raw->start();
  return id;
}

void Client::cancel(uint64_t id) {
  auto it = exchanges_.find(id);
  if (it == exchanges_.end()) return;
  it->second->abandon();
  retire(id);
}

void Client::retire(uint64_t id) {
  auto it = exchanges_.find(id);
  if (it == exchanges_.end()) return;
  retired_.push_back(std::move(it->second));
  exchanges_.erase(it);
  reaper_.start(Duration(0), [this] { retired_.clear(); });
}

Result<Response> fetch(const std::string& url, Duration timeout, ClientOptions options) {
  loop::Loop loop;
  std::optional<Result<Response>> result;
  {
    Client client(loop);
    options.timeout = timeout;
    client.get(
        url, [&](Result<Response> r) { result.emplace(std::move(r)); }, std::move(options));
    while (!result) loop.runOnce(true);
  }
  return std::move(*result);
}

}  // namespace re6st::http
