// Typed registry RPCs: decoding of each method's body (REGISTRY-PROTOCOL.md §2, §12).
#include "re6st/client/rpc.h"

#include "re6st/base/prefix.h"

namespace re6st::client {

Result<BootstrapPeer> parseBootstrapPeer(std::string_view plain) {
  size_t sp = plain.find(' ');
  if (sp == std::string_view::npos || sp == 0 || sp + 1 >= plain.size())
    return makeError(Code::kProtocol, "getBootstrapPeer: malformed answer");
  BootstrapPeer p{std::string(plain.substr(0, sp)), std::string(plain.substr(sp + 1))};
  if (!isBitString(p.prefix)) return makeError(Code::kProtocol, "getBootstrapPeer: bad prefix");
  return p;
}

void RegistryRpc::text(const std::string& method, Params p, Done<std::optional<std::string>> done) {
  c_.call(method, std::move(p), [done = std::move(done)](Result<Bytes> b) {
    if (!b.ok()) return done(b.error());
    if (b->empty()) return done(std::optional<std::string>());
    done(std::optional<std::string>(asString(b.value())));
  });
}

// isToken: 200 "1" → true, 204 → false.
void RegistryRpc::status(const std::string& method, Params p, Done<bool> done) {
  c_.call(method, std::move(p), [done = std::move(done)](Result<Bytes> b) {
    if (!b.ok()) return done(b.error());
    done(!b->empty());
  });
}

// Methods answering 204 on success: true, or the error (403, 404, 409 ...).
void RegistryRpc::ack(const std::string& method, Params p, Done<bool> done) {
  c_.call(method, std::move(p), [done = std::move(done)](Result<Bytes> b) {
    if (!b.ok()) return done(b.error());
    done(true);
  });
}

namespace {

// A required non-empty text answer.
Done<std::optional<std::string>> required(const std::string& method, Done<std::string> done) {
  return [method, done = std::move(done)](Result<std::optional<std::string>> r) {
    if (!r.ok()) return done(r.error());
    if (!r->has_value()) return done(makeError(Code::kProtocol, method + ": empty answer"));
    done(std::move(**r));
  };
}

}  // namespace

void RegistryRpc::getNetworkConfig(Done<NetworkConfig> done) {
  c_.call("getNetworkConfig", cn(), [this, done = std::move(done)](Result<Bytes> b) {
    if (!b.ok()) return done(b.error());
    done(decodeNetworkConfig(b.value(), c_.nodeKey()));
  });
}

void RegistryRpc::renewCertificate(Done<std::string> done) {
  text("renewCertificate", cn(), required("renewCertificate", std::move(done)));
}

void RegistryRpc::getDh(Done<std::string> done) {
  text("getDh", cn(), required("getDh", std::move(done)));
}

void RegistryRpc::getCa(Done<std::string> done) {
  text("getCa", {}, required("getCa", std::move(done)));
}

void RegistryRpc::getCountry(const std::string& address, Done<std::optional<std::string>> done) {
  Params p = cn();
  p.emplace_back("address", address);
  text("getCountry", std::move(p), std::move(done));
}

void RegistryRpc::getBootstrapPeer(Done<std::optional<BootstrapPeer>> done) {
  c_.call("getBootstrapPeer", cn(), [this, done = std::move(done)](Result<Bytes> b) {
    if (!b.ok()) return done(b.error());
    if (b->empty()) return done(std::optional<BootstrapPeer>());
    if (!c_.nodeKey()) return done(makeError(Code::kInvalid, "getBootstrapPeer: no node key"));
    auto plain = c_.nodeKey()->decrypt(b.value());
    if (!plain.ok()) return done(plain.error().wrap("getBootstrapPeer"));
    auto peer = parseBootstrapPeer(asString(plain.value()));
    if (!peer.ok()) return done(peer.error());
    done(std::optional<BootstrapPeer>(std::move(peer.value())));
  });
}

void RegistryRpc::getNodePrefix(const std::string& email, Done<std::optional<std::string>> done) {
  text("getNodePrefix", {{"email", email}}, std::move(done));
}

void RegistryRpc::getIPv6Address(const std::string& email, Done<std::optional<std::string>> done) {
  text("getIPv6Address", {{"email", email}}, std::move(done));
}

void RegistryRpc::isToken(const std::string& token, Done<bool> done) {
  status("isToken", {{"token", token}}, std::move(done));
}

void RegistryRpc::addToken(const std::string& email, const std::string& token, Done<bool> done) {
  ack("addToken", {{"email", email}, {"token", token}}, std::move(done));
}

void RegistryRpc::deleteToken(const std::string& token, Done<bool> done) {
  ack("deleteToken", {{"token", token}}, std::move(done));
}

void RegistryRpc::revoke(const std::string& cn_or_serial, Done<bool> done) {
  ack("revoke", {{"cn_or_serial", cn_or_serial}}, std::move(done));
}

void RegistryRpc::updateHMAC(Done<bool> done) { ack("updateHMAC", {}, std::move(done)); }

void RegistryRpc::versions(Done<std::string> done) {
  text("versions", {}, required("versions", std::move(done)));
}

void RegistryRpc::topology(Done<std::string> done) {
  text("topology", {}, required("topology", std::move(done)));
}

}  // namespace re6st::client
