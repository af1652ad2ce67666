// MaxMind DB reader (see geoip.h). Section numbers refer to the MaxMind DB File Format
// Specification 2.0.
#include "re6st/registry/geoip.h"

#include <algorithm>
#include <cstring>

#include "re6st/base/prefix.h"

// decl = value of a Result expression, or return its error.
#define GEOIP_CAT2(a, b) a##b
#define GEOIP_CAT(a, b) GEOIP_CAT2(a, b)
#define GEOIP_TRY(decl, expr) GEOIP_TRY_(GEOIP_CAT(geoip_r_, __LINE__), decl, expr)
#define GEOIP_TRY_(r, decl, expr) \
  auto r = (expr);                \
  if (!r) return r.error();       \
  decl = std::move(*r)

namespace re6st::registry {

namespace {

const char kMetadataMarker[] = "\xAB\xCD\xEFMaxMind.com";
constexpr int kMaxDepth = 32;
constexpr size_t kMaxValues = 100000;  // per decode: pointers may share or loop

Error corrupt(const std::string& why) {
  return makeError(Code::kInvalid, "corrupt MaxMind DB: " + why);
}

// "Output Data Section" decoder over one section (data or metadata); pointers are
// offsets from the section's start.
class Decoder {
 public:
  explicit Decoder(ByteSpan section) : s_(section) {}

  Result<nlohmann::json> value(size_t& pos, int depth = 0) {
    if (depth > kMaxDepth) return corrupt("nesting too deep");
    if (++values_ > kMaxValues) return corrupt("too many values");
    GEOIP_TRY(int type, byteAt(pos));
    uint8_t ctrl = uint8_t(type);
    ++pos;
    type = ctrl >> 5;
    if (type == 1) return pointer(ctrl, pos, depth);
    if (type == 0) {  // extended type: 7 + next byte
      GEOIP_TRY(int ext, byteAt(pos));
      ++pos;
      type = 7 + ext;
      if (type < 8 || type > 15) return corrupt("unknown type " + std::to_string(type));
    }
    size_t size = ctrl & 0x1f;
    if (size >= 29) {
      size_t n = size - 28;  // 1, 2 or 3 more bytes
      GEOIP_TRY(uint64_t extra, uintAt(pos, n));
      pos += n;
      size = n == 1 ? 29 + extra : n == 2 ? 285 + extra : 65821 + extra;
    }
    return payload(type, size, pos, depth);
  }

 private:
  Result<int> byteAt(size_t pos) const {
    if (pos >= s_.size()) return corrupt("value past the end of its section");
    return int(s_[pos]);
  }
  Result<uint64_t> uintAt(size_t pos, size_t n) const {
    if (n > 8 || pos > s_.size() || s_.size() - pos < n)
      return corrupt("value past the end of its section");
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = v << 8 | s_[pos + i];
    return v;
  }

  // §"Pointer - 1": size bits give 1-4 more bytes; the target is a value, not a pointer.
  Result<nlohmann::json> pointer(uint8_t ctrl, size_t& pos, int depth) {
    size_t ss = (ctrl >> 3) & 3;
    uint64_t vvv = ctrl & 7;
    GEOIP_TRY(uint64_t b, uintAt(pos, ss + 1));
    pos += ss + 1;
    static const uint64_t kBias[] = {0, 2048, 526336, 0};
    uint64_t target = ss == 3 ? b : (vvv << (8 * (ss + 1))) + b + kBias[ss];
    if (target >= s_.size()) return corrupt("pointer out of its section");
    size_t at = size_t(target);
    GEOIP_TRY(int ctl, byteAt(at));
    if ((ctl >> 5) == 1) return corrupt("pointer to a pointer");
    return value(at, depth + 1);
  }

  // Numbers: double (3), float (15), uint16/32/64/128 (5, 6, 9, 10), int32 (8).
  Result<nlohmann::json> number(int type, size_t size, size_t& pos) {
    switch (type) {
      case 3:     // double
      case 15: {  // float
        size_t n = type == 3 ? 8 : 4;
        if (size != n) return corrupt("bad float size");
        GEOIP_TRY(uint64_t bits, uintAt(pos, n));
        pos += n;
        if (n == 8) {
          double d;
          std::memcpy(&d, &bits, 8);
          return nlohmann::json(d);
        }
        uint32_t b32 = uint32_t(bits);
        float f;
        std::memcpy(&f, &b32, 4);
        return nlohmann::json(double(f));
      }
      case 5:
      case 6:
      case 8:
      case 9:
      case 10: {  // uint16/32, int32, uint64, uint128
        size_t max = type == 5 ? 2 : type == 6 || type == 8 ? 4 : type == 9 ? 8 : 16;
        if (size > max) return corrupt("integer too long");
        if (pos > s_.size() || s_.size() - pos < size)
          return corrupt("value past the end of its section");
        if (size > 8) {  // uint128: as hex text, nobody does arithmetic on it here
          std::string hex = "0x" + toHex(ByteSpan(s_.data() + pos, size));
          pos += size;
          return nlohmann::json(hex);
        }
        GEOIP_TRY(uint64_t v, uintAt(pos, size));
        pos += size;
        if (type == 8) return nlohmann::json(int32_t(uint32_t(v)));
        return nlohmann::json(v);
      }
    }
    return corrupt("not a number type");
  }

  Result<nlohmann::json> payload(int type, size_t size, size_t& pos, int depth) {
    auto need = [&](size_t n) -> Status {
      if (pos > s_.size() || s_.size() - pos < n)
        return corrupt("value past the end of its section");
      return {};
    };
    switch (type) {
      case 2:    // UTF-8 string
      case 4: {  // bytes (kept as text; nothing here reads them)
        RE6ST_TRY(need(size));
        std::string v(reinterpret_cast<const char*>(s_.data() + pos), size);
        pos += size;
        return nlohmann::json(v);
      }
      case 3:
      case 5:
      case 6:
      case 8:
      case 9:
      case 10:
      case 15:
        return number(type, size, pos);
      case 7: {  // map: size pairs, keys are strings (possibly through pointers)
        nlohmann::json m = nlohmann::json::object();
        for (size_t i = 0; i < size; ++i) {
          GEOIP_TRY(nlohmann::json k, value(pos, depth + 1));
          if (!k.is_string()) return corrupt("map key is not a string");
          GEOIP_TRY(nlohmann::json v, value(pos, depth + 1));
          m[k.get<std::string>()] = std::move(v);
        }
        return m;
      }
      case 11: {  // array
        nlohmann::json a = nlohmann::json::array();
        for (size_t i = 0; i < size; ++i) {
          GEOIP_TRY(nlohmann::json v, value(pos, depth + 1));
          a.push_back(std::move(v));
        }
        return a;
      }
      case 14:  // boolean: the size is the value
        if (size > 1) return corrupt("bad boolean");
        return nlohmann::json(size == 1);
      default:  // 12 data cache container, 13 end marker: never in a record
        return corrupt("unexpected type " + std::to_string(type));
    }
  }

  ByteSpan s_;
  size_t values_ = 0;
};

template <typename T>
std::optional<T> field(const nlohmann::json& m, const char* key) {
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  if constexpr (std::is_same_v<T, std::string>) {
    if (it->is_string()) return it->template get<std::string>();
  } else {
    if (it->is_number_unsigned()) return T(it->template get<uint64_t>());
  }
  return std::nullopt;
}

}  // namespace

Result<GeoIp> GeoIp::open(Bytes file) {
  // §"Database Metadata": after the last marker, within the last 128 KiB.
  std::string_view all(reinterpret_cast<const char*>(file.data()), file.size());
  size_t marker = all.rfind(std::string_view(kMetadataMarker, sizeof kMetadataMarker - 1));
  if (marker == std::string_view::npos || file.size() - marker > 128 * 1024 + 14)
    return corrupt("no metadata marker (is it a .mmdb file?)");
  size_t meta = marker + sizeof kMetadataMarker - 1;
  Decoder d(ByteSpan(file.data() + meta, file.size() - meta));
  size_t pos = 0;
  auto m = d.value(pos);
  if (!m) return m.error();
  if (!m->is_object()) return corrupt("metadata is not a map");
  GeoIp g;
  auto nodes = field<uint64_t>(*m, "node_count");
  auto rs = field<uint64_t>(*m, "record_size");
  auto ipv = field<uint64_t>(*m, "ip_version");
  auto major = field<uint64_t>(*m, "binary_format_major_version");
  if (!nodes || !rs || !ipv || major != 2u)
    return corrupt("metadata lacks node_count/record_size/ip_version or is not 2.x");
  if (*rs != 24 && *rs != 28 && *rs != 32) return corrupt("record size " + std::to_string(*rs));
  if (*ipv != 4 && *ipv != 6) return corrupt("ip_version " + std::to_string(*ipv));
  g.record_size_ = int(*rs);
  g.ip_version_ = int(*ipv);
  if (*nodes >= (1ull << 32) || *nodes * (*rs / 4) > marker)
    return corrupt("search tree larger than the file");
  g.node_count_ = uint32_t(*nodes);
  g.tree_size_ = size_t(*nodes * (*rs / 4));  // two records of rs bits per node
  // 16 zero bytes separate the tree from the data section.
  if (g.tree_size_ + 16 > marker) return corrupt("no data section");
  g.data_start_ = g.tree_size_ + 16;
  g.data_end_ = marker;
  g.type_ = field<std::string>(*m, "database_type").value_or("");
  g.db_ = std::move(file);
  // IPv4 addresses in an IPv6 tree live under ::/96 (§"IPv4 addresses in an IPv6 tree").
  uint32_t node = 0;
  for (int i = 0; i < 96 && g.ip_version_ == 6 && node < g.node_count_; ++i) {
    auto c = g.child(node, 0);
    if (!c) return c.error();
    node = *c;
  }
  g.ipv4_start_ = node;
  return g;
}

Result<uint32_t> GeoIp::child(uint32_t node, int bit) const {
  size_t bytes = size_t(record_size_) / 4;  // per node
  size_t at = size_t(node) * bytes;
  if (node >= node_count_ || at + bytes > tree_size_) return corrupt("node out of the tree");
  const uint8_t* p = db_.data() + at;
  switch (record_size_) {
    case 24:
      p += bit * 3;
      return uint32_t(p[0] << 16 | p[1] << 8 | p[2]);
    case 28:
      if (bit == 0) return uint32_t((p[3] & 0xf0) << 20 | p[0] << 16 | p[1] << 8 | p[2]);
      return uint32_t((p[3] & 0x0f) << 24 | p[4] << 16 | p[5] << 8 | p[6]);
    default:
      p += bit * 4;
      return uint32_t(p[0]) << 24 | uint32_t(p[1] << 16 | p[2] << 8 | p[3]);
  }
}

Result<std::optional<nlohmann::json>> GeoIp::record(const std::string& ip) const {
  Ipv6 a{};
  int bits = 128;
  uint32_t node = 0;
  if (auto v6 = parseIpv6(ip)) {
    a = *v6;
    if (ip_version_ == 4) return std::optional<nlohmann::json>();  // no IPv6 in the file
  } else {
    auto v4 = parseIpv6("::ffff:" + ip);  // dotted quad only
    if (!v4 || ip.find(':') != std::string::npos)
      return makeError(Code::kInvalid, "not an IP address: " + ip);
    std::copy(v4->begin() + 12, v4->end(), a.begin());
    bits = 32;
    node = ip_version_ == 6 ? ipv4_start_ : 0;
  }
  for (int i = 0; i < bits && node < node_count_; ++i) {
    auto c = child(node, (a[size_t(i / 8)] >> (7 - i % 8)) & 1);
    if (!c) return c.error();
    node = *c;
  }
  if (node == node_count_) return std::optional<nlohmann::json>();  // not found
  if (node < node_count_) return corrupt("search tree deeper than the address");
  // A record value past the node count points into the data section (minus 16).
  uint64_t off = uint64_t(node) - node_count_ - 16;
  if (off >= data_end_ - data_start_) return corrupt("record points out of the data section");
  Decoder d(ByteSpan(db_.data() + data_start_, data_end_ - data_start_));
  size_t pos = size_t(off);
  auto v = d.value(pos);
  if (!v) return v.error();
  return std::optional<nlohmann::json>(std::move(*v));
}

std::pair<std::string, std::string> GeoIp::lookup(const std::string& ip) const {
  auto r = record(ip);
  if (!r || !*r || !(*r)->is_object()) return {"*", "*"};
  auto code = [&](const char* section, const char* key) {
    auto it = (*r)->find(section);
    if (it == (*r)->end() || !it->is_object()) return std::string("*");
    return field<std::string>(*it, key).value_or("*");
  };
  return {code("country", "iso_code"), code("continent", "code")};
}

}  // namespace re6st::registry
