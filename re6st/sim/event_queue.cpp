// Virtual clock event loop; see event_queue.h.
#include "re6st/sim/event_queue.h"

namespace re6st::sim {

void EventQueue::at(Time t, std::function<void()> fn) {
  if (t < now_) t = now_;
  queue_.push(Event{t, seq_++, std::move(fn)});
}

uint64_t EventQueue::runUntil(Time until) {
  uint64_t n = 0;
  while (!queue_.empty() && queue_.top().t <= until) {
    // Move the callback out before popping: it may push new events.
    Event e = std::move(const_cast<Event&>(queue_.top()));
    queue_.pop();
    now_ = e.t;
    e.fn();
    ++n;
  }
  if (until > now_) now_ = until;
  executed_ += n;
  return n;
}

}  // namespace re6st::sim
