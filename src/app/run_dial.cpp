// `ec20ppp dial`, including `--device sim`: the simulator on a private pty, dialed in network
// namespaces of their own when run as root, so nothing on the host changes.
#include <fcntl.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "app/commands.hpp"
#include "app/dialer.hpp"
#include "app/exit_codes.hpp"
#include "netconf/netlink.hpp"

namespace ec20ppp::app {

namespace {

struct SimChild {
    pid_t pid = -1;
    int slave = -1;
    ~SimChild() {
        if (pid > 0) {
            ::kill(pid, SIGTERM);
            int status = 0;
            ::waitpid(pid, &status, 0);
        }
        if (slave >= 0) ::close(slave);
    }
};

bool start_simulator(DialOptions& o, const Logger& log, SimChild& child) {
    const bool root = ::geteuid() == 0;
    if (root) {
        // Our own network namespace: the TUN, its address and the default route stay private.
        if (::unshare(CLONE_NEWNET) != 0) {
            log.error(std::string("--device sim: cannot make a network namespace: ") + std::strerror(errno));
            return false;
        }
        try {
            Netlink nl;
            nl.set_link_up(Netlink::ifindex("lo"), true);
        } catch (const std::exception&) {
        }
    } else if (o.data_plane == DataPlane::tun) {
        log.notice("not root: dialing the simulator without a data plane (negotiation only); run as root to ping through the link");
        o.data_plane = DataPlane::none;
    }
    int master = -1;
    char name[256] = {};
    if (::openpty(&master, &child.slave, name, nullptr, nullptr) != 0) {
        log.error(std::string("--device sim: cannot allocate a pty: ") + std::strerror(errno));
        return false;
    }
    const pid_t parent = ::getpid();
    child.pid = ::fork();
    if (child.pid < 0) {
        log.error(std::string("--device sim: fork failed: ") + std::strerror(errno));
        return false;
    }
    if (child.pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(0);
        ::close(child.slave);
        child.slave = -1;
        child.pid = -1;  // the child must not wait for itself
        ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
        SimOptions sim;
        sim.kernel_network = root && ::unshare(CLONE_NEWNET) == 0;
        sim.debug = o.debug;
        Logger sim_log(o.debug ? LogLevel::debug : LogLevel::warning, "sim: ");
        asio::io_context io;
        asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
        signals.async_wait([&](std::error_code, int) { io.stop(); });
        SimServer server(io, master, sim, sim_log);
        server.start();
        io.run();
        ::_exit(0);
    }
    ::close(master);
    o.device = name;
    log.notice("--device sim: a simulated EC20 (pid " + std::to_string(child.pid) + ") on " + o.device +
               (root ? ", in network namespaces of its own" : ""));
    return true;
}

}  // namespace

int run_dial(DialOptions o) {
    Logger log(o.debug ? LogLevel::debug : LogLevel::info);
    SimChild child;
    if (o.simulated() && !start_simulator(o, log, child)) return exit_fatal;
    asio::io_context io;
    Dialer dialer(io, std::move(o), log);
    return dialer.run();
}

}  // namespace ec20ppp::app
