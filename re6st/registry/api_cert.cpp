// Certificate RPCs (hello, requestCertificate, renewCertificate, revoke), the network
// configuration (getNetworkConfig, updateHMAC, version blob) and expiry cleanup.
#include <zlib.h>

#include <algorithm>
#include <functional>
#include <set>
#include <tuple>

#include "re6st/base/log.h"
#include "re6st/base/prefix.h"
#include "re6st/registry/api.h"
#include "re6st/registry/csr_reader.h"
#include "re6st/registry/issuer.h"

namespace re6st::registry {

namespace {
Outcome status(int code) { return Outcome{ApiResponse{code, {}, {}}}; }
Outcome body(Bytes b) { return Outcome{ApiResponse{200, std::move(b), {}}}; }
Outcome body(const std::string& s) { return body(toBytes(s)); }
const char* const kHmacNames[] = {"babel_hmac0", "babel_hmac1", "babel_hmac2"};

std::optional<int64_t> parseInt(const std::string& s) {
  // Python int(): surrounding whitespace and a sign are allowed.
  size_t b = s.find_first_not_of(" \t\n"), e = s.find_last_not_of(" \t\n");
  if (b == std::string::npos) return std::nullopt;
  std::string t = s.substr(b, e - b + 1);
  size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  if (i == t.size() || t.size() > 18 || t.find_first_not_of("0123456789", i) != std::string::npos)
    return std::nullopt;
  return std::stoll(t);
}

// Runs `undo` when leaving the scope unless dismissed (a request that did not commit).
class Undo {
 public:
  explicit Undo(std::function<void()> undo) : undo_(std::move(undo)) {}
  ~Undo() {
    if (undo_) undo_();
  }
  Undo(const Undo&) = delete;
  Undo& operator=(const Undo&) = delete;
  void dismiss() { undo_ = nullptr; }

 private:
  std::function<void()> undo_;
};
}  // namespace

void Api::restore(Mirror m) {
  prefix_ = std::move(m.prefix);
  config_ = std::move(m.config);
  version_ = std::move(m.version);
}

Result<std::optional<std::string>> Api::certPem(const std::string& prefix) {
  auto r = store_.findRow(prefix);
  if (!r) return r.error();
  if (!*r || !(*r)->issued()) return std::optional<std::string>();
  return (*r)->cert;
}

int64_t Api::smallestSubjectSerial() const {
  std::set<int64_t> used;
  for (auto& [_, i] : info_)
    if (i.subject_serial) used.insert(*i.subject_serial);
  int64_t n = 0;
  while (used.count(n)) ++n;
  return n;
}

Result<crypto::Certificate> Api::issue(const std::string& prefix, crypto::Name subject, const crypto::PublicKey& key,
                               int64_t now_s, std::optional<int64_t> not_after) {
  auto last = store_.getInt("serial");
  if (!last) return last.error();
  int64_t serial = last->value_or(0) + 1;
  RE6ST_TRY(store_.setInt("serial", serial));
  std::string subject_serial = crypto::nameField(subject, "serialNumber").value_or("0");
  auto cert = issueNodeCertificate(ca_, ca_key_, key, std::move(subject), subject_serial, cnFromBits(prefix),
                                   serial, now_s, not_after.value_or(now_s + kCertDuration));
  if (!cert) return cert.error();
  auto row = store_.findRow(prefix);
  if (!row) return row.error();
  RE6ST_TRY(store_.setRow(prefix, *row ? (*row)->email : std::nullopt, cert->pem()));
  return cert;
}

Outcome Api::hello(const Args& a, int64_t now_us) {
  auto pem = certPem(a.at("client_prefix"));
  if (!pem) return status(500);
  if (!*pem) return status(404);
  auto proto = parseInt(a.at("protocol"));
  auto cert = crypto::Certificate::parsePem(**pem);
  if (!proto || !cert) return status(500);
  Bytes key = newHmacSecret(now_us, random_.next64(), uint32_t(random_.next64()));
  sessions_.hello(a.at("client_prefix"), key, int(*proto));
  auto x = cert->publicKey().encrypt(key);
  if (!x) return status(500);
  auto s = ca_key_.signSha512(*x);
  // re6st-registry asserts len(X) == len(S): node key size must equal the CA's.
  if (!s || s->size() != x->size()) return status(500);
  Bytes out = *x;
  out.insert(out.end(), s->begin(), s->end());
  return body(std::move(out));
}

// Community of a "country,continent" location; without one, GeoIP's answer for the
// client's address (registry.py requestCertificate), or "*,*" without a database.
std::optional<std::string> Api::communityOf(const std::string& location, const std::string& ip) const {
  if (opt_.communities.empty()) return std::string();
  std::string country = "*", continent = "*";
  if (location.empty() && opt_.geoip) std::tie(country, continent) = opt_.geoip->lookup(ip);
  if (!location.empty()) {
    auto comma = location.find(',');
    if (comma == std::string::npos || location.find(',', comma + 1) != std::string::npos) return std::nullopt;
    country = location.substr(0, comma);
    continent = location.substr(comma + 1);
  }
  if (continent != "*") continent = "@" + continent;
  return allocator_.communityFor(country, continent);
}

Outcome Api::requestCertificate(const Args& a, int64_t now_us) {
  auto csr = parseNodeRequest(a.at("req"));
  if (!csr) {
    LOG_INFO("requestCertificate: " + csr.error().message);
    return status(500);  // re6st-registry fails (500) on a request it cannot load
  }
  const std::string& token = a.at("token");
  Transaction t(store_);
  if (!t.status()) return status(500);
  // The first certificate sets the registry prefix and the first network config; a
  // failure later in this request rolls the database back, and memory with it.
  Undo undo([this, saved = mirror()]() mutable { restore(std::move(saved)); });
  std::optional<std::string> email;
  int64_t prefix_len = 0;
  if (!token.empty()) {
    if (!opt_.prefix_length) return status(403);
    auto row = store_.findToken(token);
    if (!row) return status(500);
    if (!*row) return status(204);  // unknown token: no certificate
    if (!store_.deleteToken(token)) return status(500);
    email = (*row)->email;
    prefix_len = (*row)->prefix_len;
  } else {
    if (!opt_.anonymous_prefix_length) return status(403);
    prefix_len = opt_.anonymous_prefix_length;
  }
  auto community = communityOf(a.at("location"), a.at("ip"));
  if (!community) return status(500);
  auto prefix = allocator_.newPrefix(size_t(prefix_len) + community->size(), *community);
  if (!prefix) {
    LOG_ERROR(prefix.error().message);
    return status(500);
  }
  if (!store_.setRow(*prefix, email, std::nullopt)) return status(500);
  bool first = prefix_.empty();
  if (first) {
    prefix_ = *prefix;
    if (!store_.setText("prefix", prefix_)) return status(500);
    auto changed = updateNetworkConfig();
    if (!changed) return status(500);
  }
  crypto::Name subject = csr->subject;
  std::erase_if(subject, [](auto& f) { return f.name == "serialNumber"; });
  subject.push_back({"serialNumber", std::to_string(smallestSubjectSerial()), 0});
  int64_t now_s = now_us / 1000000;
  auto cert = issue(*prefix, subject, csr->key, now_s, std::nullopt);
  if (!cert || !t.commit()) {
    if (!cert) LOG_ERROR("requestCertificate: " + cert.error().message);
    return status(500);
  }
  undo.dismiss();
  auto sn = parseInt(cert->subjectField("serialNumber").value_or(""));
  info_[*prefix] = CertInfo{int64_t(cert->serialU64().value_or(0)), cert->notAfter(), sn};
  LOG_INFO("new certificate " + cnFromBits(*prefix) + (email ? " for " + *email : " (anonymous)"));
  Outcome o = body(cert->pem());
  o.notify_node = first;
  return o;
}

Outcome Api::renewCertificate(const Args& a, int64_t now_us) {
  const std::string& cn = a.at("cn");
  auto pem = certPem(cn);
  if (!pem || !*pem) return status(500);
  auto cert = crypto::Certificate::parsePem(**pem);
  if (!cert) return status(500);
  int64_t now_s = now_us / 1000000;
  std::optional<int64_t> not_after;
  if (cert->notAfter() - kRenewPeriod >= now_s) {
    auto revoked = store_.inCrl(int64_t(cert->serialU64().value_or(0)));
    if (!revoked) return status(500);
    if (!*revoked) return body(**pem);  // nothing to do: the stored certificate
    not_after = cert->notAfter();       // revoked serial: same expiry, new serial
  }
  Transaction t(store_);
  if (!t.status()) return status(500);
  auto parsed = issue(cn, cert->subject(), cert->publicKey(), now_s, not_after);
  if (!parsed || !t.commit()) return status(500);
  auto& info = info_[cn];
  info.serial = int64_t(parsed->serialU64().value_or(0));
  info.not_after = parsed->notAfter();
  LOG_INFO("renewed certificate " + cnFromBits(cn));
  return body(parsed->pem());
}

Outcome Api::getNetworkConfig(const Args& a) {
  auto pem = certPem(a.at("cn"));
  if (!pem || !*pem || prefix_.empty()) return status(500);
  auto cert = crypto::Certificate::parsePem(**pem);
  if (!cert) return status(500);
  JsonItems items = config_;
  items.push_back({"", "[\"version\"]"});
  items.push_back({"version", jsonString(base64Encode(version_))});
  auto until = store_.getReal("valid_until");
  if (until && *until) items.push_back({"valid_until", jsonFloat(**until)});
  const char* names[] = {"babel_hmac_sign", "babel_hmac_accept"};
  size_t n = 0;
  for (const char* k : kHmacNames) {
    auto v = store_.getBlob(k);
    if (!v) return status(500);
    if (!*v || n == 2) continue;
    std::string value;
    if (!(*v)->empty()) {  // an empty key stays "" (accept-bad-signatures, §9)
      auto enc = cert->publicKey().encrypt(**v);
      if (!enc) return status(500);
      value = base64Encode(*enc);
    }
    items.push_back({names[n++], jsonString(value)});
  }
  std::string json = jsonObject(items, false);
  Bytes out(compressBound(uLong(json.size())));
  uLongf len = uLongf(out.size());
  if (compress2(out.data(), &len, reinterpret_cast<const Bytef*>(json.data()), uLong(json.size()),
                Z_DEFAULT_COMPRESSION) != Z_OK)
    return status(500);
  out.resize(len);
  return body(std::move(out));
}

Status Api::increaseVersion() {
  auto n = unpackInteger(version_);
  Bytes x = packInteger((n ? *n : 0) + 1);
  auto sig = ca_key_.signSha512(x);
  if (!sig) return sig.error();
  version_ = x;
  version_.insert(version_.end(), sig->begin(), sig->end());
  return store_.setBlob("version", version_);
}

Result<bool> Api::updateNetworkConfig() {
  auto crl = store_.crlSerials();
  if (!crl) return crl.error();
  config_ = baseConfig(opt_.net, *crl, prefix_);
  std::string sorted = jsonObject(config_, true);
  auto last = store_.getText("last_config");
  if (!last) return last.error();
  if (*last && **last == sorted) return false;
  RE6ST_TRY(increaseVersion());
  RE6ST_TRY(store_.setText("last_config", sorted));
  return true;
}

Status Api::freeRow(const std::string& prefix) {
  RE6ST_TRY(store_.setRow(prefix, std::nullopt, std::nullopt));
  info_.erase(prefix);
  sessions_.drop(prefix);
  return {};
}

Outcome Api::revoke(const Args& a, int64_t now_us) {
  const std::string& what = a.at("cn_or_serial");
  Transaction t(store_);
  if (!t.status()) return status(500);
  Mirror saved = mirror();
  std::map<std::string, CertInfo> freed;  // put back if the transaction does not commit
  Undo undo([&] {
    restore(std::move(saved));
    info_.insert(freed.begin(), freed.end());
  });
  CertInfo info;
  if (auto serial = parseInt(what)) {
    // A serial: CRL only; the certificate and its session stay (§8).
    auto it = std::find_if(info_.begin(), info_.end(), [&](auto& kv) { return kv.second.serial == *serial; });
    if (it == info_.end()) return status(500);
    info = it->second;
  } else {
    auto prefix = bitsFromCn(what);
    if (!prefix) return status(500);
    auto it = info_.find(*prefix);
    if (it == info_.end()) return status(404);
    info = it->second;
    freed[*prefix] = info;
    if (!freeRow(*prefix) || !allocator_.merge()) return status(500);
  }
  bool changed = false;
  if (now_us / 1000000 < info.not_after) {
    if (!store_.insertCrl(info.serial, info.not_after)) return status(500);
    auto r = updateNetworkConfig();
    if (!r) return status(500);
    changed = *r;
  }
  if (!t.commit()) return status(500);
  undo.dismiss();
  LOG_INFO("revoked " + what + " (serial " + std::to_string(info.serial) + ")");
  Outcome o = status(204);
  o.notify_node = changed;
  return o;
}

Outcome Api::updateHMAC(int64_t now_us) {
  Transaction t(store_);
  if (!t.status()) return status(500);
  Undo undo([this, saved = mirror()]() mutable { restore(std::move(saved)); });
  std::optional<Bytes> k[3];
  for (int i = 0; i < 3; ++i) {
    auto v = store_.getBlob(kHmacNames[i]);
    if (!v) return status(500);
    k[i] = *v;
  }
  auto fresh = [&] {
    Bytes b(16);
    random_.fill(b);
    return b;
  };
  bool ok = true;
  auto present = [](const std::optional<Bytes>& b) { return b && !b->empty(); };
  if (present(k[0]) && present(k[1])) {  // rotation step 2: sign with the new key
    ok = store_.setBlob(kHmacNames[2], *k[0]).ok() && store_.delConfig(kHmacNames[0]).ok() &&
         store_.delConfig("valid_until").ok();
  } else if (present(k[0])) {  // step 1: distribute the new key as "accept"
    ok = store_.setBlob(kHmacNames[1], fresh()).ok() &&
         store_.setReal("valid_until", double(now_us) / 1e6 + 3600).ok();
  } else if (present(k[1])) {  // step 3: forget the old key
    ok = store_.setBlob(kHmacNames[0], *k[1]).ok() && store_.delConfig(kHmacNames[1]).ok() &&
         store_.delConfig(kHmacNames[2]).ok();
  } else {  // no key at all: start signing, accept unsigned packets meanwhile
    ok = store_.setBlob(kHmacNames[1], fresh()).ok() && store_.setBlob(kHmacNames[2], Bytes{}).ok();
  }
  if (!ok || !increaseVersion() || !t.commit()) return status(500);
  undo.dismiss();
  Outcome o = status(204);
  o.notify_node = true;
  return o;
}

Result<int64_t> Api::cleanup(int64_t now_s) {
  int64_t old = now_s - opt_.grace_period, next = 0;
  auto note = [&](int64_t when) {
    if (!next || when < next) next = when;
  };
  Transaction t(store_);
  RE6ST_TRY(t.status());
  auto tokens = store_.tokens();
  if (!tokens) return tokens.error();
  for (auto& tk : *tokens) {
    if (tk.date <= old)
      RE6ST_TRY(store_.deleteToken(tk.token));
    else
      note(tk.date);
  }
  std::vector<std::string> expired;
  for (auto& [prefix, info] : info_) {
    if (info.not_after > old || prefix == prefix_) {
      if (prefix == prefix_ && info.not_after <= old)
        LOG_ERROR("Refuse to delete certificate of main node: wrong clock ?");
      else
        note(info.not_after);
      continue;
    }
    expired.push_back(prefix);
  }
  for (auto& p : expired) {
    LOG_INFO("Delete certificate " + cnFromBits(p) + " (expired)");
    RE6ST_TRY(freeRow(p));
  }
  if (!expired.empty()) RE6ST_TRY(allocator_.merge());
  RE6ST_TRY(t.commit());
  return next ? next + opt_.grace_period : 0;
}

}  // namespace re6st::registry
