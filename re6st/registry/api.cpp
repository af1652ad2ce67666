// Request routing, authentication and the token / lookup RPCs. Certificate and network
// configuration RPCs are in api_cert.cpp.
#include "re6st/registry/api.h"

#include <algorithm>

#include "re6st/base/log.h"
#include "re6st/base/prefix.h"
#include "re6st/crypto/ca.h"
#include "re6st/crypto/hmac.h"

namespace re6st::registry {

namespace {
Outcome status(int code) { return Outcome{ApiResponse{code, {}, {}}}; }
Outcome body(std::string text) { return Outcome{ApiResponse{200, toBytes(text), {}}}; }
}  // namespace

const std::map<std::string, Api::Method>& Api::methods() {
  using P = std::vector<Param>;
  const std::string e;
  static const std::map<std::string, Method> table = {
      {"getCa", {P{}, false}},
      {"requestToken", {P{{"email", {}}}, false}},
      {"requestCertificate", {P{{"token", {}}, {"req", {}}, {"location", e}, {"ip", e}}, false}},
      {"hello", {P{{"client_prefix", {}}, {"protocol", std::string("1")}}, false}},
      {"getNetworkConfig", {P{{"cn", {}}}, false}},
      {"renewCertificate", {P{{"cn", {}}}, false}},
      {"getDh", {P{{"cn", {}}}, false}},
      {"getBootstrapPeer", {P{{"cn", {}}}, false}},
      {"getCountry", {P{{"cn", {}}, {"address", {}}}, false}},
      {"revoke", {P{{"cn_or_serial", {}}}, true}},
      {"updateHMAC", {P{}, true}},
      {"addToken", {P{{"email", {}}, {"token", {}}}, true}},
      {"isToken", {P{{"token", {}}}, true}},
      {"deleteToken", {P{{"token", {}}}, true}},
      {"getNodePrefix", {P{{"email", {}}}, true}},
      {"getIPv6Address", {P{{"email", {}}}, true}},
      {"getIPv4Information", {P{{"email", {}}}, true}},
      {"versions", {P{}, true}},
      {"topology", {P{}, true}},
  };
  return table;
}

Api::Api(ApiOptions o, Store& s, crypto::Certificate ca, crypto::PrivateKey key, Random& r)
    : opt_(std::move(o)),
      store_(s),
      ca_(std::move(ca)),
      ca_key_(std::move(key)),
      random_(r),
      allocator_(s, 0, {}) {}

Result<std::unique_ptr<Api>> Api::create(ApiOptions options, Store& store, crypto::Certificate ca,
                                         crypto::PrivateKey ca_key, Random& random, int64_t now_us) {
  if (!ca_key.matches(ca.publicKey()))
    return makeError(Code::kInvalid, "CA key does not match the CA certificate");
  std::unique_ptr<Api> api(new Api(std::move(options), store, std::move(ca), std::move(ca_key), random));
  RE6ST_TRY(api->load(now_us));
  return api;
}

Status Api::load(int64_t now_us) {
  auto net = crypto::networkBitsFromCa(ca_);
  if (!net) return net.error();
  network_ = *net;
  if (network_.size() >= 128) return makeError(Code::kInvalid, "CA network leaves no room for nodes");
  allocator_ = Allocator(store_, 128 - network_.size(), opt_.communities);
  ca_email_ = ca_.subjectField("emailAddress").value_or("");
  ca_pem_ = ca_.pem();
  Transaction t(store_);
  RE6ST_TRY(t.status());
  RE6ST_TRY(allocator_.init());
  auto prefix = store_.getText("prefix");
  if (!prefix) return prefix.error();
  prefix_ = prefix->value_or("");
  auto version = store_.getBlob("version");
  if (!version) return version.error();
  version_ = version->value_or(Bytes{0});
  // Issued certificates: serials, expiry and subject serialNumbers kept in memory so no
  // request has to parse every certificate of the database.
  auto rows = store_.rows();
  if (!rows) return rows.error();
  for (auto& r : *rows) {
    if (!r.issued()) continue;
    auto c = crypto::Certificate::parsePem(*r.cert);
    if (!c) {
      LOG_WARNING("unparsable certificate for prefix " + r.prefix + ": " + c.error().message);
      continue;
    }
    CertInfo info{int64_t(c->serialU64().value_or(0)), c->notAfter(), std::nullopt};
    if (auto sn = c->subjectField("serialNumber"))
      if (auto v = parseU128(*sn); v && *v < (unsigned __int128)(INT64_MAX)) info.subject_serial = int64_t(*v);
    info_[r.prefix] = info;
  }
  if (!prefix_.empty()) {
    auto changed = updateNetworkConfig();
    if (!changed) return changed.error();
  } else {
    bool any = false;
    for (const char* k : {"babel_hmac0", "babel_hmac1", "babel_hmac2"}) {
      auto v = store_.getBlob(k);
      if (!v) return v.error();
      any = any || v->has_value();
    }
    if (!any) {  // a fresh network: the first Babel HMAC key (§4)
      Bytes key(16);
      random_.fill(key);
      RE6ST_TRY(store_.setBlob("babel_hmac0", key));
    }
  }
  (void)now_us;
  return t.commit();
}

namespace {
bool originAllowed(const ApiOptions& o, const ApiRequest& r) {
  auto in = [&](const std::string& a) {
    return std::find(o.authorized_origin.begin(), o.authorized_origin.end(), a) != o.authorized_origin.end();
  };
  std::string peer = r.peer_ip;
  if (peer.rfind("::ffff:", 0) == 0 && peer.find('.') != std::string::npos) peer = peer.substr(7);
  return in(peer) && (!r.forwarded_for || r.forwarded_for->empty() || in(*r.forwarded_for));
}
}  // namespace

Outcome Api::handle(const ApiRequest& req) {
  // §1: "/<method>" or "/<method>?<query>"; anything else is 400.
  std::string path = req.target, raw_query;
  if (auto q = path.find('?'); q != std::string::npos) {
    raw_query = path.substr(q + 1);
    path.resize(q);
  }
  if (path.size() < 2 || path[0] != '/' || path.find('/', 1) != std::string::npos) return status(400);
  std::string name = path.substr(1);
  auto m = methods().find(name);
  if (m == methods().end()) return status(400);
  auto query = http::parseQuery(raw_query);
  if (!query) return status(400);
  if (m->second.is_private && !originAllowed(opt_, req)) return status(403);
  Args args;
  for (auto& [k, v] : query->items) args[k] = v;  // duplicates: last wins
  for (auto& [k, _] : args)
    if (std::none_of(m->second.params.begin(), m->second.params.end(), [&](auto& p) { return p.name == k; }))
      return status(400);
  for (auto& p : m->second.params) {
    if (args.count(p.name)) continue;
    if (!p.default_value) return status(400);
    // 'ip' defaults to the client address as re6st-registry sees it (§1).
    if (p.name == "ip") {
      std::string ip = req.forwarded_for ? *req.forwarded_for : req.host.value_or("");
      ip = ip.substr(0, ip.find(','));
      ip.erase(0, ip.find_first_not_of(" \t"));
      ip.erase(ip.find_last_not_of(" \t") + 1);
      args[p.name] = ip;
    } else {
      args[p.name] = *p.default_value;
    }
  }
  std::optional<Sessions::Match> auth;
  if (auto cn = args.find("cn"); cn != args.end() && !cn->second.empty()) {
    Bytes mac;
    if (!req.hmac || !base64Decode(*req.hmac, mac)) return status(400);
    auto r = sessions_.authenticate(cn->second, mac, req.target);
    if (!r) {
      LOG_INFO(name + ": " + r.error().message + " (" + cn->second + ")");
      return status(r.error().code == Code::kNotFound ? 401 : 400);
    }
    auth = *r;
  }
  Outcome out = call(name, args, req, auth);
  if (!out.mail && !out.node) {
    auto& resp = out.response;
    if (resp.status == 200 && resp.body.empty()) resp.status = 204;
    if (auth && (resp.status == 200 || resp.status == 204))
      resp.hmac = base64Encode(crypto::hmacSha1(auth->response_key, resp.body));
  }
  if (out.node && auth) {
    out.node->response_key = auth->response_key;
    out.node->protocol = auth->protocol;
  }
  return out;
}

Outcome Api::call(const std::string& name, Args& a, const ApiRequest& req,
                  const std::optional<Sessions::Match>& auth) {
  int64_t now = req.now_us;
  if (name == "getCa") return body(ca_pem_);
  if (name == "requestToken") return requestToken(a, now);
  if (name == "requestCertificate") return requestCertificate(a, now);
  if (name == "hello") return hello(a, now);
  if (name == "getNetworkConfig") return getNetworkConfig(a);
  if (name == "renewCertificate") return renewCertificate(a, now);
  if (name == "getDh") return body(opt_.dh);
  if (name == "getCountry") {
    if (!opt_.geoip) return status(400);  // registry.py without GEOIP2_MMDB (§2)
    std::string country = opt_.geoip->lookup(a["address"]).first;
    return country == "*" ? status(204) : body(country);
  }
  if (name == "revoke") return revoke(a, now);
  if (name == "updateHMAC") return updateHMAC(now);
  if (name == "addToken") return addToken(a, now);
  if (name == "isToken") return isToken(a);
  if (name == "deleteToken") return deleteToken(a);
  if (name == "getNodePrefix") return getNodePrefix(a, false);
  if (name == "getIPv6Address") return getNodePrefix(a, true);
  Outcome o;
  if (name == "getBootstrapPeer") {
    if (prefix_.empty()) return status(500);
    o.node = NodeWork{NodeWork::kBootstrapPeer, a["cn"], "", std::nullopt, auth ? auth->protocol : 1};
    return o;
  }
  if (name == "versions" || name == "topology") {
    if (prefix_.empty()) return status(500);  // no registry node yet (§12)
    o.node = NodeWork{name == "versions" ? NodeWork::kVersions : NodeWork::kTopology, "", prefix_,
                      std::nullopt, 1};
    return o;
  }
  // getIPv4Information: the node of that email, if the registry node routes to it.
  auto row = store_.rowByEmail(a["email"]);
  if (!row) return status(500);
  if (!*row || !(*row)->issued()) return status(204);
  o.node = NodeWork{NodeWork::kIpv4Info, "", (*row)->prefix, std::nullopt, 1};
  return o;
}

// ---- tokens ----

Outcome Api::addToken(const Args& a, int64_t now_us) {
  if (!opt_.prefix_length) return status(403);
  Transaction t(store_);
  if (!t.status()) return status(500);
  auto r = store_.insertToken({a.at("token"), a.at("email"), opt_.prefix_length, now_us / 1000000});
  if (!r) return status(r.error().code == Code::kExists ? 409 : 500);
  return t.commit() ? status(204) : status(500);
}

Outcome Api::requestToken(const Args& a, int64_t now_us) {
  if (!opt_.mail_enabled || !opt_.prefix_length) return status(403);
  // The address goes into SMTP commands and mail headers: no line breaks, no brackets.
  const std::string& email = a.at("email");
  if (email.empty() || email.size() > 254 ||
      std::any_of(email.begin(), email.end(), [](unsigned char c) { return c < 0x21 || c >= 0x7f || c == '<' || c == '>'; }))
    return status(400);
  // 8 distinct lowercase letters, like random.sample(ascii_lowercase, 8).
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string letters = "abcdefghijklmnopqrstuvwxyz", token;
    for (int i = 0; i < 8; ++i) {
      size_t k = size_t(random_.below(letters.size()));
      token += letters[k];
      letters.erase(k, 1);
    }
    Transaction t(store_);
    if (!t.status()) return status(500);
    auto r = store_.insertToken({token, a.at("email"), opt_.prefix_length, now_us / 1000000});
    if (!r && r.error().code == Code::kExists) continue;
    if (!r || !t.commit()) return status(500);
    LOG_INFO("token requested by " + a.at("email"));
    Outcome o;
    o.mail = MailWork{a.at("email"), token};
    return o;
  }
  return status(500);
}

Outcome Api::isToken(const Args& a) {
  auto r = store_.findToken(a.at("token"));
  if (!r) return status(500);
  return *r ? body("1") : status(204);
}

Outcome Api::deleteToken(const Args& a) {
  Transaction t(store_);
  if (!t.status() || !store_.deleteToken(a.at("token")) || !t.commit()) return status(500);
  return status(204);
}

Outcome Api::getNodePrefix(const Args& a, bool as_address) {
  auto r = store_.rowByEmail(a.at("email"));
  if (!r) return status(500);
  if (!*r || !(*r)->issued()) return status(204);
  std::string bits = (*r)->prefix;
  if (!as_address) return body(cnFromBits(bits));
  // Network + node bits, zero-filled (utils.ipFromBin).
  auto p = prefixFromBits(network_ + bits);
  if (!p) return status(500);
  return body(formatIpv6(p->addr));
}

uint64_t Api::version() const {
  auto v = unpackInteger(version_);
  return v ? *v : 0;
}

}  // namespace re6st::registry
