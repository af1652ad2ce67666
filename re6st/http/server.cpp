// HTTP server driver; see server.h. Each Connection feeds its RequestParser from the TCP
// stream and runs this small machine:
//   kReading --request--> kHandling --respond()--> kReading (keep-alive) | kClosing
//   kReading --framing error--> error response, kClosing;  timeouts --> kClosing
// Connections are shared_ptr-owned by the Server only (Responders hold weak_ptrs) and are
// destroyed on the next loop turn after they close, never inside a stream callback.
#include "re6st/http/server.h"

#include <exception>

#include "re6st/base/log.h"

namespace re6st::http {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class State { kReading, kHandling, kClosing };

  Connection(Server& server, uint64_t id, std::unique_ptr<loop::TcpStream> stream)
      : server_(server),
        id_(id),
        stream_(std::move(stream)),
        parser_(server.options_.limits),
        timer_(server.loop_) {}

  void start() {
    stream_->setNoDelay(true);
    stream_->onClose([this](Status why) {
      if (!why.ok()) LOG_DEBUG("http: " + stream_->peer().str() + ": " + why.error().message);
      state_ = State::kClosing;
      timer_.stop();
      server_.retire(id_);
    });
    stream_->onData([this](ByteSpan data) { onData(data); });
    armIdle();
  }

  void respond(uint64_t seq, Response response);
  bool awaiting(uint64_t seq) const { return state_ == State::kHandling && seq == seq_; }
  // Closes once queued bytes are sent, or at once when the client does not read them.
  void closeGracefully() {
    state_ = State::kClosing;
    stream_->close(true);
    timer_.start(server_.options_.writeTimeout, [this] {
      ++server_.stats_.timeouts;
      stream_->close(false);
    });
  }
  void shutdown() {
    state_ = State::kClosing;
    timer_.stop();
    stream_->close(false);
  }

 private:
  void onData(ByteSpan data);
  void process();
  void handle(Request request);
  void fail(int status, const std::string& why);
  bool writeBlocked();
  void waitForDrain(Time deadline);
  void armIdle();
  void send(const Response& r, bool keepAlive, bool head);

  Server& server_;
  uint64_t id_;
  std::unique_ptr<loop::TcpStream> stream_;
  RequestParser parser_;
  loop::Timer timer_;
  State state_ = State::kReading;
  uint64_t seq_ = 0;       // number of the request being handled
  bool keepAlive_ = true;  // of the request being handled
  bool http10_ = false;    // the request being handled is HTTP/1.0
  bool head_ = false;
  bool inRequest_ = false;   // the slow-client deadline is armed for the current request
  bool processing_ = false;  // process() is on the stack (a handler answered synchronously)
};

void Connection::onData(ByteSpan data) {
  if (state_ == State::kClosing) return;
  parser_.feed(data);
  if (state_ == State::kHandling) {
    // Pipelined input while a handler runs: hold a bounded amount, then stop reading.
    if (parser_.buffered() > server_.options_.maxBufferedBytes) stream_->pauseReading();
    return;
  }
  process();
}

// Hands out buffered requests one at a time until one is pending or input runs out.
void Connection::process() {
  if (processing_) return;  // the outer call continues the loop
  processing_ = true;
  while (state_ == State::kReading) {
    if (writeBlocked()) break;
    auto e = parser_.next();
    if (e.kind == RequestParser::Kind::kRequest) {
      handle(std::move(e.request));
      continue;
    }
    if (e.kind == RequestParser::Kind::kError) {
      fail(e.status, e.error);
    } else if (e.kind == RequestParser::Kind::kClosed) {
      closeGracefully();
    } else if (!parser_.betweenRequests() && !inRequest_) {
      // RFC 9112 §9.5 lets a server close a slow connection; 408 says why.
      inRequest_ = true;
      timer_.start(server_.options_.requestTimeout, [this] {
        ++server_.stats_.timeouts;
        fail(408, "request not completed in time");
      });
    }
    break;
  }
  processing_ = false;
}

void Connection::handle(Request request) {
  state_ = State::kHandling;
  inRequest_ = false;
  keepAlive_ = request.keepAlive;
  http10_ = request.versionMajor == 1 && request.versionMinor == 0;
  head_ = request.method == "HEAD";
  ++seq_;
  ++server_.stats_.requests;
  uint64_t seq = seq_;
  timer_.start(server_.options_.handlerTimeout, [this, seq] {
    LOG_WARNING("http: " + stream_->peer().str() + ": handler did not answer in time");
    ++server_.stats_.timeouts;
    keepAlive_ = false;
    respond(seq, Response::error(503));
  });
  Responder responder(weak_from_this(), seq);
  // Exceptions must not cross the libuv callback: a throwing handler is a 500 (sent by
  // the Responder's destructor if it was not moved away).
  try {
    server_.handler_(std::move(request), stream_->peer(), std::move(responder));
  } catch (const std::exception& e) {
    LOG_ERROR("http: handler failed for " + stream_->peer().str() + ": " + e.what());
  }
}

void Connection::respond(uint64_t seq, Response response) {
  if (!awaiting(seq)) return;
  bool keepAlive = keepAlive_ && stream_->pendingWriteBytes() < server_.options_.maxPendingWrite;
  send(response, keepAlive, head_);
  if (!keepAlive) {
    closeGracefully();
    return;
  }
  state_ = State::kReading;
  stream_->resumeReading();
  armIdle();
  process();
}

void Connection::send(const Response& r, bool keepAlive, bool head) {
  if (server_.options_.serverName.empty() || r.headers.has("Server")) {
    (void)stream_->write(serializeResponse(r, keepAlive, head, http10_));
    return;
  }
  Response copy = r;
  copy.headers.add("Server", server_.options_.serverName);
  (void)stream_->write(serializeResponse(copy, keepAlive, head, http10_));
}

void Connection::fail(int status, const std::string& why) {
  if (state_ == State::kClosing) return;
  LOG_INFO("http: " + stream_->peer().str() + ": " + std::to_string(status) + " " + why);
  ++server_.stats_.errors;
  send(Response::error(status), false, false);
  closeGracefully();
}

// A client that sends requests but does not read the answers: stop handling its
// requests (and reading) until the backlog drains, and give up after writeTimeout.
bool Connection::writeBlocked() {
  if (stream_->pendingWriteBytes() < server_.options_.maxPendingWrite) return false;
  stream_->pauseReading();
  waitForDrain(server_.loop_.now() + server_.options_.writeTimeout);
  return true;
}

// The loop API has no write-drained callback: check every 20 ms until the deadline.
void Connection::waitForDrain(Time deadline) {
  timer_.start(milliseconds(20), [this, deadline] {
    if (state_ != State::kReading) return;
    if (stream_->pendingWriteBytes() < server_.options_.maxPendingWrite) {
      stream_->resumeReading();
      armIdle();
      process();
    } else if (server_.loop_.now() >= deadline) {
      ++server_.stats_.timeouts;
      LOG_INFO("http: " + stream_->peer().str() + ": not reading responses, closing");
      shutdown();
    } else {
      waitForDrain(deadline);
    }
  });
}

void Connection::armIdle() {
  inRequest_ = false;
  timer_.start(server_.options_.idleTimeout, [this] {
    if (state_ != State::kReading) return;
    LOG_DEBUG("http: " + stream_->peer().str() + ": idle, closing");
    closeGracefully();
  });
}

Responder& Responder::operator=(Responder&& o) noexcept {
  if (this != &o) {
    if (pending()) respond(Response::error(500));
    conn_ = std::move(o.conn_);
    seq_ = o.seq_;
    o.conn_.reset();
  }
  return *this;
}

Responder::~Responder() {
  if (pending()) respond(Response::error(500));
}

void Responder::respond(Response response) {
  auto c = conn_.lock();
  conn_.reset();
  if (c) c->respond(seq_, std::move(response));
}

bool Responder::pending() const {
  auto c = conn_.lock();
  return c && c->awaiting(seq_);
}

Server::Server(loop::Loop& loop, Handler handler, ServerOptions options)
    : loop_(loop), handler_(std::move(handler)), options_(std::move(options)), reaper_(loop) {}

Server::~Server() {
  close();
  connections_.clear();
  retired_.clear();
}

Status Server::listen(const loop::SockAddr& local) {
  auto l = std::make_unique<loop::TcpListener>(loop_);
  RE6ST_TRY(l->listen(
      local, [this](std::unique_ptr<loop::TcpStream> s) { accept(std::move(s)); },
      /*v6only=*/true));
  listeners_.push_back(std::move(l));
  return {};
}

std::vector<loop::SockAddr> Server::localAddresses() const {
  std::vector<loop::SockAddr> out;
  for (const auto& l : listeners_)
    if (auto a = l->localAddress(); a.ok()) out.push_back(*a);
  return out;
}

void Server::accept(std::unique_ptr<loop::TcpStream> stream) {
  ++stats_.accepted;
  if (connections_.size() >= options_.maxConnections) {
    ++stats_.rejected;
    LOG_WARNING("http: too many connections, dropping " + stream->peer().str());
    return;  // the stream's destructor closes it
  }
  uint64_t id = nextId_++;
  auto c = std::make_shared<Connection>(*this, id, std::move(stream));
  connections_.emplace(id, c);
  c->start();
}

void Server::retire(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  retired_.push_back(std::move(it->second));
  connections_.erase(it);
  reaper_.start(Duration(0), [this] { retired_.clear(); });
}

void Server::close() {
  listeners_.clear();
  // shutdown() retires the connection, which edits the map: iterate over a copy.
  std::vector<std::shared_ptr<Connection>> all;
  for (auto& [id, c] : connections_) all.push_back(c);
  for (auto& c : all) c->shutdown();
}

std::string forwardedClient(const Request& request) {
  const std::string* v = request.headers.find("X-Forwarded-For");
  if (v == nullptr || v->empty()) v = request.headers.find("Host");
  if (v == nullptr) return {};
  std::string first = v->substr(0, v->find(','));
  size_t b = first.find_first_not_of(" \t"), e = first.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : first.substr(b, e - b + 1);
}

bool originAuthorized(const loop::SockAddr& peer, const Request& request,
                      const std::vector<std::string>& authorized) {
  auto listed = [&](const std::string& a) {
    for (const auto& x : authorized)
      if (x == a) return true;
    return false;
  };
  if (!listed(peer.host())) return false;
  const std::string* xff = request.headers.find("X-Forwarded-For");
  return xff == nullptr || xff->empty() || listed(*xff);
}

}  // namespace re6st::http
