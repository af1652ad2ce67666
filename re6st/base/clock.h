// Time as sans-I/O cores see it: a monotonic Time in microseconds from an arbitrary
// origin, passed in by drivers (real clock) or by the simulator (virtual clock).
// Cores never call a clock themselves. Wall time (for certificates) is separate.
#pragma once

#include <chrono>
#include <cstdint>

namespace re6st {

// A chrono clock tag: Time values from different Clock implementations must not mix.
struct MonoClock {
  using rep = int64_t;
  using period = std::micro;
  using duration = std::chrono::microseconds;
  using time_point = std::chrono::time_point<MonoClock>;
  static constexpr bool is_steady = true;
};

using Time = MonoClock::time_point;
using Duration = std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

inline Time timeFromMicros(int64_t us) { return Time(Duration(us)); }
inline int64_t toMicros(Time t) { return t.time_since_epoch().count(); }
inline int64_t toMillis(Duration d) { return std::chrono::duration_cast<milliseconds>(d).count(); }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time now() const = 0;
  // Seconds since the Unix epoch (certificate validity, registry dates).
  virtual int64_t wallSeconds() const = 0;
};

// The real clocks (CLOCK_MONOTONIC, CLOCK_REALTIME).
class SystemClock final : public Clock {
 public:
  Time now() const override {
    auto d = std::chrono::steady_clock::now().time_since_epoch();
    return Time(std::chrono::duration_cast<Duration>(d));
  }
  int64_t wallSeconds() const override {
    return std::chrono::duration_cast<seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that only moves when told to: unit tests and the simulator.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Time start = Time(), int64_t wall = 1'700'000'000)
      : now_(start), wall0_(wall), start_(start) {}
  Time now() const override { return now_; }
  int64_t wallSeconds() const override {
    return wall0_ + std::chrono::duration_cast<seconds>(now_ - start_).count();
  }
  void advance(Duration d) { now_ += d; }
  void set(Time t) { now_ = t; }

 private:
  Time now_;
  int64_t wall0_;
  Time start_;
};

}  // namespace re6st
