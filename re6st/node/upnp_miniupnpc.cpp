// UpnpGateway over libminiupnpc (what re6stnet uses through its Python binding): SSDP
// discovery, UPNP_GetValidIGD, then SOAP calls on the selected WAN connection service.
// Blocking (miniupnpc bounds each connect/receive by a few seconds); worker thread only.
#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>

#include <algorithm>
#include <cstring>

#include "re6st/node/upnp.h"

namespace re6st::node {
namespace {

constexpr int kConflictInMappingEntry = 718;
constexpr int kOnlyPermanentLeasesSupported = 725;

std::string upnpErrorText(int r) {
  const char* s = strupnperror(r);
  return s ? std::string(s) + " (" + std::to_string(r) + ")" : "error " + std::to_string(r);
}

class MiniupnpcGateway final : public UpnpGateway {
 public:
  MiniupnpcGateway() {
    std::memset(&urls_, 0, sizeof urls_);
    std::memset(&data_, 0, sizeof data_);
  }
  ~MiniupnpcGateway() override { release(); }

  Result<std::string> discover(Duration delay) override {
    release();
    int err = 0;
    int ms = static_cast<int>(std::clamp<int64_t>(toMillis(delay), 10, 60000));
    // No multicast interface, default minissdpd socket, any local port, IPv4, TTL 2:
    // the arguments re6stnet's miniupnpc binding uses.
    UPNPDev* devs = upnpDiscover(ms, nullptr, nullptr, UPNP_LOCAL_PORT_ANY, 0, 2, &err);
    if (!devs) {
      if (err != UPNPDISCOVER_SUCCESS)
        return makeError(Code::kIo, "UPnP discovery failed (error " + std::to_string(err) + ")");
      return makeError(Code::kNotFound, "no UPnP device answered the SSDP search");
    }
    char lan[64] = {0};
    int r = UPNP_GetValidIGD(devs, &urls_, &data_, lan, sizeof lan);
    freeUPNPDevlist(devs);
    if (r == 0) return makeError(Code::kNotFound, "no UPnP IGD found");
    haveUrls_ = true;
    if (r == 3) {
      release();
      return makeError(Code::kNotFound, "UPnP devices answered, but none is an IGD");
    }
    // r == 2: an IGD that says it is not connected; re6stnet uses it anyway (the WAN
    // status is often wrong), and a failing GetExternalIPAddress sorts it out.
    lan[sizeof lan - 1] = 0;
    if (!lan[0]) {
      release();
      return makeError(Code::kProtocol, "UPnP IGD found, but no local address towards it");
    }
    return std::string(lan);
  }

  Result<std::string> externalIp() override {
    if (!haveUrls_) return makeError(Code::kNotFound, "no IGD selected");
    char ip[40] = {0};
    int r = UPNP_GetExternalIPAddress(urls_.controlURL, data_.first.servicetype, ip);
    if (r != UPNPCOMMAND_SUCCESS) return makeError(Code::kIo, upnpErrorText(r));
    ip[sizeof ip - 1] = 0;
    return std::string(ip);
  }

  Status addMapping(const UpnpCommand& c) override {
    if (!haveUrls_) return makeError(Code::kNotFound, "no IGD selected");
    std::string ext = std::to_string(c.externalPort), in = std::to_string(c.internalPort);
    std::string lease = std::to_string(c.leaseSeconds);
    const char* proto = c.proto == UpnpProto::kTcp ? "TCP" : "UDP";
    int r = UPNP_AddPortMapping(urls_.controlURL, data_.first.servicetype, ext.c_str(), in.c_str(),
                                c.lanAddr.c_str(), c.description.c_str(), proto, nullptr,
                                lease.c_str());
    if (r == UPNPCOMMAND_SUCCESS) return {};
    if (r == kConflictInMappingEntry) return makeError(Code::kExists, upnpErrorText(r));
    if (r == kOnlyPermanentLeasesSupported) return makeError(Code::kUnsupported, upnpErrorText(r));
    return makeError(Code::kIo, upnpErrorText(r));
  }

  Status deleteMapping(uint16_t externalPort, UpnpProto p) override {
    if (!haveUrls_) return makeError(Code::kNotFound, "no IGD selected");
    std::string ext = std::to_string(externalPort);
    int r = UPNP_DeletePortMapping(urls_.controlURL, data_.first.servicetype, ext.c_str(),
                                   p == UpnpProto::kTcp ? "TCP" : "UDP", nullptr);
    if (r != UPNPCOMMAND_SUCCESS) return makeError(Code::kIo, upnpErrorText(r));
    return {};
  }

 private:
  void release() {
    if (haveUrls_) FreeUPNPUrls(&urls_);
    haveUrls_ = false;
    std::memset(&urls_, 0, sizeof urls_);
    std::memset(&data_, 0, sizeof data_);
  }
  UPNPUrls urls_;
  IGDdatas data_;
  bool haveUrls_ = false;
};

}  // namespace

std::unique_ptr<UpnpGateway> makeMiniupnpcGateway() { return std::make_unique<MiniupnpcGateway>(); }

}  // namespace re6st::node
