// Fuzz target: UpnpCore fed hostile IGD answers. Every byte string is a script of replies
// (success with arbitrary text, or an error of any code) and clock jumps; the core must
// never crash, never hand out a second command while one is outstanding, only publish
// ports of re6stnet's range, and after stop() reach `stopped` once its deletes answer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "re6st/node/upnp.h"

using namespace re6st;
using namespace re6st::node;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct Script {
  const uint8_t* p;
  size_t n;
  uint8_t byte() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  std::string text() {
    size_t len = byte() % 48;
    std::string s;
    while (len-- && n) s.push_back(static_cast<char>(byte()));
    return s;
  }
};

void feedReply(UpnpCore& core, Time now, Script& s) {
  uint8_t op = s.byte();
  if (op % 4 == 0) {
    core.handleReply(now, makeError(static_cast<Code>(s.byte() % 10), s.text()));
  } else if (op % 4 == 1) {
    // Plausible answers: an address the core accepts, so mapping paths are reached.
    core.handleReply(now, std::string(op & 0x80 ? "11.1.1.1" : "198.19.1.2"));
  } else {
    core.handleReply(now, s.text());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Script s{data, size};
  SeededRandom rnd(size);
  UpnpOptions opt;
  opt.portTries = 1 + s.byte() % 20;
  opt.leaseSeconds = s.byte();
  UpnpCore core(opt, rnd);
  Time now = timeFromMicros(1'000'000);
  core.start(now, {{1194, UpnpProto::kUdp}, {1194, UpnpProto::kTcp}}, "fuzz");
  for (int step = 0; step < 400 && s.n; ++step) {
    if (auto c = core.pollCommand()) {
      check(!core.pollCommand());  // one outstanding at most
      if (c->kind == UpnpCommand::Kind::kAdd)
        check(c->externalPort >= 32768 && c->externalPort < 32768 + 8192);
      feedReply(core, now, s);
    } else if (auto t = core.nextTimeout()) {
      now = *t + seconds(s.byte() % 3);
      core.handleTimeout(now);
    }
    while (auto e = core.pollEvent())
      for (const auto& m : e->mappings) check(m.externalPort >= 32768);
  }
  core.stop();
  for (int i = 0; i < 64 && !core.stopped(); ++i) {
    auto c = core.pollCommand();
    if (c) check(c->kind == UpnpCommand::Kind::kDelete);
    core.handleReply(now, std::string());
  }
  check(core.stopped());
  check(!core.pollEvent());
  return 0;
}
