// re6st-conf's flow (re6st/cli/conf.py main), step by step; messages match re6st-conf's.
#include "re6st/client/enroll.h"

#include <fcntl.h>
#include <mbedtls/md.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <ctime>
#include <iostream>

#include "re6st/base/prefix.h"
#include "re6st/crypto/ca.h"
#include "re6st/crypto/csr.h"
#include "re6st/crypto/file.h"

namespace re6st::client {

namespace {

constexpr int64_t kRenewPeriod = 30 * 86400;  // re6st/registry.py RENEW_PERIOD
constexpr size_t kMaxKeyBits = 8192;

struct Paths {
  std::string conf, ca, cert, key;
};

Paths pathsFor(const cli::ConfOptions& o) {
  std::string d = o.dir ? *o.dir + "/" : "";
  return {d + "re6stnet.conf", d + "ca.crt", d + "cert.crt", d + "cert.key"};
}

// os.path.lexists (the sample re6stnet.conf is not written over a dangling link).
bool lexists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// open() succeeding for reading, as re6st-conf tries cert.crt and cert.key.
bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<crypto::Certificate> fetchCa(const cli::ConfOptions& o, RegistryClient& client,
                                    EnrollIo& io) {
  auto pem = client.getCa();
  if (!pem.ok()) return pem.error().wrap("cannot get the CA from " + o.registry);
  auto ca = crypto::Certificate::parsePem(pem.value());
  if (!ca.ok()) return ca.error().wrap("the registry sent an invalid CA certificate");
  if (!o.fingerprint) {
    io.out << "WARNING: it is strongly recommended to use --fingerprint option.\n";
    return ca;
  }
  auto d = digest(o.fingerprint_alg, ca->der());
  if (!d.ok()) return d.error();
  if (d.value() != o.fingerprint_digest)
    return makeError(Code::kCrypto, "CA fingerprint doesn't match");
  return ca;
}

// Subject of the request: the fields of an existing cert.crt except CN and "serial",
// updated by -r KEY VALUE (dict semantics); fields with empty values are left out.
Result<crypto::Name> buildSubject(const cli::ConfOptions& o, const std::string& cert_path) {
  crypto::Name subject;
  if (exists(cert_path)) {
    auto text = crypto::readFile(cert_path);
    if (!text.ok()) return text.error();
    if (!text->empty()) {
      auto old = crypto::Certificate::parsePem(text.value());
      if (!old.ok()) return old.error().wrap(cert_path);
      for (const auto& f : old->subject())
        if (f.name != "CN" && f.name != "serial") crypto::setNameField(subject, f.name, f.value);
    }
  }
  for (const auto& [k, v] : o.req) crypto::setNameField(subject, k, v);
  crypto::Name out;
  for (auto& f : subject)
    if (!f.value.empty()) out.push_back(std::move(f));
  return out;
}

Result<std::string> prompt(EnrollIo& io, const char* question) {
  io.out << question << std::flush;
  std::string line;
  if (!std::getline(io.in, line)) {
    io.out << "\n";  // end the prompt line before the error
    return makeError(Code::kInvalid, "no answer (end of input)");
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

// The token: '' when anonymous, --token, or requestToken(email) then asked for.
Result<std::string> obtainToken(const cli::ConfOptions& o, RegistryClient& client, EnrollIo& io,
                                bool& token_advice) {
  if (o.anonymous) return std::string();
  if (o.token && !o.token->empty()) return *o.token;
  std::string email = o.email.value_or("");
  if (email.empty()) {
    auto e = prompt(io, "Please enter your email address: ");
    if (!e.ok()) return e.error();
    email = e.value();
  }
  if (auto st = client.requestToken(email); !st.ok()) {
    if (st.error().code == Code::kPermission)
      return makeError(Code::kPermission, "the registry refused to send a token (" +
                                              st.error().message +
                                              "): registration by email may be disabled");
    return st.error();
  }
  token_advice = true;
  std::string token;
  while (token.empty()) {
    auto t = prompt(io, "Please enter your token: ");
    if (!t.ok()) return t.error();
    token = t.value();
  }
  return token;
}

Result<crypto::PrivateKey> loadOrCreateKey(const std::string& path, size_t bits, EnrollIo& io) {
  if (exists(path)) {
    auto k = crypto::PrivateKey::load(path);
    if (k.ok()) io.out << "Reusing existing key.\n";
    return k;
  }
  // The size comes from the registry's CA key: a huge one would make keygen run for hours.
  if (bits < 1024 || bits > kMaxKeyBits)
    return makeError(Code::kInvalid, "CA key of " + std::to_string(bits) + " bits: refusing to "
                                     "generate a node key of that size");
  io.out << "Generating " << bits << "-bit key ...\n" << std::flush;
  auto k = crypto::PrivateKey::generateRsa(static_cast<unsigned>(bits));
  if (!k.ok()) return k.error();
  if (auto st = k->saveAtomic(path); !st.ok()) return st.error();
  return k;
}

}  // namespace

Result<Bytes> digest(const std::string& alg, ByteSpan data) {
  std::string upper;
  for (char c : alg) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const mbedtls_md_info_t* info = mbedtls_md_info_from_string(upper.c_str());
  if (!info) return makeError(Code::kUnsupported, "unsupported hash type " + alg);
  Bytes out(mbedtls_md_get_size(info));
  if (mbedtls_md(info, data.data(), data.size(), out.data()) != 0)
    return makeError(Code::kCrypto, "hash " + alg + " failed");
  return out;
}

std::string asctimeUtc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  // asctime's layout: day of month padded with a space.
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

std::string sampleNodeConf(const std::string& registry) {
  // Byte for byte what re6st-conf writes (REGISTRY-PROTOCOL.md §6); -O and --ovpnlog
  // are accepted by `re6st node` for compatibility.
  return "registry " + registry +
         "\nca ca.crt\ncert cert.crt\nkey cert.key\n\n"
         "# increase re6stnet verbosity:\n#verbose 3\n"
         "# enable OpenVPN logging:\n#ovpnlog\n"
         "# increase OpenVPN verbosity:\n#O--verb\n#O3\n";
}

namespace {

// Opens cert.crt for writing before the token is used (so a token is never burned for a
// certificate that cannot be stored), requests the certificate and writes it.
Result<crypto::Certificate> requestCertificate(const cli::ConfOptions& o, const Paths& p,
                                               RegistryClient& client, const std::string& token,
                                               const std::string& csr, EnrollIo& io) {
  int fd = ::open(p.cert.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0) return makeError(Code::kIo, p.cert + ": cannot open for writing");
  auto cleanup = [&](Error e) -> Error {
    if (::lseek(fd, 0, SEEK_END) == 0) ::unlink(p.cert.c_str());
    ::close(fd);
    return e;
  };
  io.out << "Requesting certificate ...\n" << std::flush;
  auto pem = client.requestCertificate(token, csr, o.location.value_or(""), "");
  if (!pem.ok()) return cleanup(pem.error().wrap("requestCertificate"));
  if (!pem->has_value())
    return cleanup(makeError(Code::kPermission, "Error: invalid or expired token"));
  const std::string& text = **pem;
  auto cert = crypto::Certificate::parsePem(text);
  if (!cert.ok()) return cleanup(cert.error().wrap("the registry sent an invalid certificate"));
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::ftruncate(fd, static_cast<off_t>(text.size())) != 0) {
    ::close(fd);
    return makeError(Code::kIo, p.cert + ": write failed");
  }
  ::close(fd);
  return cert;
}

Status writeSummary(const cli::ConfOptions& o, const Paths& p, const crypto::Certificate& cert,
                    const std::string& network_bits, EnrollIo& io) {
  int64_t not_after = cert.notAfter();
  io.out << "Setup complete. Certificate is valid until " << asctimeUtc(not_after)
         << " UTC and will be automatically renewed after " << asctimeUtc(not_after - kRenewPeriod)
         << " UTC.\nDo not forget to backup to your private key (" << p.key
         << ") or you will lose your assigned subnet.\n";
  if (!lexists(p.conf)) {
    RE6ST_TRY(crypto::writeFileAtomic(p.conf, sampleNodeConf(o.registry), 0644));
    io.out << "Sample configuration file created.\n";
  }
  std::string cn = cert.subjectCn();
  auto bits = bitsFromCn(cn);
  if (!bits.ok()) return bits.error().wrap("certificate CN " + cn);
  auto subnet = nodeSubnet(network_bits, bits.value());
  if (!subnet.ok()) return subnet.error().wrap("certificate CN " + cn);
  io.out << "Your subnet: " << formatIpv6(subnet->addr) << "/" << subnet->len << " (CN=" << cn
         << ")\n";
  return {};
}

Status enrollSteps(const cli::ConfOptions& o, RegistryClient& client, EnrollIo& io, int& exit_code,
                   bool& token_advice) {
  Paths p = pathsFor(o);
  auto ca = fetchCa(o, client, io);
  if (!ca.ok()) return ca.error();
  auto network = crypto::networkBitsFromCa(ca.value());
  if (!network.ok()) return network.error().wrap("CA certificate");
  if (o.is_needed) {
    exit_code = io.insideNetwork && io.insideNetwork(network.value()) ? 1 : 0;
    return {};
  }
  RE6ST_TRY(crypto::writeFileAtomic(p.ca, ca->pem(), 0644));
  if (o.ca_only) return {};
  auto subject = buildSubject(o, p.cert);
  if (!subject.ok()) return subject.error();
  auto token = obtainToken(o, client, io, token_advice);
  if (!token.ok()) return token.error();
  auto key = loadOrCreateKey(p.key, ca->publicKey().bits(), io);
  if (!key.ok()) return key.error();
  auto csr = crypto::createCsr(key.value(), subject.value());
  if (!csr.ok()) return csr.error().wrap("certificate request");
  auto cert = requestCertificate(o, p, client, token.value(), csr.value(), io);
  if (!cert.ok()) {
    if (cert.error().message == "Error: invalid or expired token") token_advice = false;
    return cert.error();
  }
  return writeSummary(o, p, cert.value(), network.value(), io);
}

}  // namespace

int enroll(const cli::ConfOptions& options, Transport& transport, EnrollIo& io) {
  RegistryClient client(transport);
  int exit_code = 0;
  bool token_advice = false;
  Status st = enrollSteps(options, client, io, exit_code, token_advice);
  if (st.ok()) return exit_code;
  io.err << st.error().message << "\n";
  if (token_advice) io.out << "Use --token to retry without asking a new token\n";
  return 1;
}

}  // namespace re6st::client
