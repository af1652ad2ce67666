// Loop, Timer, Signal, Poll and Fd over libuv. Each handle's `data` points back to its
// owner; the destructor clears it and closes the handle, and the close callback frees
// the memory, so a late libuv callback never reaches a destroyed object.
#include "re6st/loop/loop.h"

#include <uv.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace re6st::loop {
namespace {

template <class H>
void closeAndFree(H* h) {
  if (h == nullptr) return;
  auto* handle = reinterpret_cast<uv_handle_t*>(h);
  handle->data = nullptr;
  if (uv_is_closing(handle)) return;
  uv_close(handle, [](uv_handle_t* x) { delete reinterpret_cast<H*>(x); });
}

Error uvError(const char* what, int rc) {
  return makeError(Code::kIo, std::string(what) + ": " + uv_strerror(rc));
}

}  // namespace

Loop::Loop() : loop_(new uv_loop_t) {
  if (int rc = uv_loop_init(loop_); rc != 0) {
    delete loop_;
    throw std::runtime_error(std::string("uv_loop_init: ") + uv_strerror(rc));
  }
}

Loop::~Loop() {
  uv_walk(
      loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) {
          h->data = nullptr;
          uv_close(h, nullptr);  // owner outlived the loop: its destructor will not free
        }
      },
      nullptr);
  while (uv_loop_close(loop_) == UV_EBUSY) uv_run(loop_, UV_RUN_ONCE);
  delete loop_;
}

void Loop::run() { uv_run(loop_, UV_RUN_DEFAULT); }
bool Loop::runOnce(bool block) { return uv_run(loop_, block ? UV_RUN_ONCE : UV_RUN_NOWAIT) != 0; }
void Loop::stop() { uv_stop(loop_); }
Time Loop::now() const { return SystemClock().now(); }

Timer::Timer(Loop& loop) : loop_(loop), h_(new uv_timer_t) {
  uv_timer_init(loop.raw(), h_);
  h_->data = this;
}
Timer::~Timer() { closeAndFree(h_); }

void Timer::onTimer(uv_timer_s* t) {
  auto* self = static_cast<Timer*>(t->data);
  if (self == nullptr || !self->cb_) return;
  auto cb = self->cb_;  // the callback may restart or destroy the timer
  cb();
}

void Timer::start(Duration after, std::function<void()> cb) {
  cb_ = std::move(cb);
  int64_t us = after.count() < 0 ? 0 : after.count();
  uv_update_time(loop_.raw());
  uv_timer_start(h_, onTimer, static_cast<uint64_t>((us + 999) / 1000), 0);
}

void Timer::startAt(Time at, std::function<void()> cb) { start(at - loop_.now(), std::move(cb)); }

void Timer::startRepeat(Duration every, std::function<void()> cb) {
  cb_ = std::move(cb);
  uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(1, (every.count() + 999) / 1000));
  uv_update_time(loop_.raw());
  uv_timer_start(h_, onTimer, ms, ms);
}

void Timer::stop() { uv_timer_stop(h_); }
bool Timer::active() const { return uv_is_active(reinterpret_cast<uv_handle_t*>(h_)) != 0; }

Signal::Signal(Loop& loop) : h_(new uv_signal_t) {
  uv_signal_init(loop.raw(), h_);
  h_->data = this;
}
Signal::~Signal() { closeAndFree(h_); }

void Signal::onSignal(uv_signal_s* s, int signum) {
  auto* self = static_cast<Signal*>(s->data);
  if (self != nullptr && self->cb_) {
    auto cb = self->cb_;
    cb(signum);
  }
}

Status Signal::start(int signum, std::function<void(int)> cb) {
  cb_ = std::move(cb);
  if (int rc = uv_signal_start(h_, onSignal, signum); rc != 0) return uvError("signal", rc);
  return {};
}
void Signal::stop() { uv_signal_stop(h_); }

Poll::Poll(Loop& loop, int fd) : h_(new uv_poll_t), fd_(fd) {
  if (int rc = uv_poll_init(loop.raw(), h_, fd); rc != 0) {
    delete h_;
    h_ = nullptr;
    throw std::runtime_error(std::string("uv_poll_init: ") + uv_strerror(rc));
  }
  h_->data = this;
}
Poll::~Poll() { closeAndFree(h_); }

void Poll::onPoll(uv_poll_s* p, int status, int events) {
  auto* self = static_cast<Poll*>(p->data);
  if (self == nullptr || !self->cb_) return;
  int ev = 0;
  if (status < 0) ev = 0;
  if (events & UV_READABLE) ev |= kReadable;
  if (events & UV_WRITABLE) ev |= kWritable;
  auto cb = self->cb_;
  cb(status < 0 ? 0 : ev);
}

Status Poll::start(int events, std::function<void(int)> cb) {
  cb_ = std::move(cb);
  int uvev = 0;
  if (events & kReadable) uvev |= UV_READABLE;
  if (events & kWritable) uvev |= UV_WRITABLE;
  if (int rc = uv_poll_start(h_, uvev, onPoll); rc != 0) return uvError("poll", rc);
  return {};
}
void Poll::stop() { uv_poll_stop(h_); }

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}
Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

}  // namespace re6st::loop
