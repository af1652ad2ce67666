// Token mail delivery on the loop (driver for SmtpSession): --mailhost HOST[:PORT] talks
// SMTP over loop::TcpStream (STARTTLS through http::TlsClient, verified against the
// system CA bundle), a path appends to an mbox. Never blocks the loop: name resolution is
// asynchronous and each mail has a 60 s deadline. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "re6st/base/result.h"
#include "re6st/loop/loop.h"
#include "re6st/registry/mail.h"
#include "re6st/registry/smtp.h"

namespace re6st::registry {

class SmtpJob;

class Mailer {
 public:
  Mailer(loop::Loop& loop, std::string mailhost, SmtpConfig smtp, std::string ca_file);
  ~Mailer();
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;

  // done(Status) runs once: at once for an mbox, from the loop for SMTP.
  void send(const MailMessage& m, int64_t now_s, std::function<void(Status)> done);
  size_t pending() const { return jobs_.size(); }

 private:
  friend class SmtpJob;
  void finished(uint64_t id);

  loop::Loop& loop_;
  std::string mailhost_;
  SmtpConfig smtp_;
  std::string ca_file_;
  std::map<uint64_t, std::unique_ptr<SmtpJob>> jobs_;
  std::vector<std::unique_ptr<SmtpJob>> done_;
  loop::Timer reaper_;
  uint64_t next_id_ = 1;
};

// "host", "host:port", "[v6]:port" -> host and port (25 by default).
Result<std::pair<std::string, uint16_t>> splitMailhost(const std::string& mailhost);

}  // namespace re6st::registry
