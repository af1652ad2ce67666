// Runs a test body inside a fresh, private network namespace: a thread that calls
// unshare(CLONE_NEWNET) (namespaces are per thread), so the test process's own network
// is never touched. Processes the body starts (system("ip …")) inherit the namespace.
// Needs root (CAP_SYS_ADMIN); tests here run as root.
#pragma once

#include <sched.h>

#include <exception>
#include <functional>
#include <string>
#include <thread>

namespace re6st::test {

// Returns "" on success, else why the namespace could not be made or what the body threw.
inline std::string runInNewNetns(const std::function<void()>& body) {
  std::string failure;
  std::thread t([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      failure = "unshare(CLONE_NEWNET) failed (not root?)";
      return;
    }
    try {
      body();
    } catch (const std::exception& e) {
      failure = std::string("exception: ") + e.what();
    } catch (...) {
      failure = "exception";  // Catch2's REQUIRE failure
    }
  });
  t.join();
  return failure;
}

}  // namespace re6st::test
