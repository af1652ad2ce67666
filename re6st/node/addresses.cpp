#include "re6st/node/addresses.h"

#include "re6st/kernel/routes.h"

namespace re6st::node {
namespace {

bool isV6Proto(const std::string& proto) { return !proto.empty() && proto.back() == '6'; }

int familyOf(const std::string& ip) {
  auto a = kernel::parseAnyAddress(ip);
  return !a ? 0 : kernel::isV4(*a) ? 4 : 6;
}

}  // namespace

AddressBook::AddressBook(std::vector<cli::PortProto> served, const std::vector<std::string>& ip,
                         const std::vector<std::string>& ipv6, std::string country)
    : served_(std::move(served)), country_(std::move(country)) {
  bool any = false, upnp = ip.empty();
  for (const auto& a : ip) {
    if (a == "any") any = true;
    else if (a == "upnp") upnp = true;
  }
  wantsUpnp_ = upnp;
  noIp_ = ip.empty();
  // cli/node.py: IPv4 is learnt with --ip any, or when UPnP is not available and no --ip
  // was given; IPv6 is learnt unless --ipv6 (or an IPv6 --ip) says what it is.
  learn4_ = any;
  learn6_ = ipv6.empty();
  for (const auto& a : ip) {
    int f = familyOf(a);
    if (!f) continue;
    if (f == 6) learn6_ = false;
    auto e = entries(a, f == 6);
    byFamily_[f].insert(byFamily_[f].end(), e.begin(), e.end());
  }
  for (const auto& a : ipv6) {
    int f = familyOf(a);
    if (!f) continue;
    auto e = entries(a, f == 6);
    byFamily_[f].insert(byFamily_[f].end(), e.begin(), e.end());
  }
}

std::vector<std::string> AddressBook::entries(const std::string& ip, bool v6) const {
  std::vector<std::string> out;
  for (const auto& pp : served_) {
    if (isV6Proto(pp.proto) != v6) continue;
    std::string e = ip + "," + std::to_string(pp.port) + "," + pp.proto;
    if (!country_.empty()) e += "," + country_;
    out.push_back(std::move(e));
  }
  return out;
}

void AddressBook::setUpnp(const std::string& externalIp, const std::vector<cli::PortProto>& mapped) {
  upnpActive_ = true;
  learn4_ = false;
  std::vector<std::string> list;
  for (const auto& pp : mapped) {
    std::string e = externalIp + "," + std::to_string(pp.port) + "," + pp.proto;
    if (!country_.empty()) e += "," + country_;
    list.push_back(std::move(e));
  }
  byFamily_[4] = std::move(list);
}

void AddressBook::upnpFailed() {
  upnpActive_ = false;
  // "assume we are not NATed": what peers see is our address.
  if (noIp_) learn4_ = true;
}

bool AddressBook::observed(const std::string& ip) {
  int f = familyOf(ip);
  if (!f || (f == 4 && !learn4_) || (f == 6 && !learn6_)) return false;
  auto e = entries(ip, f == 6);
  if (e.empty() || byFamily_[f] == e) return false;
  byFamily_[f] = std::move(e);
  return true;
}

std::string AddressBook::str() const {
  std::string out;
  for (const auto& [f, list] : byFamily_)
    for (const auto& e : list) out += (out.empty() ? "" : ";") + e;
  return out;
}

std::vector<cli::PortProto> AddressBook::ipv4Served() const {
  std::vector<cli::PortProto> out;
  for (const auto& pp : served_)
    if (!isV6Proto(pp.proto)) out.push_back(pp);
  return out;
}

}  // namespace re6st::node
