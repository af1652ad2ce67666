#include "re6st/registry/mailer.h"

#include "re6st/base/log.h"
#include "re6st/http/resolver.h"
#include "re6st/http/tls.h"
#include "re6st/loop/tcp.h"

namespace re6st::registry {

Result<std::pair<std::string, uint16_t>> splitMailhost(const std::string& m) {
  std::string host = m, port = "25";
  if (!m.empty() && m[0] == '[') {
    size_t close = m.find(']');
    if (close == std::string::npos) return makeError(Code::kInvalid, "bad --mailhost " + m);
    host = m.substr(1, close - 1);
    if (close + 1 < m.size()) {
      if (m[close + 1] != ':') return makeError(Code::kInvalid, "bad --mailhost " + m);
      port = m.substr(close + 2);
    }
  } else if (m.find(':') != std::string::npos && m.find(':') == m.rfind(':')) {
    host = m.substr(0, m.find(':'));
    port = m.substr(m.find(':') + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(port) == 0 || std::stoi(port) > 65535)
    return makeError(Code::kInvalid, "bad --mailhost " + m);
  return std::make_pair(host, uint16_t(std::stoi(port)));
}

// One SMTP conversation: resolve, connect, run the session (through TLS after STARTTLS).
class SmtpJob {
 public:
  SmtpJob(Mailer& m, uint64_t id, SmtpSession session, std::function<void(Status)> done)
      : m_(m), id_(id), session_(std::move(session)), done_(std::move(done)), resolver_(m.loop_), timer_(m.loop_) {}

  void start(const std::string& host, uint16_t port) {
    host_ = host;
    timer_.start(seconds(60), [this] { finish(makeError(Code::kTimeout, "SMTP: timed out")); });
    resolver_.resolve(host, port, [this](Result<std::vector<loop::SockAddr>> r) {
      if (!r.ok() || r->empty()) return finish(r.ok() ? makeError(Code::kIo, "SMTP: no address") : r.error());
      stream_ = std::make_unique<loop::TcpStream>(m_.loop_);
      stream_->onData([this](ByteSpan d) { onData(d); });
      stream_->onClose([this](Status why) {
        finish(why.ok() ? makeError(Code::kIo, "SMTP: server closed the connection") : why);
      });
      stream_->connect(r->front(), [this](Status s) {
        if (!s.ok()) finish(s);
      });
    });
  }

 private:
  void onData(ByteSpan d) {
    if (!tls_) {
      session_.feed(d);
    } else {
      tls_->feed(d);
      if (!tls_ready_) {
        auto hs = tls_->handshake();
        flushTls();
        if (!hs) return finish(hs.error());
        if (!*hs) return;
        tls_ready_ = true;
        session_.tlsReady();
      }
      bool closed = false;
      auto plain = tls_->read(closed);
      if (!plain) return finish(plain.error());
      session_.feed(*plain);
      if (closed && session_.state() == SmtpSession::State::kRunning)
        return finish(makeError(Code::kIo, "SMTP: server closed the TLS session"));
    }
    pump();
  }

  void pump() {
    if (session_.tlsRequested() && !tls_) {
      tls_ = std::make_unique<http::TlsClient>();
      auto s = tls_->setup(m_.ca_file_, host_);
      if (!s.ok()) return finish(s.error());
      auto hs = tls_->handshake();
      if (!hs) return finish(hs.error());
      flushTls();
      return;
    }
    Bytes out = session_.takeOutgoing();
    if (!out.empty()) {
      if (tls_) {
        if (!tls_->write(out).ok()) return finish(makeError(Code::kIo, "SMTP: TLS write failed"));
        flushTls();
      } else {
        (void)stream_->write(out);
      }
    }
    if (session_.state() == SmtpSession::State::kDone) return finish(Status());
    if (session_.state() == SmtpSession::State::kFailed) return finish(makeError(Code::kIo, session_.error()));
  }

  void flushTls() {
    Bytes c = tls_->takeOutgoing();
    if (!c.empty() && stream_) (void)stream_->write(c);
  }

  void finish(Status s) {
    if (finished_) return;
    finished_ = true;
    timer_.stop();
    if (stream_) stream_->close(true);
    auto done = std::move(done_);
    m_.finished(id_);  // deferred destruction: we are inside our own callback
    done(s);
  }

  Mailer& m_;
  uint64_t id_;
  SmtpSession session_;
  std::function<void(Status)> done_;
  http::Resolver resolver_;
  loop::Timer timer_;
  std::unique_ptr<loop::TcpStream> stream_;
  std::unique_ptr<http::TlsClient> tls_;
  std::string host_;
  bool tls_ready_ = false, finished_ = false;
};

Mailer::Mailer(loop::Loop& loop, std::string mailhost, SmtpConfig smtp, std::string ca_file)
    : loop_(loop), mailhost_(std::move(mailhost)), smtp_(std::move(smtp)), ca_file_(std::move(ca_file)), reaper_(loop) {}

Mailer::~Mailer() = default;

void Mailer::send(const MailMessage& m, int64_t now_s, std::function<void(Status)> done) {
  if (mailhostIsPath(mailhost_)) return done(appendMbox(mailhost_, m, now_s));
  auto hp = splitMailhost(mailhost_);
  if (!hp) return done(hp.error());
  uint64_t id = next_id_++;
  auto job = std::make_unique<SmtpJob>(*this, id, SmtpSession(smtp_, m.from, m.to, formatMail(m)), std::move(done));
  auto* j = job.get();
  jobs_[id] = std::move(job);
  j->start(hp->first, hp->second);
}

void Mailer::finished(uint64_t id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  done_.push_back(std::move(it->second));
  jobs_.erase(it);
  reaper_.start(Duration(0), [this] { done_.clear(); });
}

}  // namespace re6st::registry
