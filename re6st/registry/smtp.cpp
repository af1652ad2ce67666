#include "re6st/registry/smtp.h"

#include <algorithm>
#include <cctype>

namespace re6st::registry {

namespace {
constexpr size_t kMaxReply = 64 * 1024;

// RFC 5321 §4.5.2: a line starting with "." gets another "."; lines end with CRLF.
std::string dotStuff(const std::string& data) {
  std::string out;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    std::string line = data.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == '.') out += '.';
    out += line + "\r\n";
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return out + ".\r\n";
}

std::string upper(std::string s) {
  for (auto& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

SmtpSession::SmtpSession(SmtpConfig config, std::string from, std::string to, const std::string& data)
    : config_(std::move(config)), from_(std::move(from)), to_(std::move(to)), data_(dotStuff(data)) {}

void SmtpSession::fail(const std::string& why) {
  if (state_ != State::kRunning) return;
  state_ = State::kFailed;
  error_ = why;
}

void SmtpSession::feed(ByteSpan bytes) {
  if (state_ != State::kRunning) return;
  in_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (in_.size() > kMaxReply) return fail("SMTP reply too long");
  size_t nl;
  while (state_ == State::kRunning && (nl = in_.find('\n')) != std::string::npos) {
    std::string line = in_.substr(0, nl);
    in_.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // "250-text" continues, "250 text" (or "250") ends a reply (RFC 5321 §4.2.1).
    if (line.size() < 3 || !std::all_of(line.begin(), line.begin() + 3, ::isdigit) ||
        (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
      return fail("malformed SMTP reply: " + line.substr(0, 80));
    reply_text_ += line.substr(std::min<size_t>(4, line.size())) + "\n";
    if (line.size() > 3 && line[3] == '-') continue;
    std::string text;
    text.swap(reply_text_);
    onReply(std::stoi(line.substr(0, 3)), text);
  }
}

Bytes SmtpSession::takeOutgoing() {
  Bytes b(out_.begin(), out_.end());
  out_.clear();
  return b;
}

void SmtpSession::tlsReady() {
  step_ = kEhlo2;
  send("EHLO " + config_.helo);
}

void SmtpSession::afterEhlo() {
  std::string ext = upper(extensions_);
  if (config_.starttls && step_ == kEhlo) {
    if (ext.find("STARTTLS") == std::string::npos) return fail("SMTP server does not offer STARTTLS");
    step_ = kStartTls;
    return send("STARTTLS");
  }
  if (config_.user) {
    std::string pwd = config_.password.value_or("");
    if (ext.find("PLAIN") != std::string::npos || ext.find("LOGIN") == std::string::npos) {
      step_ = kAuthPlain;
      std::string plain = std::string(1, '\0') + *config_.user + '\0' + pwd;
      return send("AUTH PLAIN " + base64Encode(asBytes(plain)));
    }
    step_ = kAuthLogin;
    return send("AUTH LOGIN");
  }
  step_ = kMail;
  send("MAIL FROM:<" + from_ + ">");
}

void SmtpSession::onReply(int code, const std::string& text) {
  bool ok = code >= 200 && code < 400;
  if (!ok) return fail("SMTP error " + std::to_string(code) + ": " + text.substr(0, text.find('\n')));
  switch (step_) {
    case kGreeting:
      if (code != 220) return fail("unexpected SMTP greeting");
      step_ = kEhlo;
      return send("EHLO " + config_.helo);
    case kEhlo:
    case kEhlo2:
      extensions_ = text;
      return afterEhlo();
    case kStartTls:
      if (code != 220) return fail("STARTTLS refused");
      step_ = kTls;  // the driver wraps the stream, then calls tlsReady()
      return;
    case kTls:
      return fail("SMTP data before TLS was ready");
    case kAuthLogin:
      step_ = kAuthUser;
      return send(base64Encode(asBytes(*config_.user)));
    case kAuthUser:
      step_ = kAuthPass;
      return send(base64Encode(asBytes(config_.password.value_or(""))));
    case kAuthPlain:
    case kAuthPass:
      if (code != 235) return fail("SMTP authentication failed");
      step_ = kMail;
      return send("MAIL FROM:<" + from_ + ">");
    case kMail:
      step_ = kRcpt;
      return send("RCPT TO:<" + to_ + ">");
    case kRcpt:
      step_ = kData;
      return send("DATA");
    case kData:
      if (code != 354) return fail("DATA refused");
      step_ = kBody;
      out_ += data_;
      return;
    case kBody:
      step_ = kQuit;
      state_ = State::kDone;  // accepted for delivery; QUIT is a courtesy
      return send("QUIT");
    case kQuit:
      return;
  }
}

}  // namespace re6st::registry
