#include <catch2/catch.hpp>

#include "re6st/registry/mail.h"
#include "re6st/registry/mailer.h"
#include "re6st/registry/smtp.h"

using namespace re6st;
using namespace re6st::registry;

namespace {
// Feeds one server reply and returns what the client sent in answer.
std::string step(SmtpSession& s, const std::string& reply) {
  s.feed(asBytes(reply));
  return asString(s.takeOutgoing());
}
}  // namespace

TEST_CASE("token mail matches re6st-registry's MIMEText", "[mail]") {
  auto m = tokenMail("re6st-registry@example.com", "bob@example.com", "ihvtrkxd");
  CHECK(mboxEntry(m, 1795540779) ==
        "From MAILER-DAEMON Tue Nov 24 17:19:39 2026\n"
        "Content-Type: text/plain; charset=\"us-ascii\"\nMIME-Version: 1.0\n"
        "Content-Transfer-Encoding: 7bit\nSubject: [re6stnet] Token Request\n"
        "From: re6st-registry@example.com\nTo: bob@example.com\n\n"
        "Hello, your token to join re6st network is: ihvtrkxd\n\n");
}

TEST_CASE("SMTP session: EHLO, AUTH PLAIN, envelope, dot-stuffed DATA", "[smtp]") {
  SmtpSession s({"reg.example", false, std::string("u"), std::string("p")}, "a@x", "b@y", "Subject: s\n\n.hidden\nend\n");
  CHECK(step(s, "220 mx ESMTP\r\n") == "EHLO reg.example\r\n");
  CHECK(step(s, "250-mx\r\n250-AUTH LOGIN PLAIN\r\n") == "");  // continuation: no answer yet
  CHECK(step(s, "250 HELP\r\n") == "AUTH PLAIN AHUAcA==\r\n");
  CHECK(step(s, "235 ok\r\n") == "MAIL FROM:<a@x>\r\n");
  CHECK(step(s, "250 ok\r\n") == "RCPT TO:<b@y>\r\n");
  CHECK(step(s, "250 ok\r\n") == "DATA\r\n");
  CHECK(step(s, "354 go\r\n") == "Subject: s\r\n\r\n..hidden\r\nend\r\n.\r\n");
  CHECK(s.state() == SmtpSession::State::kRunning);
  CHECK(step(s, "250 queued\r\n") == "QUIT\r\n");
  CHECK(s.state() == SmtpSession::State::kDone);
}

TEST_CASE("SMTP session: STARTTLS then AUTH LOGIN", "[smtp]") {
  SmtpSession s({"h", true, std::string("user"), std::string("pw")}, "", "b@y", "x\n");
  CHECK(step(s, "220 hi\r\n") == "EHLO h\r\n");
  CHECK(step(s, "250-hi\r\n250 STARTTLS\r\n") == "STARTTLS\r\n");
  CHECK(step(s, "220 go ahead\r\n") == "");
  CHECK(s.tlsRequested());
  s.tlsReady();
  CHECK(asString(s.takeOutgoing()) == "EHLO h\r\n");
  CHECK(step(s, "250-hi\r\n250 AUTH LOGIN\r\n") == "AUTH LOGIN\r\n");
  CHECK(step(s, "334 VXNlcm5hbWU6\r\n") == "dXNlcg==\r\n");
  CHECK(step(s, "334 UGFzc3dvcmQ6\r\n") == "cHc=\r\n");
  CHECK(step(s, "235 ok\r\n") == "MAIL FROM:<>\r\n");
}

TEST_CASE("SMTP session fails cleanly", "[smtp]") {
  SmtpSession a({"h", true, {}, {}}, "a@x", "b@y", "x\n");
  step(a, "220 hi\r\n");
  step(a, "250 hi\r\n");  // no STARTTLS offered
  CHECK(a.state() == SmtpSession::State::kFailed);
  SmtpSession b({"h", false, {}, {}}, "a@x", "b@y", "x\n");
  step(b, "554 go away\r\n");
  CHECK(b.state() == SmtpSession::State::kFailed);
  CHECK(b.error().find("554") != std::string::npos);
  SmtpSession c({"h", false, {}, {}}, "a@x", "b@y", "x\n");
  step(c, "garbage\r\n");
  CHECK(c.state() == SmtpSession::State::kFailed);
  SmtpSession d({"h", false, {}, {}}, "a@x", "b@y", "x\n");
  step(d, std::string(70000, '2'));  // endless line
  CHECK(d.state() == SmtpSession::State::kFailed);
}

TEST_CASE("--mailhost parsing", "[mail]") {
  CHECK(*splitMailhost("smtp.example.com") == std::make_pair(std::string("smtp.example.com"), uint16_t(25)));
  CHECK(*splitMailhost("127.0.0.1:2525") == std::make_pair(std::string("127.0.0.1"), uint16_t(2525)));
  CHECK(*splitMailhost("[::1]:26") == std::make_pair(std::string("::1"), uint16_t(26)));
  CHECK_FALSE(splitMailhost("host:0").ok());
  CHECK_FALSE(splitMailhost("host:99999").ok());
  CHECK_FALSE(splitMailhost("[::1").ok());
  CHECK(mailhostIsPath("/var/mail/x"));
  CHECK_FALSE(mailhostIsPath("smtp.example.com"));
}
