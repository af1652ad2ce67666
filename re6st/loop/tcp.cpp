// TcpStream and TcpListener over uv_tcp. Handles point back to their owner through
// `data`; destruction clears it and closes the handle (freed in the close callback).
#include "re6st/loop/tcp.h"

#include <uv.h>

#include <cstring>

namespace re6st::loop {
namespace {

Error uvError(const std::string& what, int rc) {
  return makeError(Code::kIo, what + ": " + uv_strerror(static_cast<int>(rc)));
}

void closeTcp(uv_tcp_t* h) {
  auto* handle = reinterpret_cast<uv_handle_t*>(h);
  handle->data = nullptr;
  if (!uv_is_closing(handle))
    uv_close(handle, [](uv_handle_t* x) { delete reinterpret_cast<uv_tcp_t*>(x); });
}

struct WriteReq {
  uv_write_t req;
  Bytes data;
};

}  // namespace

struct TcpImpl {
  static void onRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
    auto* self = static_cast<TcpStream*>(s->data);
    if (self == nullptr || self->closed_) return;
    if (nread > 0) {
      if (self->lingering_) {
        // closing: the peer's late bytes are read only so the kernel does not reset
      } else if (self->onData_) {
        auto cb = self->onData_;
        cb(ByteSpan(reinterpret_cast<const uint8_t*>(buf->base), static_cast<size_t>(nread)));
      }
    } else if (nread == UV_EOF) {
      self->finish({});
    } else if (nread < 0) {
      self->finish(uvError("read from " + self->peer_.str(), static_cast<int>(nread)));
    }
  }

  // Every read lands in the stream's one buffer: data is consumed inside onRead, so no
  // allocation per read. A stream closed meanwhile gets an empty buffer (read ends).
  static void onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
    auto* self = static_cast<TcpStream*>(h->data);
    if (self == nullptr) {
      *buf = uv_buf_init(nullptr, 0);
      return;
    }
    if (self->readBuf_.empty()) self->readBuf_.resize(65536);
    *buf = uv_buf_init(reinterpret_cast<char*>(self->readBuf_.data()),
                       static_cast<unsigned>(self->readBuf_.size()));
  }

  static void onWrite(uv_write_t* req, int status) {
    auto* w = reinterpret_cast<WriteReq*>(req);
    auto* self = static_cast<TcpStream*>(req->handle->data);
    size_t n = w->data.size();
    delete w;
    if (self == nullptr) return;
    self->pending_ -= n;
    if (status < 0 && !self->closed_) {
      self->finish(uvError("write to " + self->peer_.str(), status));
      return;
    }
    if (self->closeAfterFlush_ && self->pending_ == 0) self->startLinger();
  }

  static void onConnection(uv_stream_t* server, int status) {
    auto* self = static_cast<TcpListener*>(server->data);
    if (self == nullptr || status < 0) return;
    auto stream = std::make_unique<TcpStream>(self->loop_);
    if (uv_accept(server, reinterpret_cast<uv_stream_t*>(stream->h_)) != 0) return;
    sockaddr_storage ss{};
    int len = sizeof ss;
    if (uv_tcp_getpeername(stream->h_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
      if (auto a = SockAddr::fromRaw(reinterpret_cast<sockaddr*>(&ss), len); a.ok())
        stream->peer_ = *a;
    }
    if (self->cb_) {
      auto cb = self->cb_;
      cb(std::move(stream));
    }
  }
};

TcpStream::TcpStream(Loop& loop) : loop_(loop), h_(new uv_tcp_t) {
  uv_tcp_init(loop.raw(), h_);
  h_->data = this;
}

TcpStream::~TcpStream() {
  if (h_ != nullptr) closeTcp(h_);
}

void TcpStream::connect(const SockAddr& to, std::function<void(Status)> cb) {
  peer_ = to;
  if (closed_) {
    cb(makeError(Code::kIo, "connect on a closed stream to " + to.str()));
    return;
  }
  struct Req {
    uv_connect_t req;
    std::function<void(Status)> cb;
  };
  auto* r = new Req{{}, std::move(cb)};
  int rc = uv_tcp_connect(&r->req, h_, to.raw(), [](uv_connect_t* req, int status) {
    auto* r = reinterpret_cast<Req*>(req);
    auto* self = static_cast<TcpStream*>(req->handle->data);
    auto cb = std::move(r->cb);
    delete r;
    if (self == nullptr) return;  // destroyed while connecting
    if (status < 0) {
      self->onClose_ = nullptr;  // the connect callback reports this failure
      self->finish(uvError("connect to " + self->peer_.str(), status));
      cb(uvError("connect to " + self->peer_.str(), status));
      return;
    }
    self->startReading();
    cb({});
  });
  if (rc != 0) {
    auto c = std::move(r->cb);
    delete r;
    onClose_ = nullptr;
    finish(uvError("connect to " + to.str(), rc));
    c(uvError("connect to " + to.str(), rc));
  }
}

void TcpStream::onData(std::function<void(ByteSpan)> cb) {
  onData_ = std::move(cb);
  startReading();
}

void TcpStream::onClose(std::function<void(Status)> cb) { onClose_ = std::move(cb); }

void TcpStream::startReading() {
  if (reading_ || closed_ || (!onData_ && !lingering_)) return;
  auto* s = reinterpret_cast<uv_stream_t*>(h_);
  if (!uv_is_readable(s)) return;  // not connected yet: connect() starts reading
  if (uv_read_start(s, TcpImpl::onAlloc, TcpImpl::onRead) == 0) reading_ = true;
}

void TcpStream::pauseReading() {
  if (reading_ && h_ != nullptr) uv_read_stop(reinterpret_cast<uv_stream_t*>(h_));
  reading_ = false;
}

void TcpStream::resumeReading() { startReading(); }

Status TcpStream::write(ByteSpan data) {
  if (closed_) return makeError(Code::kIo, "write to closed stream " + peer_.str());
  if (data.empty()) return {};
  auto* w = new WriteReq{{}, Bytes(data.begin(), data.end())};
  uv_buf_t buf = uv_buf_init(reinterpret_cast<char*>(w->data.data()),
                             static_cast<unsigned>(w->data.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(h_), &buf, 1, TcpImpl::onWrite);
  if (rc != 0) {
    delete w;
    return uvError("write to " + peer_.str(), rc);
  }
  pending_ += data.size();
  return {};
}

void TcpStream::close(bool graceful) {
  if (closed_) return;
  if (!graceful) {
    finish({});
    return;
  }
  if (closeAfterFlush_) return;  // already closing
  closeAfterFlush_ = true;
  lingering_ = true;
  startReading();
  if (pending_ == 0) startLinger();
}

void TcpStream::startLinger() {
  if (closed_ || linger_) return;
  auto* req = new uv_shutdown_t;
  if (uv_shutdown(req, reinterpret_cast<uv_stream_t*>(h_),
                  [](uv_shutdown_t* r, int) { delete r; }) != 0) {
    delete req;
    finish({});
    return;
  }
  linger_ = std::make_unique<Timer>(loop_);
  linger_->start(seconds(2), [this] { finish({}); });
}

void TcpStream::finish(Status why) {
  if (closed_) return;
  closed_ = true;
  pauseReading();
  linger_.reset();
  // Closing the handle sends FIN (or RST) to the peer; the memory goes in the callback.
  closeTcp(h_);
  h_ = nullptr;
  if (onClose_) {
    auto cb = std::move(onClose_);
    onClose_ = nullptr;
    cb(why);  // may destroy *this
  }
}

SockAddr TcpStream::local() const {
  if (h_ == nullptr) return {};
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getsockname(h_, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
    if (auto a = SockAddr::fromRaw(reinterpret_cast<sockaddr*>(&ss), len); a.ok()) return *a;
  return {};
}

void TcpStream::setNoDelay(bool on) {
  if (h_ != nullptr) uv_tcp_nodelay(h_, on ? 1 : 0);
}

int TcpStream::fd() const {
  if (h_ == nullptr) return -1;
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<const uv_handle_t*>(h_), &fd);
  return fd;
}

TcpListener::TcpListener(Loop& loop) : loop_(loop), h_(new uv_tcp_t) {
  uv_tcp_init(loop.raw(), h_);
  h_->data = this;
}

TcpListener::~TcpListener() { closeTcp(h_); }

Status TcpListener::listen(const SockAddr& local,
                           std::function<void(std::unique_ptr<TcpStream>)> cb, bool v6only,
                           int backlog) {
  cb_ = std::move(cb);
  unsigned flags = (local.isV6() && v6only) ? UV_TCP_IPV6ONLY : 0;
  if (int rc = uv_tcp_bind(h_, local.raw(), flags); rc != 0)
    return uvError("bind " + local.str(), rc);
  if (int rc = uv_listen(reinterpret_cast<uv_stream_t*>(h_), backlog, TcpImpl::onConnection);
      rc != 0)
    return uvError("listen on " + local.str(), rc);
  return {};
}

Result<SockAddr> TcpListener::localAddress() const {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (int rc = uv_tcp_getsockname(h_, reinterpret_cast<sockaddr*>(&ss), &len); rc != 0)
    return uvError("getsockname", rc);
  return SockAddr::fromRaw(reinterpret_cast<sockaddr*>(&ss), len);
}

}  // namespace re6st::loop
