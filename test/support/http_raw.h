// Test helper: a raw TCP client on a loop::Loop that sends bytes and collects what comes
// back, so server tests can speak broken HTTP. Runs the loop until a condition holds or
// a deadline passes. Header-only; loop thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "re6st/base/bytes.h"
#include "re6st/loop/loop.h"
#include "re6st/loop/tcp.h"

namespace re6st::test {

// Runs loop iterations until done() or `limit` elapsed; returns done().
inline bool runUntil(loop::Loop& loop, const std::function<bool()>& done,
                     Duration limit = seconds(10)) {
  loop::Timer guard(loop);
  bool expired = false;
  guard.start(limit, [&] { expired = true; });
  while (!done() && !expired) loop.runOnce(true);
  return done();
}

struct RawClient {
  explicit RawClient(loop::Loop& loop) : stream(std::make_unique<loop::TcpStream>(loop)) {}

  void connect(const loop::SockAddr& to) {
    stream->onData([this](ByteSpan b) { received += asString(b); });
    stream->onClose([this](Status s) {
      closed = true;
      closeStatus = s;
    });
    stream->connect(to, [this](Status s) {
      connected = s.ok();
      if (!s.ok()) closed = true;
    });
  }
  void send(std::string_view text) { (void)stream->write(asBytes(text)); }
  size_t count(std::string_view needle) const {
    size_t n = 0;
    for (size_t p = received.find(needle); p != std::string::npos; p = received.find(needle, p + 1))
      ++n;
    return n;
  }

  std::unique_ptr<loop::TcpStream> stream;
  std::string received;
  bool connected = false;
  bool closed = false;
  Status closeStatus;
};

}  // namespace re6st::test
