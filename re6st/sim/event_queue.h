// The simulator's virtual clock: a queue of timed callbacks run in (time, insertion)
// order, so a simulation is deterministic for a given seed. Time only moves when the
// queue runs. Single-threaded; callbacks may schedule more events.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "re6st/base/clock.h"

namespace re6st::sim {

class EventQueue {
 public:
  explicit EventQueue(Time start = Time()) : now_(start) {}
  Time now() const { return now_; }
  // Runs fn at time t (not before now).
  void at(Time t, std::function<void()> fn);
  void after(Duration d, std::function<void()> fn) { at(now_ + d, std::move(fn)); }
  // Runs events up to and including `until`, then sets the clock to it. Returns the
  // number of events run.
  uint64_t runUntil(Time until);
  uint64_t runFor(Duration d) { return runUntil(now_ + d); }
  size_t pending() const { return queue_.size(); }
  uint64_t executed() const { return executed_; }

 private:
  struct Event {
    Time t;
    uint64_t seq;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.t != b.t ? a.t > b.t : a.seq > b.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  Time now_;
  uint64_t seq_ = 0;
  uint64_t executed_ = 0;
};

}  // namespace re6st::sim
