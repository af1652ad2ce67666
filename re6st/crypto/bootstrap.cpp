#include "re6st/crypto/bootstrap.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "re6st/crypto/ca.h"
#include "re6st/crypto/dh.h"
#include "re6st/crypto/file.h"
#include "re6st/crypto/pk.h"

namespace re6st::crypto {
namespace {

// "2026-11-25 12:00:00 UTC"
std::string utcText(int64_t t) {
  std::string s = x509TimeString(t);
  return s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + " " + s.substr(8, 2) +
         ":" + s.substr(10, 2) + ":" + s.substr(12, 2) + " UTC";
}

Status refuseExisting(const NetworkFiles& f) {
  for (const std::string* p : {&f.key, &f.cert, &f.dh, &f.conf}) {
    struct stat st;
    if (lstat(p->c_str(), &st) == 0)
      return Error{Code::kExists, *p + ": already exists (use --force to overwrite)"};
  }
  return {};
}

Status makeDir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{Code::kIo, dir + ": cannot create directory: " + ec.message()};
  return {};
}

}  // namespace

NetworkFiles NetworkFiles::inDir(const std::string& dir) {
  std::string d = dir.empty() ? "." : dir;
  if (d.back() != '/') d += '/';
  return {d + "ca.key", d + "ca.crt", d + "dh2048.pem", d + "re6st-registry.conf"};
}

Status checkNetworkPrefix(const Prefix& network) {
  if (network.len > 126)
    return Error{Code::kInvalid, "network " + network.str() + " leaves no room for node subnets"};
  return {};
}

std::string registryConf(const NetworkFiles& files, const Prefix& network) {
  // re6st-registry's default prefix length is 16; shorten it when the network is long.
  int plen = std::min(16, 127 - network.len);
  std::string s;
  s += "# re6st-registry options for network " + network.str() + "\n";
  s += "# Use as: re6st-registry @" + files.conf + "\n";
  s += "# One option per line: name value. Lines starting with # are comments.\n\n";
  s += "# CA certificate and key (the CA serial encodes the network prefix)\n";
  s += "ca " + files.cert + "\nkey " + files.key + "\n";
  s += "# Diffie-Hellman parameters served by getDh (RFC 7919 ffdhe2048)\n";
  s += "dh " + files.dh + "\n";
  s += "# SQLite database with tokens, certificates and the revocation list\n";
  s += "db /var/lib/re6stnet/registry.db\n";
  s += "# HTTP port\nport 80\n";
  s += "# Length of the prefixes given to nodes (0 disables registration by email)\n";
  s += "prefix-length " + std::to_string(plen) + "\n";
  s += "# anonymous-prefix-length " + std::to_string(std::min(plen + 4, 127 - network.len)) + "\n";
  s += "# SMTP server (or mbox path) for tokens; without it, no registration by email\n";
  s += "# mailhost smtp.example.com\n";
  s += "# smtp-starttls\n# smtp-user USER\n# smtp-pwd PASSWORD\n";
  s += "# Nodes that may call private methods\n# authorized-origin 127.0.0.1\n";
  s += "# Logs and runtime directory\nlogfile /var/log/re6stnet/registry.log\n";
  s += "run /var/run/re6stnet\nverbose 1\n";
  s += "# Network parameters sent to nodes\n# hello 15\n# client-count 10\n";
  s += "# max-clients 20\n# tunnel-refresh 300\n# encrypt\n";
  return s;
}

Result<Certificate> createNetwork(const NewNetwork& spec) {
  RE6ST_TRY(checkNetworkPrefix(spec.network));
  if (spec.days <= 0) return Error{Code::kInvalid, "--days must be positive"};
  auto serial = caSerialForNetwork(spec.network);
  if (!serial) return serial.error();
  NetworkFiles files = NetworkFiles::inDir(spec.dir);
  if (!spec.force) RE6ST_TRY(refuseExisting(files));
  RE6ST_TRY(makeDir(spec.dir.empty() ? "." : spec.dir));
  auto key = PrivateKey::generateRsa(spec.bits);
  if (!key) return key.error();
  CertSpec cs;
  cs.subject = {{"CN", "re6st CA"}};
  if (!spec.email.empty()) cs.subject.push_back({"emailAddress", spec.email, 0});
  cs.serial = *serial;
  cs.not_before = spec.now;
  cs.not_after = spec.now + int64_t(spec.days) * 86400;
  auto ca = createCaCertificate(*key, cs);
  if (!ca) return ca.error();
  RE6ST_TRY(key->saveAtomic(files.key));
  RE6ST_TRY(writeFileAtomic(files.cert, ca->pem(), 0644));
  RE6ST_TRY(writeFileAtomic(files.dh, ffdhe2048Pem(), 0644));
  // The options file names the files by absolute path: the registry runs from anywhere.
  std::error_code ec;
  auto abs = std::filesystem::absolute(spec.dir.empty() ? "." : spec.dir, ec).lexically_normal();
  NetworkFiles named = ec ? files : NetworkFiles::inDir(abs.string());
  RE6ST_TRY(writeFileAtomic(files.conf, registryConf(named, spec.network), 0644));
  return ca;
}

Result<std::string> describeCa(const Certificate& ca, int64_t now) {
  auto network = networkFromCa(ca);
  if (!network) return network.error();
  std::string s;
  s += "network    " + network->str() + "\n";
  s += "serial     0x" + ca.serialHex() + "\n";
  s += "subject    " + nameString(ca.subject()) + "\n";
  s += "not before " + utcText(ca.notBefore()) + "\n";
  s += "not after  " + utcText(ca.notAfter()) + "\n";
  std::string state = now < ca.notBefore()   ? "not yet valid"
                      : now > ca.notAfter() ? "expired"
                                            : std::to_string((ca.notAfter() - now) / 86400) +
                                                  " days left";
  s += "status     " + state + "\n";
  if (!ca.isCa()) s += "warning    not a CA certificate (no basicConstraints CA:TRUE)\n";
  s += "key        RSA " + std::to_string(ca.publicKey().bits()) + " bits\n";
  return s;
}

}  // namespace re6st::crypto
