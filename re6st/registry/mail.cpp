#include "re6st/registry/mail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace re6st::registry {

MailMessage tokenMail(const std::string& from, const std::string& to, const std::string& token) {
  return {from, to, "[re6stnet] Token Request", "Hello, your token to join re6st network is: " + token + "\n"};
}

std::string formatMail(const MailMessage& m) {
  std::string s =
      "Content-Type: text/plain; charset=\"us-ascii\"\nMIME-Version: 1.0\n"
      "Content-Transfer-Encoding: 7bit\nSubject: " + m.subject + "\n";
  if (!m.from.empty()) s += "From: " + m.from + "\n";
  s += "To: " + m.to + "\n\n" + m.body;
  return s;
}

std::string mboxEntry(const MailMessage& m, int64_t now_s) {
  time_t t = time_t(now_s);
  struct tm tm;
  gmtime_r(&t, &tm);
  char when[64];
  strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);  // time.asctime()
  std::string body = formatMail(m);
  // mboxrd: a body line starting with "From " would start a new message.
  std::string quoted;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    std::string line = body.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos + 1);
    if (line.rfind("From ", 0) == 0) quoted += '>';
    quoted += line;
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  if (quoted.empty() || quoted.back() != '\n') quoted += '\n';
  return std::string("From MAILER-DAEMON ") + when + "\n" + quoted + "\n";
}

Status appendMbox(const std::string& path, const MailMessage& m, int64_t now_s) {
  std::string entry = mboxEntry(m, now_s);
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return makeError(Code::kIo, path + ": " + strerror(errno));
  size_t done = 0;
  while (done < entry.size()) {
    ssize_t n = ::write(fd, entry.data() + done, entry.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      return makeError(Code::kIo, path + ": " + strerror(e));
    }
    done += size_t(n);
  }
  ::fsync(fd);
  ::close(fd);
  return {};
}

bool mailhostIsPath(const std::string& mailhost) {
  struct stat st;
  return (!mailhost.empty() && mailhost[0] == '/') || (::stat(mailhost.c_str(), &st) == 0 && S_ISREG(st.st_mode));
}

}  // namespace re6st::registry
