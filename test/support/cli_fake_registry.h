// An in-memory registry behind the client::Transport interface, for client and enrolment
// tests: real crypto (CA key, CSR parsing, certificate issuance, RSA hello, HMAC chain)
// following REGISTRY-PROTOCOL.md §2–§3, without HTTP or a database. Test use only.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "re6st/base/prefix.h"
#include "re6st/client/registry_client.h"
#include "re6st/crypto/ca.h"
#include "re6st/crypto/csr.h"
#include "re6st/crypto/hmac.h"
#include "re6st/crypto/random.h"
#include "re6st/http/query.h"

namespace re6st::client::testing {

class FakeRegistry : public Transport {
 public:
  explicit FakeRegistry(unsigned bits = 1024)
      : ca_key(crypto::PrivateKey::generateRsa(bits).value()), ca(makeCa(ca_key)) {}

  crypto::PrivateKey ca_key;
  crypto::Certificate ca;
  std::set<std::string> tokens;  // valid email tokens
  bool anonymous = true;         // accept token ''
  bool forge_response_mac = false;
  int request_certificate_calls = 0;
  int hello_calls = 0;
  std::vector<std::string> targets;                    // every target received
  std::map<std::string, std::vector<Bytes>> sessions;  // prefix bits -> live keys

  void forgetSessions() { sessions.clear(); }  // a registry restart

  void get(const std::string& target, const http::Headers& headers, Callback cb) override {
    cb(respond(target, headers));
  }

  // The answer to one request (also used behind a real http::Server).
  http::Response respond(const std::string& target, const http::Headers& headers) {
    targets.push_back(target);
    return handle(target, headers);
  }

 private:
  std::map<std::string, std::string> certs_;  // prefix bits -> PEM
  int next_ = 1;

  static crypto::Certificate makeCa(const crypto::PrivateKey& key) {
    crypto::CertSpec spec;
    spec.subject = {{"CN", "fake CA"}, {"emailAddress", "ca@example.com"}};
    spec.serial = crypto::caSerialForNetwork(parsePrefix("2001:db8:42::/48").value()).value();
    spec.not_before = 1700000000;
    spec.not_after = 4000000000;
    return crypto::createCaCertificate(key, spec).value();
  }

  static http::Response status(int s, std::string body = {}) {
    http::Response r;
    r.status = s;
    r.body = toBytes(body);
    return r;
  }

  http::Response handle(const std::string& target, const http::Headers& headers) {
    size_t q = target.find('?');
    std::string method = target.substr(1, q == std::string::npos ? std::string::npos : q - 1);
    auto query = http::parseQuery(q == std::string::npos ? "" : target.substr(q + 1));
    if (!query.ok()) return status(400);
    const http::Query& p = query.value();
    if (method == "getCa") return status(200, ca.pem());
    if (method == "requestToken") return status(204);
    if (method == "requestCertificate") return requestCertificate(p);
    if (method == "hello") return hello(p);
    if (method == "getNetworkConfig" || method == "renewCertificate")
      return authenticated(method, target, p, headers);
    return status(400);
  }

  http::Response requestCertificate(const http::Query& p) {
    ++request_certificate_calls;
    const std::string* token = p.find("token");
    const std::string* req = p.find("req");
    if (!token || !req) return status(400);
    if (token->empty() ? !anonymous : tokens.erase(*token) == 0) return status(204);
    auto csr = crypto::Csr::parse(*req);
    if (!csr.ok()) return status(500, csr.error().message);
    int n = next_++;
    std::string bits = cnBits(n);
    crypto::CertSpec spec;
    spec.subject = csr->subject();
    crypto::setNameField(spec.subject, "serialNumber", std::to_string(n));
    crypto::setNameField(spec.subject, "CN", std::to_string(n) + "/16");
    spec.serial = crypto::serialFromU128(static_cast<unsigned>(n));
    spec.not_before = 1700000000;
    spec.not_after = 1700000000 + 365 * 86400;
    auto cert = crypto::issueCertificate(ca, ca_key, csr->publicKey(), spec);
    if (!cert.ok()) return status(500, cert.error().message);
    certs_[bits] = cert->pem();
    return status(200, cert->pem());
  }

  static std::string cnBits(int n) { return bitsFromCn(std::to_string(n) + "/16").value(); }

  http::Response hello(const http::Query& p) {
    ++hello_calls;
    const std::string* prefix = p.find("client_prefix");
    if (!prefix || !certs_.count(*prefix)) return status(404);
    Bytes k(20);
    crypto::Csprng::local().fill(k);
    auto cert = crypto::Certificate::parsePem(certs_[*prefix]).value();
    Bytes x = cert.publicKey().encrypt(k).value();
    Bytes s = ca_key.signSha512(x).value();
    auto& list = sessions[*prefix];
    if (list.size() > 1) list.resize(1);
    list.push_back(k);
    x.insert(x.end(), s.begin(), s.end());
    http::Response r = status(200);
    r.body = x;
    return r;
  }

  http::Response authenticated(const std::string& method, const std::string& target,
                               const http::Query& p, const http::Headers& headers) {
    const std::string* cn = p.find("cn");
    const std::string* mac = headers.find(kHmacHeader);
    if (!cn || !mac) return status(400);
    auto it = sessions.find(*cn);
    if (it == sessions.end()) return status(401);
    for (const auto& k : it->second) {
      if (base64Encode(crypto::hmacSha1(k, asBytes(target))) != *mac) continue;
      Bytes rk = crypto::sha1(k);
      http::Response r =
          status(200, method == "renewCertificate" ? certs_[*cn] : "{\"config\": 1}");
      Bytes m = crypto::hmacSha1(rk, r.body);
      if (forge_response_mac) m[0] ^= 1;
      r.headers.set(kHmacHeader, base64Encode(m));
      it->second = {crypto::sha1(rk)};
      return r;
    }
    return status(400);
  }
};

}  // namespace re6st::client::testing
