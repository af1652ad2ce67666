// re6stnet's --test EXPR over the parsed options (a small subset of Python expressions).
#include <map>
#include <optional>

#include "subcommands/node_extra.h"

namespace re6st::cmd {
namespace {

// An option's value as Python would see it: text (None → nullopt) and truthiness.
struct Value {
  std::optional<std::string> text;
  bool truth = false;
};

std::optional<Value> lookup(const cli::NodeOptions& o, const std::string& name) {
  auto str = [](const std::string& s) { return Value{s, !s.empty()}; };
  auto opt = [](const std::optional<std::string>& s) { return Value{s, s && !s->empty()}; };
  auto num = [](std::optional<int> v) {
    return v ? Value{std::to_string(*v), *v != 0} : Value{std::nullopt, false};
  };
  auto flag = [](bool b) { return Value{b ? "True" : "False", b}; };
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ",") + e;
    return Value{s, !v.empty()};
  };
  if (name == "registry") return str(o.registry);
  if (name == "log") return str(o.log);
  if (name == "run") return str(o.run);
  if (name == "state") return str(o.state);
  if (name == "main_interface") return str(o.main_interface);
  if (name == "ca") return str(o.ca);
  if (name == "cert") return str(o.cert);
  if (name == "key") return str(o.key);
  if (name == "up") return opt(o.up);
  if (name == "country") return opt(o.country);
  if (name == "client") return opt(o.client);
  if (name == "dh") return opt(o.dh);
  if (name == "verbose") return num(o.verbose);
  if (name == "client_count") return num(o.client_count);
  if (name == "max_clients") return num(o.max_clients);
  if (name == "gateway") return flag(o.gateway);
  if (name == "default") return flag(o.default_route);
  if (name == "ip") return list(o.ip);
  if (name == "ipv6") return list(o.ipv6);
  if (name == "iface_list") return list(o.iface_list);
  if (name == "daemon") return list(o.daemon);
  if (name == "neighbour") return list(o.neighbour);
  if (name == "disable_proto") return list(o.disable_proto);
  return std::nullopt;
}

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

int runTestExpression(const cli::NodeOptions& o, const std::string& expr, Io& io) {
  std::string e = trim(expr);
  bool negate = false;
  if (e.rfind("not ", 0) == 0) {
    negate = true;
    e = trim(e.substr(4));
  }
  std::optional<std::string> compare;
  bool equal = true;
  for (const char* op : {"==", "!="}) {
    auto pos = e.find(op);
    if (pos == std::string::npos) continue;
    equal = op[0] == '=';
    std::string rhs = trim(e.substr(pos + 2));
    if (rhs.size() >= 2 && (rhs.front() == '\'' || rhs.front() == '"') && rhs.back() == rhs.front())
      rhs = rhs.substr(1, rhs.size() - 2);
    compare = rhs;
    e = trim(e.substr(0, pos));
    break;
  }
  auto v = lookup(o, e);
  if (!v) {
    io.err << "re6st node: --test: unsupported expression: " << expr << "\n";
    return 2;
  }
  bool result = compare ? ((v->text && *v->text == *compare) == equal) : v->truth;
  if (negate) result = !result;
  if (!compare && !negate && v->text && v->truth && v->text != "True") {
    // sys.exit("text") prints the text and exits 1; sys.exit(n) exits n.
    bool numeric = v->text->find_first_not_of("0123456789") == std::string::npos;
    if (numeric) return std::stoi(*v->text) & 0xff;
    io.err << *v->text << "\n";
    return 1;
  }
  return result ? 1 : 0;
}

}  // namespace re6st::cmd
