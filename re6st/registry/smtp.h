// SMTP client core (RFC 5321) for token mails, sans-I/O: feed server bytes, send what
// takeOutgoing() returns. EHLO, optional STARTTLS (RFC 3207: the driver switches the
// stream to TLS when tlsRequested() and calls tlsReady()), AUTH PLAIN (RFC 4616) or
// LOGIN, MAIL/RCPT/DATA with dot-stuffing, QUIT. Bounded buffers; any 4xx/5xx fails.
#pragma once

#include <optional>
#include <string>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"

namespace re6st::registry {

struct SmtpConfig {
  std::string helo = "localhost";
  bool starttls = false;
  std::optional<std::string> user, password;
};

class SmtpSession {
 public:
  enum class State { kRunning, kDone, kFailed };
  // data: the message (headers, blank line, body) with "\n" or "\r\n" line ends.
  SmtpSession(SmtpConfig config, std::string from, std::string to, const std::string& data);

  void feed(ByteSpan bytes);
  Bytes takeOutgoing();
  bool tlsRequested() const { return step_ == kTls; }
  void tlsReady();
  State state() const { return state_; }
  const std::string& error() const { return error_; }

 private:
  enum Step { kGreeting, kEhlo, kStartTls, kTls, kEhlo2, kAuthPlain, kAuthLogin, kAuthUser, kAuthPass,
              kMail, kRcpt, kData, kBody, kQuit };
  void onReply(int code, const std::string& text);
  void afterEhlo();
  void send(const std::string& line) { out_ += line + "\r\n"; }
  void fail(const std::string& why);

  SmtpConfig config_;
  std::string from_, to_, data_;
  Step step_ = kGreeting;
  State state_ = State::kRunning;
  std::string in_, out_, error_, reply_text_, extensions_;
};

}  // namespace re6st::registry
