// `ec20ppp sim --link PATH`: the simulated EC20 on a fresh pty until killed.
#include <fcntl.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <asio/signal_set.hpp>
#include <cerrno>
#include <cstring>

#include "app/commands.hpp"
#include "app/exit_codes.hpp"

namespace ec20ppp::app {

namespace {

bool join_netns(const std::string& name, const Logger& log) {
    std::string path = "/run/netns/" + name;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
        log.error("--netns " + name + ": cannot enter " + path + " (" + std::strerror(errno) +
                  "); create it first with: ip netns add " + name);
        if (fd >= 0) ::close(fd);
        return false;
    }
    ::close(fd);
    return true;
}

}  // namespace

int run_sim(SimCommandOptions o) {
    Logger log(o.sim.debug ? LogLevel::debug : LogLevel::info, "sim: ");
    const bool root = ::geteuid() == 0;
    o.sim.kernel_network = root && !o.user_space;
    if (!o.netns.empty()) {
        if (!join_netns(o.netns, log)) return exit_option_error;
    } else if (o.sim.kernel_network && ::unshare(CLONE_NEWNET) != 0) {
        log.warning(std::string("cannot make a network namespace (") + std::strerror(errno) + "): serving the network in user space (ping, TCP echo)");
        o.sim.kernel_network = false;
    }
    int master = -1, slave = -1;
    char name[256] = {};
    if (::openpty(&master, &slave, name, nullptr, nullptr) != 0) {
        log.error(std::string("cannot allocate a pty: ") + std::strerror(errno));
        return exit_fatal;
    }
    ::fchmod(slave, 0660);
    // The dialer opens the slave by name; we keep no slave descriptor, so a dialer that closes
    // the port is seen as a hang-up (EIO on the master).
    ::close(slave);
    ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
    std::error_code ec;
    std::filesystem::remove(o.link, ec);
    std::filesystem::create_symlink(name, o.link, ec);
    if (ec) {
        log.error("--link " + o.link.string() + ": " + ec.message());
        ::close(master);
        return exit_option_error;
    }
    log.notice("simulated EC20 on " + std::string(name) + " (" + o.link.string() + "); network side " +
               (o.sim.kernel_network ? "in the kernel" : "in user space"));
    asio::io_context io;
    asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
    signals.async_wait([&](std::error_code, int) { io.stop(); });
    SimServer server(io, master, o.sim, log);
    server.start();
    io.run();
    std::filesystem::remove(o.link, ec);
    return exit_ok;
}

}  // namespace ec20ppp::app
