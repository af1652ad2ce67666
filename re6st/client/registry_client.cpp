// Registry client: transports and the Re6stHMAC call flow (REGISTRY-PROTOCOL.md §1, §3).
#include "re6st/client/registry_client.h"

#include <algorithm>
#include <memory>

#include "re6st/base/log.h"

namespace re6st::client {

namespace {

const char* userAgent() { return "re6stnet/" RE6ST_VERSION ", re6st (C++)"; }

bool hasCn(const Params& params) {
  for (const auto& p : params)
    if (p.first == "cn") return true;
  return false;
}

}  // namespace

Result<FetchTransport> FetchTransport::create(const std::string& registry_url, Duration timeout,
                                              std::string ca_file) {
  auto url = http::parseUrl(registry_url);
  if (!url.ok()) return url.error().wrap("registry URL " + registry_url);
  return FetchTransport(std::move(url.value()), timeout, std::move(ca_file));
}

void FetchTransport::get(const std::string& target, const http::Headers& headers, Callback cb) {
  http::ClientOptions opts;
  opts.timeout = timeout_;
  opts.caFile = ca_file_;
  opts.headers = headers;
  cb(http::fetch(base_.origin() + http::joinTarget(base_, target), timeout_, std::move(opts)));
}

void LoopTransport::get(const std::string& target, const http::Headers& headers, Callback cb) {
  http::Url url = base_;
  url.target = http::joinTarget(base_, target);
  http::ClientOptions opts = options_;
  for (const auto& [k, v] : headers.fields()) opts.headers.set(k, v);
  client_.get(url, std::move(cb), std::move(opts));
}

RegistryClient::RegistryClient(Transport& transport) : transport_(transport) {}

void RegistryClient::setIdentity(std::string prefix_bits, const crypto::PrivateKey* key,
                                 const crypto::Certificate* ca) {
  if (prefix_bits != prefix_) chain_.drop();
  prefix_ = std::move(prefix_bits);
  key_ = key;
  ca_ = ca;
}

Result<Bytes> RegistryClient::checkStatus(const std::string& method,
                                          const Result<http::Response>& r) {
  if (!r.ok()) return r.error().wrap(method);
  int st = r->status;
  if (st == 200 || st == 204) return st == 204 ? Bytes{} : r->body;
  std::string reason = r->reason.empty() ? "" : " " + r->reason;
  if (st == 403) return makeError(Code::kPermission, method + ": " + std::to_string(st) + reason);
  LOG_DEBUG("registry " + method + ": HTTP " + std::to_string(st) +
            " body: " + asString(ByteSpan(r->body).first(std::min<size_t>(r->body.size(), 200))));
  return makeError(Code::kProtocol, method + ": HTTP " + std::to_string(st) + reason);
}

void RegistryClient::call(const std::string& method, Params params, BodyCallback cb) {
  if (hasCn(params)) {
    authCall(method, params, chain_.hasKey(), std::move(cb));
    return;
  }
  http::Headers h;
  h.set("User-Agent", userAgent());
  transport_.get(
      rpcTarget(method, params), h,
      [method, cb = std::move(cb)](Result<http::Response> r) { cb(checkStatus(method, r)); });
}

void RegistryClient::hello(std::function<void(Status)> then) {
  if (!key_ || !ca_) {
    then(makeError(Code::kInvalid, "registry client: no node identity for an authenticated call"));
    return;
  }
  Params p{{"client_prefix", prefix_}, {"protocol", std::to_string(kRegistryProtocol)}};
  call("hello", p, [this, then = std::move(then)](Result<Bytes> body) {
    if (!body.ok()) return then(body.error());
    auto secret = openHello(body.value(), ca_->publicKey(), *key_);
    if (!secret.ok()) return then(secret.error());
    chain_.setKey(std::move(secret.value()));
    then(Status());
  });
}

// may_retry: the session key is a cached one, so a refusal may only mean the registry
// restarted or forgot it; one new hello and one more try (as re6stnet's client does).
void RegistryClient::authCall(const std::string& method, const Params& params, bool may_retry,
                              BodyCallback cb) {
  if (!chain_.hasKey()) {
    hello([this, method, params, cb = std::move(cb)](Status st) mutable {
      if (!st.ok()) return cb(st.error());
      authCall(method, params, false, std::move(cb));
    });
    return;
  }
  std::string target = rpcTarget(method, params);
  auto sig = chain_.sign(target);
  http::Headers h;
  h.set("User-Agent", userAgent());
  h.set(kHmacHeader, sig.header);
  auto done = [this, method, params, may_retry, rkey = std::move(sig.response_key),
               cb = std::move(cb)](Result<http::Response> r) mutable {
    auto body = checkStatus(method, r);
    if (body.ok() && HmacChain::checkResponse(rkey, body.value(), r->headers.find(kHmacHeader)))
      return cb(std::move(body));
    if (!body.ok() && body.error().code == Code::kPermission) return cb(std::move(body));
    chain_.drop();
    if (!r.ok()) return cb(std::move(body));  // network failure: no retry
    if (may_retry) {
      LOG_DEBUG("registry " + method + ": session key refused, new hello");
      return authCall(method, params, false, std::move(cb));
    }
    if (body.ok())
      return cb(makeError(Code::kCrypto, method + ": missing or wrong " + kHmacHeader));
    cb(std::move(body));
  };
  transport_.get(target, h, std::move(done));
}

Result<Bytes> RegistryClient::callSync(const std::string& method, Params params) {
  std::optional<Result<Bytes>> out;
  call(method, std::move(params), [&out](Result<Bytes> r) { out.emplace(std::move(r)); });
  if (!out)
    return makeError(Code::kInternal, method + ": transport did not complete synchronously");
  return std::move(*out);
}

Result<std::string> RegistryClient::getCa() {
  auto b = callSync("getCa", {});
  if (!b.ok()) return b.error();
  if (b->empty()) return makeError(Code::kProtocol, "getCa: empty answer");
  return asString(b.value());
}

Status RegistryClient::requestToken(const std::string& email) {
  auto b = callSync("requestToken", {{"email", email}});
  if (!b.ok()) return b.error();
  return {};
}

Result<std::optional<std::string>> RegistryClient::requestCertificate(const std::string& token,
                                                                      const std::string& csr_pem,
                                                                      const std::string& location,
                                                                      const std::string& ip) {
  // re6st-conf always sends all four parameters, defaults included (§1).
  auto b = callSync("requestCertificate",
                    {{"token", token}, {"req", csr_pem}, {"location", location}, {"ip", ip}});
  if (!b.ok()) return b.error();
  if (b->empty()) return std::optional<std::string>();
  return std::optional<std::string>(asString(b.value()));
}

}  // namespace re6st::client
