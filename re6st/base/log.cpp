#include "re6st/base/log.h"

#include <ctime>
#include <mutex>

namespace re6st::log {
namespace {
std::mutex g_mutex;
int g_verbose = 1;
std::string g_path;
FILE* g_file = nullptr;  // nullptr = stderr
}  // namespace

void setup(int verbose, const std::string& path) {
  std::lock_guard lock(g_mutex);
  g_verbose = verbose;
  g_path = path;
  if (g_file) fclose(g_file);
  g_file = nullptr;
  if (verbose > 0 && !path.empty()) g_file = fopen(path.c_str(), "ae");
}

void reopen() {
  std::lock_guard lock(g_mutex);
  if (g_path.empty()) return;
  if (g_file) fclose(g_file);
  g_file = fopen(g_path.c_str(), "ae");
}

bool enabled(Level level) { return g_verbose >= int(level); }

void write(Level, const char* name, const std::string& message) {
  char stamp[32];
  time_t t = time(nullptr);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(stamp, sizeof stamp, "%d-%m-%Y %H:%M:%S", &tm);
  std::lock_guard lock(g_mutex);
  FILE* f = g_file ? g_file : stderr;
  fprintf(f, "%s %-9s %s\n", stamp, name, message.c_str());
  fflush(f);
}

}  // namespace re6st::log
