// getNetworkConfig decoding (REGISTRY-PROTOCOL.md §4) and version checking (§5).
#include "re6st/client/network_config.h"

#include <zlib.h>

#include <nlohmann/json.hpp>

#include "re6st/base/prefix.h"

namespace re6st::client {

using nlohmann::json;

Result<std::string> inflateZlib(ByteSpan data, size_t max_out) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return makeError(Code::kInternal, "zlib: cannot initialise");
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  int rc = Z_OK;
  char buf[16384];
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > max_out)
      rc = Z_MEM_ERROR;
    else if (rc == Z_BUF_ERROR && zs.avail_in == 0)
      break;  // truncated stream
  }
  inflateEnd(&zs);
  if (out.size() > max_out) return makeError(Code::kInvalid, "zlib: data expands beyond the limit");
  if (rc != Z_STREAM_END) return makeError(Code::kInvalid, "zlib: corrupt or truncated data");
  return out;
}

namespace {

// Nesting deeper than any real configuration is refused before parsing.
bool tooDeep(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

Error badField(const std::string& key, const char* want) {
  return makeError(Code::kInvalid, "network config: '" + key + "' is not " + want);
}

Status readInt(const json& j, const std::string& key, int& out) {
  if (!j.is_number_integer()) return badField(key, "an integer");
  auto v = j.get<int64_t>();
  if (v < INT32_MIN || v > INT32_MAX) return badField(key, "a small integer");
  out = static_cast<int>(v);
  return {};
}

Status readString(const json& j, const std::string& key, std::string& out) {
  if (!j.is_string()) return badField(key, "a string");
  out = j.get<std::string>();
  return {};
}

Status readBase64(const json& j, const std::string& key, Bytes& out) {
  std::string s;
  RE6ST_TRY(readString(j, key, s));
  if (!base64Decode(s, out)) return badField(key, "base64");
  return {};
}

Status readHmacKey(const json& j, const std::string& key, const crypto::PrivateKey* node_key,
                   std::optional<Bytes>& out) {
  Bytes raw;
  RE6ST_TRY(readBase64(j, key, raw));
  if (raw.empty() || !node_key) {
    out = std::move(raw);
    return {};
  }
  auto plain = node_key->decrypt(raw);
  if (!plain.ok()) return plain.error().wrap("network config: " + key);
  out = std::move(plain.value());
  return {};
}

Status readList(const json& j, const std::string& key, NetworkConfig& c) {
  if (!j.is_array()) return badField(key, "a list");
  for (const auto& e : j) {
    if (key == "crl") {
      if (!e.is_number_unsigned()) return badField(key, "a list of serials");
      c.crl.push_back(e.get<uint64_t>());
    } else {
      if (!e.is_string()) return badField(key, "a list of strings");
      c.same_country.push_back(e.get<std::string>());
    }
  }
  return {};
}

// One key of the document; unknown keys are ignored (newer registries may add some).
Status readField(const std::string& k, const json& v, const crypto::PrivateKey* node_key,
                 NetworkConfig& c) {
  if (k == "babel_default") return readString(v, k, c.babel_default);
  if (k == "crl" || k == "same_country") return readList(v, k, c);
  if (k == "protocol") return readInt(v, k, c.protocol);
  if (k == "registry_prefix") {
    RE6ST_TRY(readString(v, k, c.registry_prefix));
    return isBitString(c.registry_prefix) ? Status() : badField(k, "a bit string");
  }
  if (k == "ipv4") return readString(v, k, c.ipv4.emplace());
  if (k == "ipv4_sublen") return readInt(v, k, c.ipv4_sublen.emplace());
  if (k == "client_count") return readInt(v, k, c.client_count);
  if (k == "hello") return readInt(v, k, c.hello);
  if (k == "max_clients") return readInt(v, k, c.max_clients);
  if (k == "min_protocol") return readInt(v, k, c.min_protocol);
  if (k == "tunnel_refresh") return readInt(v, k, c.tunnel_refresh);
  if (k == "encrypt") {
    if (!v.is_boolean()) return badField(k, "a boolean");
    c.encrypt = v.get<bool>();
    return {};
  }
  if (k == "version") return readBase64(v, k, c.version);
  if (k == "valid_until") {
    if (!v.is_number()) return badField(k, "a number");
    c.valid_until = v.get<double>();
    return {};
  }
  if (k == "babel_hmac_sign") return readHmacKey(v, k, node_key, c.babel_hmac_sign);
  if (k == "babel_hmac_accept") return readHmacKey(v, k, node_key, c.babel_hmac_accept);
  return {};
}

}  // namespace

Result<NetworkConfig> parseNetworkConfig(std::string_view text,
                                         const crypto::PrivateKey* node_key) {
  if (tooDeep(text, 16)) return makeError(Code::kInvalid, "network config: nesting too deep");
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return makeError(Code::kInvalid, "network config: not a JSON object");
  NetworkConfig c;
  for (auto it = doc.begin(); it != doc.end(); ++it)
    if (!it.key().empty()) RE6ST_TRY(readField(it.key(), it.value(), node_key, c));
  if (!doc.contains("version") || !doc.contains("protocol"))
    return makeError(Code::kInvalid, "network config: missing version or protocol");
  return c;
}

Result<NetworkConfig> decodeNetworkConfig(ByteSpan body, const crypto::PrivateKey* node_key) {
  auto text = inflateZlib(body);
  if (!text.ok()) return text.error().wrap("network config");
  return parseNetworkConfig(text.value(), node_key);
}

Result<uint64_t> verifyVersion(ByteSpan version, const crypto::PublicKey& ca_key) {
  size_t used = 0;
  auto n = unpackInteger(version, &used);
  if (!n.ok()) return n.error().wrap("network config version");
  if (used >= version.size())
    return makeError(Code::kInvalid, "network config version: no signature");
  if (auto st = ca_key.verifySha512(version.first(used), version.subspan(used)); !st.ok())
    return makeError(Code::kCrypto, "network config version: bad CA signature");
  return n.value();
}

}  // namespace re6st::client
