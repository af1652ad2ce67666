// A small MaxMind DB (format 2.0) writer for tests of re6st/registry/geoip: a binary
// search tree of 24/28/32-bit records over IPv6 (IPv4 under ::/96) or IPv4, a data
// section and the metadata map, laid out as the specification says
// (https://maxmind.github.io/MaxMind-DB/). Test-only; single-threaded.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/prefix.h"

namespace r6mmdb {

using re6st::Bytes;

// Data section encoders (§"Output Data Section").
inline void ctrl(Bytes& o, int type, size_t size) {
  uint8_t t = uint8_t(type <= 7 ? type << 5 : 0);
  if (size < 29) {
    o.push_back(uint8_t(t | size));
  } else {
    o.push_back(uint8_t(t | 29));
  }
  if (type > 7) o.push_back(uint8_t(type - 7));
  if (size >= 29) o.push_back(uint8_t(size - 29));  // sizes up to 284 are enough here
}
inline Bytes str(const std::string& s) {
  Bytes o;
  ctrl(o, 2, s.size());
  o.insert(o.end(), s.begin(), s.end());
  return o;
}
inline Bytes uint(int type, uint64_t v) {  // type 5 (uint16), 6 (uint32), 9 (uint64)
  Bytes b;
  for (; v; v >>= 8) b.insert(b.begin(), uint8_t(v));
  Bytes o;
  ctrl(o, type, b.size());
  o.insert(o.end(), b.begin(), b.end());
  return o;
}
inline Bytes pointer(uint32_t off) {  // 2-byte form (ss = 0) or 3-byte (ss = 1)
  if (off < 2048) return {uint8_t(0x20 | off >> 8), uint8_t(off)};
  off -= 2048;
  return {uint8_t(0x28 | off >> 16), uint8_t(off >> 8), uint8_t(off)};
}
inline Bytes map(const std::vector<std::pair<std::string, Bytes>>& kv) {
  Bytes o;
  ctrl(o, 7, kv.size());
  for (auto& [k, v] : kv) {
    Bytes ks = str(k);
    o.insert(o.end(), ks.begin(), ks.end());
    o.insert(o.end(), v.begin(), v.end());
  }
  return o;
}
inline Bytes array(const std::vector<Bytes>& items) {
  Bytes o;
  ctrl(o, 11, items.size());
  for (auto& v : items) o.insert(o.end(), v.begin(), v.end());
  return o;
}

struct Writer {
  int record_size = 28;
  int ip_version = 6;
  Bytes data;  // the data section; records point to offsets in it
  struct Rec {
    enum Kind { kEmpty, kNode, kData } kind = kEmpty;
    uint32_t v = 0;
  };
  std::vector<std::array<Rec, 2>> nodes{std::array<Rec, 2>{}};

  uint32_t add(const Bytes& value) {
    uint32_t off = uint32_t(data.size());
    data.insert(data.end(), value.begin(), value.end());
    return off;
  }
  // Maps the first len bits of addr (16 bytes; IPv4 trees use the first 4) to data offset.
  void insert(const re6st::Ipv6& addr, int len, uint32_t off) {
    size_t node = 0;
    for (int i = 0; i < len; ++i) {
      int bit = (addr[size_t(i / 8)] >> (7 - i % 8)) & 1;
      if (i == len - 1) {
        nodes[node][size_t(bit)] = {Rec::kData, off};
        return;
      }
      if (nodes[node][size_t(bit)].kind != Rec::kNode) {
        nodes.push_back({});
        nodes[node][size_t(bit)] = {Rec::kNode, uint32_t(nodes.size() - 1)};
      }
      node = nodes[node][size_t(bit)].v;
    }
  }
  void insert(const std::string& cidr, uint32_t off) {
    auto slash = cidr.find('/');
    std::string ip = cidr.substr(0, slash);
    int len = std::stoi(cidr.substr(slash + 1));
    if (ip.find(':') == std::string::npos) {  // IPv4: ::a.b.c.d/96+len in an IPv6 tree
      auto v = re6st::parseIpv6("::ffff:" + ip).value();
      re6st::Ipv6 a{};
      if (ip_version == 6) {
        std::copy(v.begin() + 12, v.end(), a.begin() + 12);
        len += 96;
      } else {
        std::copy(v.begin() + 12, v.end(), a.begin());
      }
      insert(a, len, off);
    } else {
      insert(re6st::parseIpv6(ip).value(), len, off);
    }
  }

  Bytes build(const std::string& type = "GeoLite2-Country") const {
    uint32_t n = uint32_t(nodes.size());
    Bytes out;
    auto value = [&](const Rec& r) -> uint32_t {
      return r.kind == Rec::kEmpty ? n : r.kind == Rec::kNode ? r.v : n + 16 + r.v;
    };
    for (auto& node : nodes) {
      uint32_t l = value(node[0]), r = value(node[1]);
      if (record_size == 24) {
        for (uint32_t x : {l, r})
          for (int s : {16, 8, 0}) out.push_back(uint8_t(x >> s));
      } else if (record_size == 28) {
        out.insert(out.end(), {uint8_t(l >> 16), uint8_t(l >> 8), uint8_t(l),
                               uint8_t((l >> 20 & 0xf0) | (r >> 24 & 0x0f)), uint8_t(r >> 16),
                               uint8_t(r >> 8), uint8_t(r)});
      } else {
        for (uint32_t x : {l, r})
          for (int s : {24, 16, 8, 0}) out.push_back(uint8_t(x >> s));
      }
    }
    out.insert(out.end(), 16, 0);
    out.insert(out.end(), data.begin(), data.end());
    const char marker[] = "\xAB\xCD\xEFMaxMind.com";
    out.insert(out.end(), marker, marker + sizeof marker - 1);
    Bytes meta = map({{"binary_format_major_version", uint(5, 2)},
                      {"binary_format_minor_version", uint(5, 0)},
                      {"build_epoch", uint(9, 1700000000)},
                      {"database_type", str(type)},
                      {"description", map({{"en", str("re6st test database")}})},
                      {"ip_version", uint(5, uint64_t(ip_version))},
                      {"languages", array({str("en")})},
                      {"node_count", uint(6, n)},
                      {"record_size", uint(5, uint64_t(record_size))}});
    out.insert(out.end(), meta.begin(), meta.end());
    return out;
  }
};

// Country records as GeoLite2-Country holds them; the continent maps are shared through
// pointers, as real databases do.
inline Writer countries(int record_size, int ip_version = 6) {
  Writer w;
  w.record_size = record_size;
  w.ip_version = ip_version;
  uint32_t eu = w.add(map({{"code", str("EU")}, {"geoname_id", uint(6, 6255148)}}));
  uint32_t fr = w.add(map({{"continent", pointer(eu)},
                           {"country", map({{"geoname_id", uint(6, 3017382)},
                                            {"iso_code", str("FR")},
                                            {"names", map({{"en", str("France")}})}})}}));
  uint32_t de =
      w.add(map({{"continent", pointer(eu)}, {"country", map({{"iso_code", str("DE")}})}}));
  uint32_t an = w.add(map({{"continent", map({{"code", str("AN")}})}}));  // no country
  w.insert("198.51.100.0/24", fr);
  w.insert("192.0.2.128/25", de);
  w.insert("203.0.113.0/24", an);
  if (ip_version == 6) w.insert("2001:db8:1::/48", de);
  return w;
}

}  // namespace r6mmdb
