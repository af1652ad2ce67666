// TCP on the loop: a listener handing out accepted streams, and streams with queued
// writes, a data callback and a close callback (called once, with the reason).
// Not copyable, not movable; loop thread only. A stream may be destroyed from its own
// callbacks only through close() (deferred); destroying it elsewhere is always safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"
#include "re6st/loop/loop.h"
#include "re6st/loop/sock_addr.h"

struct uv_tcp_s;
struct uv_stream_s;
struct uv_connect_s;

namespace re6st::loop {

class TcpStream {
 public:
  explicit TcpStream(Loop& loop);
  ~TcpStream();
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;

  // Connects; cb(Status) is called once. Set callbacks with onData/onClose first.
  void connect(const SockAddr& to, std::function<void(Status)> cb);
  // Data arrives here (span valid during the call). Reading starts with the callback.
  void onData(std::function<void(ByteSpan)> cb);
  // Called once when the stream ends: peer closed (ok Status), error, or close().
  void onClose(std::function<void(Status)> cb);
  // Queues bytes; they are copied. Returns an error if the stream is closed.
  Status write(ByteSpan data);
  size_t pendingWriteBytes() const { return pending_; }
  // Stops reading (back-pressure) / resumes.
  void pauseReading();
  void resumeReading();
  // Closes after queued writes are flushed (graceful) or at once. A graceful close sends
  // FIN and then discards what the peer still sends until it closes too (at most 2 s), so
  // a final answer is not destroyed by a reset when the peer was still writing.
  void close(bool graceful = true);
  bool closed() const { return closed_; }
  SockAddr peer() const { return peer_; }
  SockAddr local() const;
  void setNoDelay(bool on);
  int fd() const;

 private:
  friend class TcpListener;
  friend struct TcpImpl;
  void startReading();
  void startLinger();
  void finish(Status why);
  Loop& loop_;
  uv_tcp_s* h_;
  SockAddr peer_;
  std::function<void(ByteSpan)> onData_;
  std::function<void(Status)> onClose_;
  size_t pending_ = 0;
  bool closed_ = false;
  bool reading_ = false;
  bool closeAfterFlush_ = false;
  bool lingering_ = false;  // graceful close in progress: incoming data is discarded
  std::unique_ptr<Timer> linger_;
  Bytes readBuf_;  // reused by every read (see onAlloc)
};

class TcpListener {
 public:
  explicit TcpListener(Loop& loop);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // v6only applies to IPv6 listeners (IPV6_V6ONLY).
  Status listen(const SockAddr& local, std::function<void(std::unique_ptr<TcpStream>)> cb,
                bool v6only = true, int backlog = 511);
  Result<SockAddr> localAddress() const;

 private:
  friend struct TcpImpl;
  Loop& loop_;
  uv_tcp_s* h_;
  std::function<void(std::unique_ptr<TcpStream>)> cb_;
};

}  // namespace re6st::loop
