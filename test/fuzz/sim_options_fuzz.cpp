// Fuzz target for `re6st sim` options: the input's lines are command-line words for
// scale::parseArgs, and the whole input also goes to parseDuration and parseLatency.
// Every result must be a Config within range or an error with a message; never a crash,
// a hang or undefined behaviour (huge numbers, negative shares, overflowing durations).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "re6st/base/random.h"
#include "re6st/scale/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace re6st;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> words;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\n') {
      words.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  auto c = scale::parseArgs(words);
  if (!c.ok()) {
    if (c.error().message.empty()) std::abort();
  } else {
    const scale::Config& cfg = c.value();
    if (cfg.nat < 0 || cfg.nat > 1 || cfg.loss < 0 || cfg.loss > 1) std::abort();
    if (cfg.hello <= Duration::zero() || cfg.duration < Duration::zero()) std::abort();
    for (const auto& k : cfg.kills) {
      if (k.share < 0 || k.share > 1 || k.at < Duration::zero()) std::abort();
    }
    SeededRandom rnd(1);
    Duration d = cfg.latency.draw(rnd);
    if (d < Duration::zero()) std::abort();
    (void)cfg.latency.str();
  }
  auto d = scale::parseDuration(text);
  if (!d.ok() && d.error().message.empty()) std::abort();
  if (d.ok() && d.value() < Duration::zero()) std::abort();
  auto l = scale::parseLatency(text);
  if (l.ok()) {
    SeededRandom rnd(2);
    if (l.value().draw(rnd) < Duration::zero()) std::abort();
  } else if (l.error().message.empty()) {
    std::abort();
  }
  return 0;
}
