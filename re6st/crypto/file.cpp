#include "re6st/crypto/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace re6st::crypto {

static Error sysError(const std::string& path, const char* what) {
  Code code = errno == ENOENT ? Code::kNotFound
              : (errno == EACCES || errno == EPERM) ? Code::kPermission
                                                    : Code::kIo;
  return Error{code, path + ": " + what + ": " + std::strerror(errno)};
}

Result<std::string> readFile(const std::string& path, size_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sysError(path, "cannot open");
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return Error{Code::kInvalid, path + ": is a directory"};
  }
  std::string data;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = sysError(path, "cannot read");
      close(fd);
      return e;
    }
    if (n == 0) break;
    data.append(buf, size_t(n));
    if (data.size() > max_bytes) {
      close(fd);
      return Error{Code::kInvalid, path + ": file too large"};
    }
  }
  close(fd);
  return data;
}

Status writeFileAtomic(const std::string& path, const std::string& data, mode_t mode) {
  // The temporary lives next to the target so rename() stays within one file system.
  std::string tmp = path + ".tmp" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return sysError(tmp, "cannot create");
  fchmod(fd, mode);  // the umask must not widen nor narrow the requested mode
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      Error e = sysError(tmp, "cannot write");
      close(fd);
      unlink(tmp.c_str());
      return e;
    }
    done += size_t(n);
  }
  bool synced = fsync(fd) == 0;
  bool closed = close(fd) == 0;
  if (!synced || !closed) {
    Error e = sysError(tmp, "cannot write");
    unlink(tmp.c_str());
    return e;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = sysError(path, "cannot replace");
    unlink(tmp.c_str());
    return e;
  }
  return {};
}

}  // namespace re6st::crypto
