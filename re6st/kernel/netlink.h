// Netlink message framing (RFC 3549, linux/netlink.h): building requests with attributes
// and splitting kernel replies into messages and attributes. Pure byte manipulation in
// host byte order, no socket and no kernel call, so every parser here is unit-tested and
// fuzzed. Not thread-safe per object; no globals.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "re6st/base/bytes.h"
#include "re6st/base/result.h"

namespace re6st::kernel {

// NLMSG_ALIGN / NLA_ALIGN: both are 4-byte alignments.
constexpr size_t nlAlign(size_t n) { return (n + 3) & ~size_t(3); }

// One request: a nlmsghdr, a fixed family header (rtmsg, ifaddrmsg, ifinfomsg…), then
// type-length-value attributes, possibly nested.
class NlRequest {
 public:
  NlRequest(uint16_t type, uint16_t flags);

  // Appends the fixed family header (a trivially copyable struct), padded.
  template <class T>
  void header(const T& fixed) {
    append(&fixed, sizeof fixed);
  }
  void attr(uint16_t type, const void* data, size_t len);
  void attr(uint16_t type, ByteSpan data) { attr(type, data.data(), data.size()); }
  void attrU8(uint16_t type, uint8_t v) { attr(type, &v, 1); }
  void attrU32(uint16_t type, uint32_t v) { attr(type, &v, 4); }
  void attrString(uint16_t type, std::string_view s);  // NUL-terminated
  size_t beginNest(uint16_t type);
  void endNest(size_t at);

  // Patches the total length and sequence number; the request can then be sent.
  const Bytes& finish(uint32_t seq);
  uint16_t type() const;

 private:
  void append(const void* data, size_t len);
  Bytes buf_;
};

// A message from a kernel datagram; payload excludes the nlmsghdr.
struct NlMessage {
  uint16_t type = 0;
  uint16_t flags = 0;
  uint32_t seq = 0;
  uint32_t pid = 0;
  ByteSpan payload;
};

// Splits a datagram into messages; any length field that overruns is an error.
Result<std::vector<NlMessage>> splitMessages(ByteSpan datagram);

struct NlAttr {
  uint16_t type = 0;  // NLA_TYPE_MASK applied (nested/byte-order bits removed)
  ByteSpan data;
};

// Parses a run of attributes; a truncated or overlong attribute is an error.
Result<std::vector<NlAttr>> parseAttrs(ByteSpan data);
// The attributes after a fixed header of `fixed` bytes in a message payload.
Result<std::vector<NlAttr>> parseAttrsAfter(ByteSpan payload, size_t fixed);
// First attribute of the given type, if any.
std::optional<ByteSpan> findAttr(const std::vector<NlAttr>& attrs, uint16_t type);
std::optional<uint32_t> attrU32(const std::vector<NlAttr>& attrs, uint16_t type);
std::optional<std::string> attrString(const std::vector<NlAttr>& attrs, uint16_t type);

// Reads a fixed header struct from the front of a payload (error when too short).
template <class T>
Result<T> readFixed(ByteSpan payload) {
  if (payload.size() < sizeof(T)) return makeError(Code::kInvalid, "netlink: short header");
  T v;
  std::memcpy(&v, payload.data(), sizeof v);
  return v;
}

// An NLMSG_ERROR payload: errno 0 is an acknowledgement; extack message when present.
struct NlAck {
  int error = 0;  // positive errno, 0 = success
  std::string message;  // NLMSGERR_ATTR_MSG (the kernel's explanation)
};
Result<NlAck> parseAck(const NlMessage& msg);

// Maps an errno from the kernel to a named error: EEXIST → kExists, ENOENT/ESRCH/
// ENODEV → kNotFound, EPERM/EACCES → kPermission, EOPNOTSUPP → kUnsupported, …
Error kernelError(int err, const std::string& what, const std::string& extack = {});

}  // namespace re6st::kernel
