// Token mails as re6st-registry writes them (Python's MIMEText: us-ascii, 7bit; see
// REGISTRY-PROTOCOL.md §7) and the mbox mode of --mailhost (an absolute or existing
// path): one "From MAILER-DAEMON <asctime>" entry appended per mail. Pure formatting,
// plus one small blocking append (a local file, O_APPEND, fsync) for the mbox mode.
#pragma once

#include <cstdint>
#include <string>

#include "re6st/base/result.h"

namespace re6st::registry {

struct MailMessage {
  std::string from;  // CA emailAddress; omitted when empty
  std::string to;
  std::string subject;
  std::string body;
};

MailMessage tokenMail(const std::string& from, const std::string& to, const std::string& token);
// Headers + blank line + body, "\n" line ends (SMTP converts to CRLF).
std::string formatMail(const MailMessage& m);
// "From MAILER-DAEMON Tue Nov 24 17:19:39 2026\n" + message + "\n".
std::string mboxEntry(const MailMessage& m, int64_t now_s);
Status appendMbox(const std::string& path, const MailMessage& m, int64_t now_s);
// re6st-registry: a path when absolute or an existing file, else an SMTP host.
bool mailhostIsPath(const std::string& mailhost);

}  // namespace re6st::registry
