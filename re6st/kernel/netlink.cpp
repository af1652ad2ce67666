// Netlink framing: see netlink.h. Layouts from linux/netlink.h (struct nlmsghdr,
// struct nlattr, struct nlmsgerr and the extended-ack attributes).
#include "re6st/kernel/netlink.h"

#include <linux/netlink.h>

#include <cerrno>
#include <cstring>

namespace re6st::kernel {
namespace {

uint16_t load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

NlRequest::NlRequest(uint16_t type, uint16_t flags) {
  nlmsghdr h{};
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  append(&h, sizeof h);
}

void NlRequest::append(const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  buf_.insert(buf_.end(), p, p + len);
  buf_.resize(nlAlign(buf_.size()), 0);
}

void NlRequest::attr(uint16_t type, const void* data, size_t len) {
  nlattr a{};
  a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
  a.nla_type = type;
  size_t at = buf_.size();
  buf_.resize(at + NLA_HDRLEN, 0);
  std::memcpy(buf_.data() + at, &a, sizeof a);
  if (len) append(data, len);
}

void NlRequest::attrString(uint16_t type, std::string_view s) {
  std::string z(s);
  attr(type, z.c_str(), z.size() + 1);
}

size_t NlRequest::beginNest(uint16_t type) {
  size_t at = buf_.size();
  attr(static_cast<uint16_t>(type | NLA_F_NESTED), nullptr, 0);
  return at;
}

void NlRequest::endNest(size_t at) {
  auto len = static_cast<uint16_t>(buf_.size() - at);
  std::memcpy(buf_.data() + at, &len, 2);
}

const Bytes& NlRequest::finish(uint32_t seq) {
  auto len = static_cast<uint32_t>(buf_.size());
  std::memcpy(buf_.data() + offsetof(nlmsghdr, nlmsg_len), &len, 4);
  std::memcpy(buf_.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, 4);
  return buf_;
}

uint16_t NlRequest::type() const { return load16(buf_.data() + offsetof(nlmsghdr, nlmsg_type)); }

Result<std::vector<NlMessage>> splitMessages(ByteSpan d) {
  std::vector<NlMessage> out;
  size_t pos = 0;
  while (pos < d.size()) {
    if (d.size() - pos < NLMSG_HDRLEN) return makeError(Code::kInvalid, "netlink: truncated header");
    const uint8_t* h = d.data() + pos;
    uint32_t len = load32(h + offsetof(nlmsghdr, nlmsg_len));
    if (len < NLMSG_HDRLEN || len > d.size() - pos)
      return makeError(Code::kInvalid, "netlink: bad message length " + std::to_string(len));
    NlMessage m;
    m.type = load16(h + offsetof(nlmsghdr, nlmsg_type));
    m.flags = load16(h + offsetof(nlmsghdr, nlmsg_flags));
    m.seq = load32(h + offsetof(nlmsghdr, nlmsg_seq));
    m.pid = load32(h + offsetof(nlmsghdr, nlmsg_pid));
    m.payload = d.subspan(pos + NLMSG_HDRLEN, len - NLMSG_HDRLEN);
    out.push_back(m);
    // The last message may lack its trailing padding.
    pos += std::min<size_t>(nlAlign(len), d.size() - pos);
  }
  return out;
}

Result<std::vector<NlAttr>> parseAttrs(ByteSpan d) {
  std::vector<NlAttr> out;
  size_t pos = 0;
  while (pos < d.size()) {
    if (d.size() - pos < NLA_HDRLEN) return makeError(Code::kInvalid, "netlink: truncated attribute");
    uint16_t len = load16(d.data() + pos);
    uint16_t type = load16(d.data() + pos + 2);
    if (len < NLA_HDRLEN || len > d.size() - pos)
      return makeError(Code::kInvalid, "netlink: bad attribute length " + std::to_string(len));
    out.push_back({static_cast<uint16_t>(type & NLA_TYPE_MASK),
                   d.subspan(pos + NLA_HDRLEN, len - NLA_HDRLEN)});
    pos += std::min<size_t>(nlAlign(len), d.size() - pos);
  }
  return out;
}

Result<std::vector<NlAttr>> parseAttrsAfter(ByteSpan payload, size_t fixed) {
  size_t start = nlAlign(fixed);
  if (payload.size() < fixed) return makeError(Code::kInvalid, "netlink: short header");
  if (payload.size() < start) return std::vector<NlAttr>{};
  return parseAttrs(payload.subspan(start));
}

std::optional<ByteSpan> findAttr(const std::vector<NlAttr>& attrs, uint16_t type) {
  for (const auto& a : attrs)
    if (a.type == type) return a.data;
  return std::nullopt;
}

std::optional<uint32_t> attrU32(const std::vector<NlAttr>& attrs, uint16_t type) {
  auto a = findAttr(attrs, type);
  if (!a || a->size() != 4) return std::nullopt;
  return load32(a->data());
}

std::optional<std::string> attrString(const std::vector<NlAttr>& attrs, uint16_t type) {
  auto a = findAttr(attrs, type);
  if (!a) return std::nullopt;
  std::string s(reinterpret_cast<const char*>(a->data()), a->size());
  if (auto z = s.find('\0'); z != std::string::npos) s.resize(z);
  return s;
}

Result<NlAck> parseAck(const NlMessage& msg) {
  if (msg.type != NLMSG_ERROR) return makeError(Code::kInvalid, "netlink: not an error message");
  if (msg.payload.size() < sizeof(nlmsgerr)) return makeError(Code::kInvalid, "netlink: short error");
  int err;
  std::memcpy(&err, msg.payload.data(), sizeof err);
  NlAck ack;
  ack.error = err < 0 ? -err : err;
  if (!(msg.flags & NLM_F_ACK_TLVS)) return ack;
  // With NETLINK_CAP_ACK the echoed request is only its header; otherwise the whole
  // request follows (its length is in the echoed nlmsghdr).
  size_t skip = sizeof(nlmsgerr);
  if (!(msg.flags & NLM_F_CAPPED)) {
    uint32_t inner = load32(msg.payload.data() + offsetof(nlmsgerr, msg));
    if (inner < NLMSG_HDRLEN) return ack;
    skip = sizeof(int) + inner;
  }
  if (nlAlign(skip) >= msg.payload.size()) return ack;
  auto attrs = parseAttrs(msg.payload.subspan(nlAlign(skip)));
  if (attrs.ok())
    if (auto m = attrString(*attrs, NLMSGERR_ATTR_MSG)) ack.message = *m;
  return ack;
}

Error kernelError(int err, const std::string& what, const std::string& extack) {
  Code code = Code::kIo;
  switch (err) {
    case EEXIST: code = Code::kExists; break;
    case ENOENT:
    case ESRCH:
    case ENODEV:
    case ENXIO:
    case EADDRNOTAVAIL: code = Code::kNotFound; break;
    case EPERM:
    case EACCES: code = Code::kPermission; break;
    case EINVAL:
    case ERANGE: code = Code::kInvalid; break;
    case EOPNOTSUPP:
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT: code = Code::kUnsupported; break;
    case ETIMEDOUT: code = Code::kTimeout; break;
    default: break;
  }
  std::string msg = what + ": " + std::strerror(err);
  if (!extack.empty()) msg += " (" + extack + ")";
  return Error{code, msg};
}

}  // namespace re6st::kernel
