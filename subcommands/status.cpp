// `re6st status`: asks a running node over its control socket (--run/re6st.sock) and
// prints its tunnels, neighbours, routes and known peers as tables (or raw JSON).
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "re6st/node/control.h"
#include "subcommands/subcommand.h"

namespace re6st::cmd {
namespace {

using nlohmann::json;

std::string cell(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  if (v.is_number_float()) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(1) << v.get<double>();
    return os.str();
  }
  return v.dump();
}

// Prints rows (objects) with the given columns, widths fitted to the content.
void table(std::ostream& os, const std::string& title, const json& rows,
           const std::vector<std::pair<std::string, std::string>>& cols) {
  os << title << " (" << (rows.is_array() ? rows.size() : 0) << ")\n";
  if (!rows.is_array() || rows.empty()) {
    os << "  none\n\n";
    return;
  }
  std::vector<size_t> w;
  for (const auto& [key, head] : cols) w.push_back(head.size());
  for (const auto& r : rows)
    for (size_t i = 0; i < cols.size(); ++i)
      w[i] = std::max(w[i], cell(r.value(cols[i].first, json())).size());
  auto line = [&](auto get) {
    os << " ";
    for (size_t i = 0; i < cols.size(); ++i) os << " " << std::left << std::setw(int(w[i])) << get(i);
    os << "\n";
  };
  line([&](size_t i) { return cols[i].second; });
  for (const auto& r : rows) line([&](size_t i) { return cell(r.value(cols[i].first, json())); });
  os << "\n";
}

}  // namespace

int runStatus(const Args& args, Io& io) {
  std::string run = "/var/run/re6stnet", socket;
  bool asJson = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") {
      asJson = true;
    } else if ((a == "-r" || a == "--run" || a == "--socket") && i + 1 < args.size()) {
      (a == "--socket" ? socket : run) = args[++i];
    } else if (a == "-h" || a == "--help") {
      io.out << "usage: re6st status [-r/--run DIR] [--socket PATH] [--json]\n\n"
                "Shows a running node's tunnels, neighbours, routes and known peers.\n"
                "  -r, --run DIR   the node's --run directory (default /var/run/re6stnet)\n"
                "  --socket PATH   control socket (default RUN/re6st.sock)\n"
                "  --json          print the raw JSON answer\n";
      return 0;
    } else {
      io.err << "re6st status: unknown or incomplete option '" << a << "'\n";
      return 2;
    }
  }
  if (socket.empty()) socket = run + "/re6st.sock";
  auto r = node::controlRequest(socket, {{"cmd", "status"}});
  if (!r.ok()) {
    io.err << "re6st status: " << r.error().message << "\n";
    return 1;
  }
  const json& s = *r;
  if (s.contains("error")) {
    io.err << "re6st status: node answered: " << cell(s["error"]) << "\n";
    return 1;
  }
  if (asJson) {
    io.out << s.dump(2) << "\n";
    return 0;
  }
  const json node = s.value("node", json::object());
  io.out << "node " << cell(node.value("prefix", json())) << "  ip " << cell(node.value("ip", json()))
         << "  network " << cell(node.value("network", json())) << "  version "
         << cell(node.value("version", json())) << "\n\n";
  table(io.out, "tunnels", s.value("tunnels", json()),
        {{"peer", "PEER"}, {"direction", "DIR"}, {"transport", "PROTO"}, {"iface", "IFACE"},
         {"remote", "REMOTE"}, {"age", "AGE(s)"}, {"rx_bytes", "RX"}, {"tx_bytes", "TX"}});
  table(io.out, "neighbours", s.value("neighbours", json()),
        {{"address", "ADDRESS"}, {"iface", "IFACE"}, {"cost", "COST"}, {"rtt_ms", "RTT(ms)"}});
  table(io.out, "routes", s.value("routes", json()),
        {{"prefix", "PREFIX"}, {"from", "FROM"}, {"via", "VIA"}, {"iface", "IFACE"},
         {"metric", "METRIC"}});
  table(io.out, "peers", s.value("peers", json()),
        {{"prefix", "PREFIX"}, {"address", "ADDRESS"}, {"failed", "FAILED"}});
  return 0;
}

}  // namespace re6st::cmd
