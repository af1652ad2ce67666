// Wake-up floor for the tunnel RTT benchmark: a blocking UDP echo server and a client
// that sends one datagram at a time and waits for it to come back. Across the bench's
// veth pair this is one user-space hop each way — the least any tunnel process adds to
// a ping. Usage: udp_echo server PORT | udp_echo client ADDR PORT COUNT INTERVAL_MS
// (prints the average round trip in ms). Built by test/bench/tunnel_bench.sh.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "server") == 0) {
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(uint16_t(std::atoi(argv[2])));
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) return perror("bind"), 1;
    char buf[2048];
    for (;;) {
      sockaddr_in6 from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n > 0) (void)sendto(fd, buf, size_t(n), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  if (argc != 6 || std::strcmp(argv[1], "client") != 0) {
    std::fprintf(stderr, "usage: udp_echo server PORT | client ADDR PORT COUNT INTERVAL_MS\n");
    return 2;
  }
  int fd = socket(AF_INET6, SOCK_DGRAM, 0);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_port = htons(uint16_t(std::atoi(argv[3])));
  if (fd < 0 || inet_pton(AF_INET6, argv[2], &to.sin6_addr) != 1) return std::fprintf(stderr, "bad address\n"), 1;
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int count = std::atoi(argv[4]), ok = 0;
  double total = 0;
  char buf[64] = "ping";
  for (int i = 0; i < count; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    if (sendto(fd, buf, 56, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) continue;
    if (recv(fd, buf, sizeof buf, 0) > 0) {
      total += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      ++ok;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(argv[5])));
  }
  if (ok == 0) return std::fprintf(stderr, "no answer\n"), 1;
  std::printf("%.3f\n", total / ok);
  return 0;
}
