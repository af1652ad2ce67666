// The peer protocol driver: one UDP socket (re6stnet binds [::]:326) feeding a Protocol
// core, the core's SendTo actions sent on it, Deliver/NewVersion handed to callbacks,
// and one timer following the core's nextTimeout(). No protocol decision is made here.
// Loop thread only; not copyable.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "re6st/loop/loop.h"
#include "re6st/loop/sock_addr.h"
#include "re6st/loop/udp.h"
#include "re6st/peer/protocol.h"

namespace re6st::peer {

class Driver {
 public:
  struct Handlers {
    std::function<void(const Deliver&)> deliver;        // codes 1 (answers), 2, 3
    std::function<void(const NewVersion&)> newVersion;  // fetch the network config
  };

  Driver(loop::Loop& loop, Protocol& core, Handlers handlers);
  ~Driver();
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  // Binds and starts receiving; the default is re6stnet's [::]:326.
  Status start(const loop::SockAddr& local = loop::SockAddr::anyV6(kPort));
  Result<loop::SockAddr> localAddress() const { return udp_.localAddress(); }

  // Protocol::send, then the resulting datagrams go out.
  bool send(const std::string& prefix, std::optional<ByteSpan> payload);
  // Performs whatever the core has queued (after calling it directly) and re-arms the timer.
  void flush();

  uint64_t received() const { return received_; }
  uint64_t sendErrors() const { return sendErrors_; }

 private:
  void onDatagram(const loop::Datagram& d);

  loop::Loop& loop_;
  Protocol& core_;
  Handlers handlers_;
  loop::Udp udp_;
  loop::Timer timer_;
  uint64_t received_ = 0;
  uint64_t sendErrors_ = 0;
};

}  // namespace re6st::peer
