// The node's control socket (--run/re6st.sock): a unix stream socket speaking one JSON
// object per line. A client sends {"cmd": "...", ...}; the server answers one line of JSON
// from the handler and keeps the connection for further requests. Loop thread only;
// hostile clients get {"error": ...} and bounded buffers, never a crash.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "re6st/base/result.h"
#include "re6st/loop/loop.h"

namespace re6st::node {

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;
  ControlServer(loop::Loop& loop, Handler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Listens on `path` (a stale socket file is replaced; mode 0600).
  Status listen(const std::string& path);
  size_t clientCount() const { return clients_.size(); }

  static constexpr size_t kMaxRequest = 64 * 1024;
  static constexpr size_t kMaxClients = 64;
  static constexpr size_t kMaxPendingAnswer = 16 * 1024 * 1024;

 private:
  struct Client;
  void accept();
  void watch(int fd);
  void flush(int fd);
  void onClientReadable(int fd);
  nlohmann::json answer(const std::string& line);
  void drop(int fd);
  loop::Loop& loop_;
  Handler handler_;
  std::string path_;
  loop::Fd fd_;
  std::unique_ptr<loop::Poll> poll_;
  std::map<int, std::unique_ptr<Client>> clients_;
};

// Blocking client for `re6st status` and tests: one request, one answer.
Result<nlohmann::json> controlRequest(const std::string& path, const nlohmann::json& request,
                                      int timeoutMs = 5000);

}  // namespace re6st::node
