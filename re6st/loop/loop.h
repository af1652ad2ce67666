// RAII wrappers over libuv: one Loop per process, and handles (Timer, Signal, Poll) that
// own a heap-allocated uv struct, are neither copyable nor movable, and close themselves
// in their destructor (the struct is freed in the close callback). Callbacks never run
// after the owning object is destroyed. Single-threaded: use from the loop's thread only.
// This folder is the only one that includes <uv.h>.
#pragma once

#include <functional>
#include <memory>

#include "re6st/base/clock.h"
#include "re6st/base/result.h"

struct uv_loop_s;
struct uv_timer_s;
struct uv_signal_s;
struct uv_poll_s;

namespace re6st::loop {

class Loop {
 public:
  Loop();
  ~Loop();  // closes whatever handles remain, then runs until uv_loop_close succeeds
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  uv_loop_s* raw() { return loop_; }
  // Runs until stop() or until no active handle remains.
  void run();
  // Runs one iteration, blocking for I/O if `block` (used by tests and blocking helpers).
  bool runOnce(bool block = true);
  void stop();
  // Monotonic time on the same scale as SystemClock::now().
  Time now() const;

 private:
  uv_loop_s* loop_;
};

class Timer {
 public:
  explicit Timer(Loop& loop);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // One shot after `after` (rounded up to whole milliseconds). Restarting replaces.
  void start(Duration after, std::function<void()> cb);
  // One shot at monotonic time `at` (now() or earlier fires on the next iteration).
  void startAt(Time at, std::function<void()> cb);
  void startRepeat(Duration every, std::function<void()> cb);
  void stop();
  bool active() const;

 private:
  static void onTimer(uv_timer_s* t);
  Loop& loop_;
  uv_timer_s* h_;
  std::function<void()> cb_;
};

class Signal {
 public:
  explicit Signal(Loop& loop);
  ~Signal();
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;
  Status start(int signum, std::function<void(int)> cb);
  void stop();

 private:
  static void onSignal(uv_signal_s* s, int signum);
  uv_signal_s* h_;
  std::function<void(int)> cb_;
};

// Readiness of a file descriptor the caller owns (TUN devices, netlink, raw UDP sockets).
class Poll {
 public:
  enum Events { kReadable = 1, kWritable = 2 };
  Poll(Loop& loop, int fd);
  ~Poll();
  Poll(const Poll&) = delete;
  Poll& operator=(const Poll&) = delete;
  // cb(events) with events ⊆ requested; events == 0 with status < 0 signals an error.
  Status start(int events, std::function<void(int events)> cb);
  void stop();
  int fd() const { return fd_; }

 private:
  static void onPoll(uv_poll_s* p, int status, int events);
  uv_poll_s* h_;
  int fd_;
  std::function<void(int)> cb_;
};

// An owned file descriptor (closed on destruction). Move-only.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_ = -1;
};

}  // namespace re6st::loop
