// Upnp: UpnpCore on the loop thread, its commands run one at a time by a worker thread
// (miniupnpc blocks: 2 s of SSDP, SOAP round trips). The worker hands each reply back
// under a mutex and wakes the loop through an eventfd watched by a loop::Poll.
// State shared with the worker lives in a shared_ptr, so a worker abandoned by stop()
// (stuck in a slow IGD) finishes on its own without touching freed memory.
#include "re6st/node/upnp.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "re6st/base/log.h"
#include "re6st/crypto/random.h"

namespace re6st::node {

struct Upnp::Shared {
  std::mutex mu;
  std::condition_variable workCv;   // worker: a command or quit
  std::condition_variable replyCv;  // stop(): a reply or the worker's exit
  std::optional<UpnpCommand> work;
  std::optional<Result<std::string>> reply;
  bool quit = false, exited = false, running = false;
  loop::Fd wake;
  std::unique_ptr<UpnpGateway> gateway;
  std::thread thread;
};

Upnp::Upnp(loop::Loop& loop, Handlers handlers, UpnpOptions opt,
           std::unique_ptr<UpnpGateway> gateway, Random* random)
    : loop_(loop),
      handlers_(std::move(handlers)),
      ownRandom_(random ? nullptr : std::make_unique<crypto::Csprng>()),
      core_(opt, random ? *random : *ownRandom_),
      shared_(std::make_shared<Shared>()),
      timer_(loop) {
  shared_->gateway = gateway ? std::move(gateway) : makeMiniupnpcGateway();
}

Upnp::~Upnp() { stop(kStopBudget); }

Status Upnp::start(std::vector<UpnpRule> rules, std::string description) {
  if (started_ || stopped_) return makeError(Code::kInvalid, "UPnP: already started");
  if (rules.empty()) return makeError(Code::kInvalid, "UPnP: no port to map");
  for (const auto& r : rules)
    if (r.internalPort == 0) return makeError(Code::kInvalid, "UPnP: port 0 cannot be mapped");
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return makeError(Code::kIo, std::string("eventfd: ") + std::strerror(errno));
  shared_->wake = loop::Fd(fd);
  poll_ = std::make_unique<loop::Poll>(loop_, fd);
  RE6ST_TRY(poll_->start(loop::Poll::kReadable, [this](int) { onWake(); }));
  started_ = true;
  std::shared_ptr<Shared> s = shared_;
  s->thread = std::thread([s] { worker(s); });
  LOG_INFO("UPnP: looking for an Internet Gateway Device");
  core_.start(loop_.now(), std::move(rules), std::move(description));
  pump();
  deliver();
  arm();
  return {};
}

// The worker: wait for a command, run it without the lock, post the reply, wake the loop.
void Upnp::worker(const std::shared_ptr<Shared>& s) {
  std::unique_lock<std::mutex> lk(s->mu);
  for (;;) {
    s->workCv.wait(lk, [&] { return s->quit || s->work.has_value(); });
    if (!s->work) break;  // quit with nothing left to do
    UpnpCommand c = std::move(*s->work);
    s->work.reset();
    s->running = true;
    lk.unlock();
    Result<std::string> r = runUpnpCommand(*s->gateway, c);
    lk.lock();
    s->running = false;
    s->reply = std::move(r);
    s->replyCv.notify_all();
    uint64_t one = 1;
    if (s->wake.valid() && ::write(s->wake.get(), &one, sizeof one) < 0) {
      // EAGAIN: the counter is already non-zero, the loop will wake anyway.
    }
  }
  s->exited = true;
  s->replyCv.notify_all();
}

// Hands the core's next command to the worker (the core keeps at most one outstanding).
void Upnp::pump() {
  if (stopped_) return;  // a handler may have called stop()
  auto c = core_.pollCommand();
  if (!c) return;
  LOG_TRACE("UPnP: command " + std::to_string(static_cast<int>(c->kind)));
  std::lock_guard<std::mutex> lk(shared_->mu);
  shared_->work = std::move(*c);
  shared_->workCv.notify_one();
}

void Upnp::onWake() {
  uint64_t n = 0;
  while (::read(shared_->wake.get(), &n, sizeof n) > 0) {
  }
  std::optional<Result<std::string>> reply;
  {
    std::lock_guard<std::mutex> lk(shared_->mu);
    reply.swap(shared_->reply);
  }
  if (!reply || stopped_) return;
  if (!reply->ok()) LOG_DEBUG("UPnP: " + reply->error().message);
  core_.handleReply(loop_.now(), *reply);
  pump();
  deliver();
  arm();
}

void Upnp::deliver() {
  while (!stopped_) {
    auto e = core_.pollEvent();
    if (!e) return;
    if (e->kind == UpnpEvent::Kind::kMapped) {
      std::string text;
      for (const auto& m : e->mappings)
        text += " " + std::to_string(m.externalPort) + "/" + upnpProtoName(m.proto) + "->" +
                std::to_string(m.internalPort);
      LOG_INFO("UPnP: forwarded from " + e->externalIp + ":" + text);
      if (handlers_.onMapped) handlers_.onMapped(e->externalIp, e->mappings);
    } else {
      LOG_INFO("UPnP: " + e->reason);
      if (handlers_.onLost) handlers_.onLost(e->reason);
    }
  }
}

void Upnp::arm() {
  if (stopped_) return;
  auto t = core_.nextTimeout();
  if (!t) {
    timer_.stop();
    return;
  }
  timer_.startAt(*t, [this] {
    core_.handleTimeout(loop_.now());
    pump();
    deliver();
    arm();
  });
}

void Upnp::stop(Duration budget) {
  if (stopped_) return;
  stopped_ = true;
  timer_.stop();
  if (poll_) poll_->stop();
  if (!started_) return;
  auto deadline = std::chrono::steady_clock::now() + budget;
  core_.stop();
  std::unique_lock<std::mutex> lk(shared_->mu);
  if (shared_->work) {
    // Handed over but not started: cancelled, so it never reaches the IGD.
    shared_->work.reset();
    core_.handleReply(loop_.now(), makeError(Code::kTimeout, "cancelled"));
  }
  // Finish what the worker is doing, then send the deletes the core queued, one by one.
  for (;;) {
    if (shared_->reply) {
      Result<std::string> r = std::move(*shared_->reply);
      shared_->reply.reset();
      core_.handleReply(loop_.now(), r);
    }
    if (core_.stopped()) break;
    if (auto c = core_.pollCommand()) {
      shared_->work = std::move(*c);
      shared_->workCv.notify_one();
    }
    if (!shared_->replyCv.wait_until(lk, deadline, [&] { return shared_->reply.has_value(); }))
      break;
  }
  if (!core_.stopped()) LOG_WARNING("UPnP: the IGD did not confirm every deletion in time");
  shared_->quit = true;
  shared_->workCv.notify_one();
  // A worker still inside a call (a discovery that no longer matters, or a late IGD) is
  // not waited for: it exits on its own when the call returns.
  bool exited = !shared_->running && shared_->replyCv.wait_until(
                                         lk, std::max(deadline, std::chrono::steady_clock::now()),
                                         [&] { return shared_->exited; });
  lk.unlock();
  if (exited) {
    shared_->thread.join();
  } else {
    if (!core_.stopped()) LOG_WARNING("UPnP: abandoning a blocked IGD request");
    shared_->thread.detach();
  }
}

}  // namespace re6st::node
