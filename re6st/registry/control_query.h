// One question to the registry's own node over its control socket (--run/re6st.sock,
// one JSON object per line each way; re6st/node/control.h is the server), asked without
// blocking the registry's loop: re6st-registry asks babeld's socket the same way for the
// routes behind getBootstrapPeer, getIPv4Information and versions. Loop thread only;
// the callback runs once, never after the object is destroyed.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "re6st/base/result.h"
#include "re6st/loop/loop.h"

namespace re6st::registry {

class ControlQuery {
 public:
  using Done = std::function<void(Result<nlohmann::json>)>;
  static constexpr size_t kMaxAnswer = 32 * 1024 * 1024;

  explicit ControlQuery(loop::Loop& loop);
  ~ControlQuery();
  ControlQuery(const ControlQuery&) = delete;
  ControlQuery& operator=(const ControlQuery&) = delete;

  // Connects to `path`, sends `request` and calls done with the first answer line, or
  // with an error (no node, closed, not JSON, too large, no answer within timeout).
  // The callback always runs from the loop, never inside ask().
  void ask(const std::string& path, const nlohmann::json& request, Duration timeout, Done done);

 private:
  void onEvents(int events);
  void finish(Result<nlohmann::json> r);

  loop::Loop& loop_;
  loop::Fd fd_;
  std::unique_ptr<loop::Poll> poll_;
  loop::Timer timer_;
  std::string path_, out_, in_;
  Done done_;
};

}  // namespace re6st::registry
