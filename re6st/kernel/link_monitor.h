// Notifications of link and address changes (rtnetlink multicast groups RTMGRP_LINK and
// RTMGRP_IPV6_IFADDR): a non-blocking netlink socket whose fd a driver watches with
// loop::Poll; drain() empties it and tells whether anything changed, after which the
// driver re-reads the state it cares about. Not thread-safe; owns its fd.
#pragma once

#include <memory>

#include "re6st/base/result.h"

namespace re6st::kernel {

class LinkMonitor {
 public:
  static Result<std::unique_ptr<LinkMonitor>> open();
  ~LinkMonitor();
  LinkMonitor(const LinkMonitor&) = delete;
  LinkMonitor& operator=(const LinkMonitor&) = delete;

  int fd() const { return fd_; }
  // Reads every pending notification; true when at least one (or an overrun) arrived.
  bool drain();

 private:
  explicit LinkMonitor(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace re6st::kernel
