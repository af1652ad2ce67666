// Process-wide logging with re6stnet's verbosity levels: -v 0 disables logging,
// 1 = WARNING, 2 = INFO, 3 = DEBUG, 4 = TRACE; errors show at any level > 0.
// Lines look like re6stnet's: "24-11-2026 20:01:15 WARNING   message".
// Thread-safe (one mutex); the log file can be reopened (SIGUSR1) at any time.
#pragma once

#include <cstdio>
#include <string>

namespace re6st::log {

enum class Level { kError = 1, kWarning = 1, kInfo = 2, kDebug = 3, kTrace = 4 };

// verbose: re6stnet's -v value. path empty = stderr.
void setup(int verbose, const std::string& path = {});
void reopen();
bool enabled(Level level);
void write(Level level, const char* name, const std::string& message);

}  // namespace re6st::log

#define RE6ST_LOG_(lvl, name, msg)                                              \
  do {                                                                          \
    if (::re6st::log::enabled(lvl)) ::re6st::log::write(lvl, name, (msg));     \
  } while (0)
#define LOG_ERROR(msg) RE6ST_LOG_(::re6st::log::Level::kError, "ERROR", msg)
#define LOG_WARNING(msg) RE6ST_LOG_(::re6st::log::Level::kWarning, "WARNING", msg)
#define LOG_INFO(msg) RE6ST_LOG_(::re6st::log::Level::kInfo, "INFO", msg)
#define LOG_DEBUG(msg) RE6ST_LOG_(::re6st::log::Level::kDebug, "DEBUG", msg)
#define LOG_TRACE(msg) RE6ST_LOG_(::re6st::log::Level::kTrace, "TRACE", msg)
