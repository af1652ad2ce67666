// `re6st node` (= re6stnet): options as re6stnet parses them, the blocking start phase,
// then the node on its loop until SIGINT/SIGTERM (clean exit), SIGHUP/SIGUSR2 or a
// network change that needs it (re-exec), SIGUSR1 reopens the log. --up runs once the
// node is set up, --daemon commands run alongside and are stopped at exit, both with
// the re6stnet_* environment variables.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <sstream>

#include "re6st/base/log.h"
#include "re6st/cli/node_options.h"
#include "re6st/kernel/routes.h"
#include "re6st/loop/loop.h"
#include "re6st/node/node.h"
#include "re6st/node/start.h"
#include "subcommands/node_extra.h"
#include "subcommands/subcommand.h"

namespace re6st::cmd {
namespace {

std::atomic<int> gEarlySignal{0};
extern "C" void onEarlySignal(int sig) { gEarlySignal = sig; }

// Runs `sh -c cmd` with the node's environment; returns its pid (or -1).
pid_t spawnShell(const std::string& cmd, const std::vector<std::pair<std::string, std::string>>& env) {
  pid_t pid = fork();
  if (pid == 0) {
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Re-executes ourselves with the same command line (re6stnet: os.execvp(argv)).
void reexec() {
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::string cur;
  for (char c : all) {
    if (c) cur += c;
    else args.push_back(std::exchange(cur, {}));
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (args.empty()) return;
  execv("/proc/self/exe", argv.data());
  LOG_ERROR(std::string("re-exec failed: ") + std::strerror(errno));
}

int runLoop(node::NodeSetup setup, Io& io) {
  auto kernel = kernel::openLinuxRoutes();
  if (!kernel) {
    io.err << "re6st node: " << kernel.error().message << "\n";
    return 1;
  }
  loop::Loop loop;
  const cli::NodeOptions o = setup.options;
  node::Node n(loop, std::move(setup), std::move(*kernel));
  if (auto st = n.start(); !st) {
    LOG_ERROR(st.error().message);
    io.err << "re6st node: " << st.error().message << "\n";
    return 1;
  }
  std::vector<pid_t> daemons;
  auto env = n.environment();
  if (o.up) {
    pid_t pid = spawnShell(*o.up, env);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
      LOG_ERROR("--up command failed: " + *o.up);
      n.stop();
      return WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : 1;
    }
  }
  for (const auto& d : o.daemon)
    if (pid_t pid = spawnShell(d, env); pid > 0) daemons.push_back(pid);
  bool reexecRequested = false;
  loop::Signal sigint(loop), sigterm(loop), sighup(loop), sigusr2(loop), sigusr1(loop);
  auto stop = [&](int sig) {
    LOG_INFO("signal " + std::to_string(sig) + ": exiting");
    loop.stop();
  };
  auto restart = [&](int sig) {
    LOG_INFO("signal " + std::to_string(sig) + ": restarting");
    reexecRequested = true;
    loop.stop();
  };
  (void)sigint.start(SIGINT, stop);
  (void)sigterm.start(SIGTERM, stop);
  (void)sighup.start(SIGHUP, restart);
  (void)sigusr2.start(SIGUSR2, restart);
  (void)sigusr1.start(SIGUSR1, [](int) { log::reopen(); });
  auto upnp = startUpnp(loop, n);
  if (gEarlySignal == SIGINT || gEarlySignal == SIGTERM) loop.stop();
  else loop.run();
  upnp.reset();
  n.stop();
  for (pid_t pid : daemons) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
  if (n.exitRequest() == node::NodeExit::kReexec || reexecRequested) {
    reexec();
    return 1;
  }
  return n.exitRequest() == node::NodeExit::kFailed ? 1 : 0;
}

}  // namespace

int runNode(const Args& args, Io& io) {
  auto parsed = cli::parseNodeOptions(args);
  if (!parsed) {
    io.err << "re6st node: error: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed->help) {
    io.out << cli::helpText(cli::nodeCommandSpec());
    return 0;
  }
  if (parsed->version) {
    io.out << "re6st " << RE6ST_VERSION << "\n";
    return 0;
  }
  const cli::NodeOptions& o = *parsed;
  if (o.test) return runTestExpression(o, *o.test, io);
  if (auto st = node::makeDirs(o.log); !st) {
    io.err << "re6st node: --log: " << st.error().message << "\n";
    return 1;
  }
  log::setup(o.verbose, o.log + "/re6stnet.log");
  if (!o.openvpn_args.empty() || o.ovpnlog)
    LOG_WARNING("-O/--ovpnlog are OpenVPN options: re6st has built-in tunnels, ignored");
  if (o.table) LOG_WARNING("--table option is deprecated: use --default instead");
  if (!o.babel_args.empty()) LOG_WARNING("-B options are babeld options: ignored by the built-in Babel");
  if (o.console) LOG_WARNING("--console is not supported (no Python debugger): ignored");
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, onEarlySignal);
  std::signal(SIGTERM, onEarlySignal);
  auto setup = node::prepareNode(o, [] { return gEarlySignal != 0; });
  if (!setup) {
    LOG_ERROR(setup.error().message);
    io.err << "re6st node: " << setup.error().message << "\n";
    return 1;
  }
  return runLoop(std::move(*setup), io);
}

}  // namespace re6st::cmd
