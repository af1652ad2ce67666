#include "re6st/node/netconfig.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "re6st/crypto/x509.h"
#include "re6st/kernel/routes.h"

namespace re6st::node {
namespace {

using json = nlohmann::json;

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One field of the answer, converted as cache.py updateConfig does.
Status addRow(ConfigMap& rows, const std::string& k, const json& v, bool inBase64,
              const crypto::PrivateKey& key) {
  if (k.rfind("babel_hmac", 0) == 0) {
    if (!v.is_string()) return makeError(Code::kInvalid, "network config: " + k + " is not a string");
    std::string s = v.get<std::string>();
    if (s.empty()) {
      rows[k] = std::string();
      return {};
    }
    Bytes raw;
    if (!base64Decode(s, raw)) return makeError(Code::kInvalid, "network config: " + k + " is not base64");
    auto plain = key.decrypt(raw);
    if (!plain) return plain.error().wrap("network config: " + k);
    rows[k] = std::move(*plain);
    return {};
  }
  if (inBase64) {
    Bytes raw;
    if (!v.is_string() || !base64Decode(v.get<std::string>(), raw))
      return makeError(Code::kInvalid, "network config: " + k + " is not base64");
    rows[k] = std::move(raw);
  } else if (v.is_string()) {
    rows[k] = v.get<std::string>();
  } else if (v.is_boolean()) {
    rows[k] = int64_t(v.get<bool>());
  } else if (v.is_number_integer()) {
    rows[k] = v.is_number_unsigned() ? int64_t(v.get<uint64_t>()) : v.get<int64_t>();
  } else if (v.is_number_float()) {
    rows[k] = v.get<double>();
  } else if (v.is_array() || v.is_object()) {
    rows[k + ":json"] = v.dump();
  } else if (!v.is_null()) {
    return makeError(Code::kInvalid, "network config: unsupported value for " + k);
  }
  return {};
}

// Ranges a node can work with; values outside come from a broken or hostile registry
// and would overflow timers (4 × hello) or ask for absurd numbers of tunnels.
Status checkRanges(const client::NetworkConfig& c) {
  auto in = [](int v, int lo, int hi) { return v >= lo && v <= hi; };
  const char* bad = !in(c.hello, 1, 3600)                ? "hello"
                    : !in(c.tunnel_refresh, 1, 7 * 86400) ? "tunnel_refresh"
                    : !in(c.client_count, 0, 1000)         ? "client_count"
                    : !in(c.max_clients, 0, 10000)         ? "max_clients"
                    : (c.ipv4_sublen && !in(*c.ipv4_sublen, 0, 32)) ? "ipv4_sublen"
                                                                      : nullptr;
  if (bad) return makeError(Code::kInvalid, std::string("network config: ") + bad + " out of range");
  return {};
}

}  // namespace

Result<ConfigMap> configRowsFromBody(ByteSpan body, const crypto::PrivateKey& key,
                                     int* delayRestart) {
  auto text = client::inflateZlib(body);
  if (!text) return text.error().wrap("network config");
  json doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return makeError(Code::kInvalid, "network config: not a JSON object");
  std::set<std::string> base64;
  if (auto it = doc.find(""); it != doc.end() && it->is_array())
    for (const auto& e : *it)
      if (e.is_string()) base64.insert(e.get<std::string>());
  ConfigMap rows;
  if (delayRestart) *delayRestart = 0;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& k = it.key();
    if (k.empty()) continue;
    if (k == "delay_restart") {
      // As a double first: get<int>() of a huge or fractional number is undefined.
      if (delayRestart && it->is_number())
        *delayRestart = int(std::clamp(it->get<double>(), 0.0, 86400.0));
      continue;
    }
    RE6ST_TRY(addRow(rows, k, *it, base64.count(k) > 0, key));
  }
  // Check now that the rows make a usable configuration.
  RE6ST_TRY(configFromRows(rows));
  return rows;
}

Result<client::NetworkConfig> configFromRows(const ConfigMap& rows) {
  json doc = json::object();
  json base64 = json::array();
  for (const auto& [name, value] : rows) {
    std::string k = name;
    if (endsWith(k, ":json")) {
      k.resize(k.size() - 5);
      const auto* s = std::get_if<std::string>(&value);
      json v = s ? json::parse(*s, nullptr, false) : json();
      if (v.is_discarded()) return makeError(Code::kInvalid, "cached config: bad JSON in " + name);
      doc[k] = std::move(v);
    } else if (k == "crl") {  // BBB: old caches kept the list without the suffix
      const auto* s = std::get_if<std::string>(&value);
      json v = s ? json::parse(*s, nullptr, false) : json();
      if (!v.is_discarded()) doc[k] = std::move(v);
    } else if (const auto* b = std::get_if<Bytes>(&value)) {
      doc[k] = base64Encode(*b);
      base64.push_back(k);
    } else if (const auto* i = std::get_if<int64_t>(&value)) {
      if (k == "encrypt") doc[k] = *i != 0;
      else doc[k] = *i;
    } else if (const auto* d = std::get_if<double>(&value)) {
      doc[k] = *d;
    } else {
      doc[k] = std::get<std::string>(value);
    }
  }
  doc[""] = std::move(base64);
  // The babel_hmac_* blobs are already decrypted: no key, they are taken as they are.
  auto c = client::parseNetworkConfig(doc.dump(), nullptr);
  if (c) RE6ST_TRY(checkRanges(*c));
  return c;
}

std::optional<Ipv4Overlay> ipv4Overlay(const client::NetworkConfig& c,
                                       std::optional<std::string_view> subjectSerial) {
  if (!c.ipv4 || !c.ipv4_sublen || !subjectSerial) return std::nullopt;
  auto net = kernel::parseAnyPrefix(*c.ipv4);
  uint64_t serial = 0;
  auto [end, ec] = std::from_chars(subjectSerial->data(),
                                   subjectSerial->data() + subjectSerial->size(), serial);
  int sub = *c.ipv4_sublen;
  // cli/node.py: ipv4_sublen <= 16 and serial < 1 << ipv4_sublen.
  if (!net || !kernel::isV4(*net) || ec != std::errc() ||
      end != subjectSerial->data() + subjectSerial->size() || sub < 0 || sub > 16 ||
      serial >= (uint64_t(1) << sub) || net->len - 96 + sub > 32)
    return std::nullopt;
  int n = net->len - 96 + sub;
  uint32_t base = uint32_t(net->addr[12]) << 24 | uint32_t(net->addr[13]) << 16 |
                  uint32_t(net->addr[14]) << 8 | net->addr[15];
  uint32_t ip = base | uint32_t(serial << (32 - n)) | (n < 31 ? 1u : 0u);
  return Ipv4Overlay{*net,
                     kernel::v4Address(uint8_t(ip >> 24), uint8_t(ip >> 16), uint8_t(ip >> 8),
                                       uint8_t(ip)),
                     n};
}

std::vector<std::string> changedNames(const std::vector<std::string>& rowNames) {
  std::vector<std::string> out;
  for (auto n : rowNames) {
    if (endsWith(n, ":json")) n.resize(n.size() - 5);
    out.push_back(std::move(n));
  }
  return out;
}

bool needsRestart(const std::vector<std::string>& changed, bool tunnelManager) {
  static const std::set<std::string> base = {"babel_default", "babel_hmac_accept",
                                             "babel_hmac_sign", "encrypt", "hello", "ipv4",
                                             "ipv4_sublen"};
  static const std::set<std::string> manager = {"client_count", "max_clients", "same_country",
                                                "tunnel_refresh"};
  for (const auto& c : changed)
    if (base.count(c) || (tunnelManager && manager.count(c))) return true;
  return false;
}

std::set<std::string> crlHex(const client::NetworkConfig& c) {
  std::set<std::string> out;
  for (uint64_t s : c.crl) out.insert(crypto::serialToHex(crypto::serialFromU128(s)));
  return out;
}

}  // namespace re6st::node
