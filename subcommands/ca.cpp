// `re6st ca`: bootstraps a network (CA key, CA certificate whose serial encodes the
// network prefix, ffdhe2048 DH file, re6st-registry.conf) and offers the CA-side tools
// an administrator needs: show a CA, check a node directory, sign a CSR, and RSA
// encrypt/decrypt/sign/verify on stdin/stdout (used by the openssl interop tests).
// Exit status: 0 success, 1 failure, 2 bad options; errors are one line on stderr.
#include <iterator>
#include <optional>
#include <vector>

#include "re6st/base/clock.h"
#include "re6st/cli/options.h"
#include "re6st/crypto/bootstrap.h"
#include "re6st/crypto/ca.h"
#include "re6st/crypto/cert_store.h"
#include "re6st/crypto/csr.h"
#include "re6st/crypto/file.h"
#include "re6st/crypto/random.h"
#include "subcommands/subcommand.h"

namespace re6st::cmd {
namespace {

using cli::Kind;
using cli::Type;
using namespace re6st::crypto;

// Options that create a network (re6st ca's main job).
std::vector<cli::OptionSpec> createOptions() {
  return {
      {.long_name = "network", .metavar = "PREFIX",
       .help = "IPv6 network prefix, e.g. 2001:db8:42::/48."},
      {.long_name = "email", .metavar = "ADDRESS", .help = "Administrator email (CA subject)."},
      {.long_name = "dir", .short_name = 'd', .metavar = "DIR",
       .help = "Directory of the CA files.", .default_text = "."},
      {.long_name = "bits", .type = Type::kInt, .metavar = "N",
       .help = "RSA key size of the CA.", .default_text = "2048"},
      {.long_name = "days", .type = Type::kInt, .metavar = "N",
       .help = "Validity in days (CA: 3650, --sign-csr: 365).", .default_text = "3650"},
      {.long_name = "force", .kind = Kind::kFlag, .help = "Overwrite existing files."},
  };
}

// Admin tools: inspect, check, sign, and RSA operations for scripts and interop tests.
std::vector<cli::OptionSpec> toolOptions() {
  const std::string t = "tools";
  return {
      {.long_name = "show", .metavar = "FILE",
       .help = "Print the network prefix and validity of a CA certificate.", .group = t},
      {.long_name = "check", .metavar = "DIR", .help =
           "Check a node directory (ca.crt, cert.crt, cert.key): key matches, certificate "
           "verifies against the CA now.", .group = t},
      {.long_name = "sign-csr", .metavar = "CSR", .help =
           "Issue a node certificate for a PEM request with the CA of --dir.", .group = t},
      {.long_name = "cn", .metavar = "CN", .help = "Subject CN for --sign-csr (<int>/<len>).",
       .group = t},
      {.long_name = "serial", .metavar = "N", .help =
           "Certificate serial for --sign-csr (decimal or 0x hex; default random).", .group = t},
      {.long_name = "subject-serial", .metavar = "N",
       .help = "Subject serialNumber for --sign-csr.", .group = t},
      {.long_name = "out", .short_name = 'o', .metavar = "FILE",
       .help = "Output file of --sign-csr and --make-csr (default: stdout).", .group = t},
      {.long_name = "make-csr", .metavar = "KEY",
       .help = "Write a PEM certificate request for KEY (subject from --req).", .group = t},
      {.long_name = "req", .short_name = 'r', .kind = Kind::kAppend, .nargs = 2,
       .metavar = "FIELD VALUE", .help = "Subject field of --make-csr (repeatable).", .group = t},
      {.long_name = "encrypt", .metavar = "CERT",
       .help = "RSA PKCS#1 v1.5 encrypt stdin to the key of CERT.", .group = t},
      {.long_name = "decrypt", .metavar = "KEY",
       .help = "RSA PKCS#1 v1.5 decrypt stdin with KEY.", .group = t},
      {.long_name = "sign", .metavar = "KEY", .help = "RSA-SHA512 sign stdin with KEY.",
       .group = t},
      {.long_name = "verify", .metavar = "CERT", .help =
           "Verify the RSA-SHA512 --signature of stdin with the key of CERT.", .group = t},
      {.long_name = "signature", .metavar = "FILE", .help = "Signature file for --verify.",
       .group = t},
  };
}

const cli::CommandSpec& caSpec() {
  static const cli::CommandSpec spec = [] {
    cli::CommandSpec s;
    s.prog = "re6st ca";
    s.description =
        "Create a new re6st network: CA key (ca.key), CA certificate (ca.crt) whose serial "
        "encodes the network prefix, Diffie-Hellman parameters (dh2048.pem) and a commented "
        "re6st-registry.conf, in --dir.";
    s.options = createOptions();
    for (auto& o : toolOptions()) s.options.push_back(std::move(o));
    return s;
  }();
  return spec;
}

// A failure: exit status and the one-line message.
struct Fail {
  int status;
  std::string message;
};
using Outcome = std::optional<Fail>;

Outcome failure(const Error& e) { return Fail{1, e.message}; }

std::string readAll(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Outcome runShow(const std::string& path, Io& io) {
  auto ca = Certificate::load(path);
  if (!ca) return failure(ca.error());
  auto text = describeCa(*ca, SystemClock().wallSeconds());
  if (!text) return failure(text.error().wrap(path));
  io.out << *text;
  return std::nullopt;
}

Outcome runCheck(const std::string& dir, Io& io) {
  auto store = CertStore::load(CertPaths::inDir(dir), SystemClock().wallSeconds());
  if (!store) return failure(store.error());
  auto net = networkFromCa(store->ca());
  auto prefix = store->prefixBits();
  if (!net) return failure(net.error().wrap(store->paths().ca));
  if (!prefix) return failure(prefix.error());
  auto subnet = nodeSubnet(net->bits(), *prefix);
  if (!subnet) return failure(subnet.error().wrap(store->paths().cert));
  io.out << store->paths().cert << ": ok, subnet " << subnet->str() << ", serial 0x"
         << store->cert().serialHex() << "\n";
  return std::nullopt;
}

Result<Bytes> parseSerial(const std::optional<std::string>& text) {
  if (!text) {  // random 63-bit serial: unique without a counter
    uint64_t v = Csprng::local().next64() >> 1 | 1;
    return serialFromU128(v);
  }
  if (text->starts_with("0x") || text->starts_with("0X")) return serialFromHex(*text);
  auto v = parseU128(*text);
  if (!v || *v == 0) return Error{Code::kInvalid, "--serial: not a positive integer: " + *text};
  return serialFromU128(*v);
}

// Writes PEM text to --out (atomically) or to stdout.
Outcome emit(const cli::Parsed& p, const std::string& pem, Io& io) {
  if (auto out = p.last("out")) {
    auto w = writeFileAtomic(*out, pem, 0644);
    if (!w) return failure(w.error());
  } else {
    io.out << pem;
  }
  return std::nullopt;
}

Outcome runSignCsr(const cli::Parsed& p, Io& io) {
  auto cn = p.last("cn");
  if (!cn) return Fail{2, "--sign-csr needs --cn"};
  if (!bitsFromCn(*cn).ok()) return Fail{2, "--cn: not <int>/<len>: " + *cn};
  auto serial = parseSerial(p.last("serial"));
  if (!serial) return Fail{2, serial.error().message};
  std::string dir = p.last("dir").value_or(".");
  NetworkFiles files = NetworkFiles::inDir(dir);
  auto ca = Certificate::load(files.cert);
  if (!ca) return failure(ca.error());
  auto key = PrivateKey::load(files.key);
  if (!key) return failure(key.error());
  std::string csrPath = *p.last("sign_csr");
  auto text = readFile(csrPath);
  if (!text) return failure(text.error());
  auto csr = Csr::parse(*text);
  if (!csr) return failure(csr.error().wrap(csrPath));
  // As re6st-registry: the request's subject, then serialNumber, then CN; X.509 v1.
  CertSpec spec;
  spec.version = 1;
  for (const auto& f : csr->subject())
    if (f.name != "CN" && (f.name != "serialNumber" || !p.has("subject_serial")))
      spec.subject.push_back(f);
  if (auto s = p.last("subject_serial")) spec.subject.push_back({"serialNumber", *s, 0});
  spec.subject.push_back({"CN", *cn, 0});
  spec.serial = *serial;
  spec.not_before = SystemClock().wallSeconds();
  spec.not_after = spec.not_before + int64_t(p.lastInt("days").value_or(365)) * 86400;
  auto cert = issueCertificate(*ca, *key, csr->publicKey(), spec);
  if (!cert) return failure(cert.error().wrap(csrPath));
  return emit(p, cert->pem(), io);
}

Outcome runMakeCsr(const cli::Parsed& p, Io& io) {
  std::string keyPath = *p.last("make_csr");
  auto key = PrivateKey::load(keyPath);
  if (!key) return failure(key.error());
  Name subject;
  for (const auto& g : p.groups("req")) subject.push_back({g[0], g[1], 0});
  auto csr = createCsr(*key, subject);
  if (!csr) return Fail{subject.empty() ? 1 : 2, "--req: " + csr.error().message};
  return emit(p, *csr, io);
}

Outcome runRsaTool(const cli::Parsed& p, Io& io) {
  std::string data = readAll(io.in);
  Result<Bytes> out = Bytes{};
  if (auto path = p.last("encrypt")) {
    auto cert = Certificate::load(*path);
    if (!cert) return failure(cert.error());
    out = cert->publicKey().encrypt(asBytes(data));
  } else if (auto kpath = p.last("decrypt")) {
    auto key = PrivateKey::load(*kpath);
    if (!key) return failure(key.error());
    out = key->decrypt(asBytes(data));
  } else if (auto spath = p.last("sign")) {
    auto key = PrivateKey::load(*spath);
    if (!key) return failure(key.error());
    out = key->signSha512(asBytes(data));
  } else {
    std::string cpath = *p.last("verify");
    auto sigPath = p.last("signature");
    if (!sigPath) return Fail{2, "--verify needs --signature"};
    auto cert = Certificate::load(cpath);
    if (!cert) return failure(cert.error());
    auto sig = readFile(*sigPath);
    if (!sig) return failure(sig.error());
    auto ok = cert->publicKey().verifySha512(asBytes(data), asBytes(*sig));
    if (!ok) return failure(ok.error().wrap(*sigPath));
    io.out << "signature ok\n";
    return std::nullopt;
  }
  if (!out) return failure(out.error());
  io.out.write(reinterpret_cast<const char*>(out->data()), std::streamsize(out->size()));
  return std::nullopt;
}

Outcome runCreate(const cli::Parsed& p, Io& io) {
  auto networkText = p.last("network");
  auto email = p.last("email");
  if (!networkText || !email) return Fail{2, "--network and --email are required"};
  auto network = parsePrefix(*networkText);
  if (!network) return Fail{2, "--network: not an IPv6 prefix: " + *networkText};
  if (auto ok = checkNetworkPrefix(*network); !ok) return Fail{2, "--network: " + ok.error().message};
  NewNetwork spec;
  spec.network = *network;
  spec.email = *email;
  spec.dir = p.last("dir").value_or(".");
  int bits = p.lastInt("bits").value_or(2048);
  if (bits < 1024 || bits > 8192) return Fail{2, "--bits: must be between 1024 and 8192"};
  spec.bits = unsigned(bits);
  spec.days = p.lastInt("days").value_or(3650);
  if (spec.days <= 0 || spec.days > 36500) return Fail{2, "--days: must be between 1 and 36500"};
  spec.force = p.has("force");
  spec.now = SystemClock().wallSeconds();
  auto ca = createNetwork(spec);
  if (!ca) return failure(ca.error());
  NetworkFiles files = NetworkFiles::inDir(spec.dir);
  io.out << "network " << network->str() << ": CA serial 0x" << ca->serialHex() << "\n"
         << "wrote " << files.key << ", " << files.cert << ", " << files.dh << ", " << files.conf
         << "\n";
  return std::nullopt;
}

Outcome dispatch(const cli::Parsed& p, Io& io) {
  if (auto f = p.last("show")) return runShow(*f, io);
  if (auto d = p.last("check")) return runCheck(*d, io);
  if (p.has("sign_csr")) return runSignCsr(p, io);
  if (p.has("make_csr")) return runMakeCsr(p, io);
  if (p.has("encrypt") || p.has("decrypt") || p.has("sign") || p.has("verify"))
    return runRsaTool(p, io);
  return runCreate(p, io);
}

}  // namespace

int runCa(const Args& args, Io& io) {
  auto parsed = cli::parseArgs(caSpec(), args);
  if (!parsed) {
    io.err << "re6st ca: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed->help) {
    io.out << cli::helpText(caSpec());
    return 0;
  }
  Outcome r = dispatch(*parsed, io);
  if (!r) return 0;
  io.err << "re6st ca: " << r->message << "\n";
  return r->status;
}

}  // namespace re6st::cmd
