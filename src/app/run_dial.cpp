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
#include <fstream>
#include <cstring>

#include "app/commands.hpp"
#include "app/dialer.hpp"
#include "app/exit_codes.hpp"
#include "app/retry_policy.hpp"
#include "app/status_reporter.hpp"
#include "app/state_file.hpp"
#include "netconf/netlink.hpp"
#include "serial/device_watch.hpp"
#include "serial/serial_port.hpp"

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
        sim_log.set_format(o.log_format);
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

volatile bool g_stop_waiting = false;
void on_stop_signal(int) { g_stop_waiting = true; }

// Dialer::teardown blocks the stop signals so one that arrives while an attempt ends stays
// pending; unblocked where a handler (ours, or the next Dialer's signal set) will see it.
void unblock_stop_signals() {
    sigset_t stop;
    sigemptyset(&stop);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop, s);
    ::sigprocmask(SIG_UNBLOCK, &stop, nullptr);
}

// Between attempts the Dialer's own signal handling is gone: a signal must still end us at once.
void install_wait_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(s, &sa, nullptr);
    unblock_stop_signals();
}

// Sleeps `d`, returning false early if a signal asked us to stop.
bool interruptible_sleep(Duration d) {
    const TimePoint until = Clock::now() + d;
    while (!g_stop_waiting && Clock::now() < until) ::usleep(20000);
    return !g_stop_waiting;
}

void system_random_bytes(std::span<std::uint8_t> out) {
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    urandom.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
}

// AT+CFUN=1,1: the EC20 restarts, drops off USB and comes back (its ttys re-enumerate).
void reset_modem(const DialOptions& o, const Logger& log) {
    try {
        asio::io_context io;
        SerialPort port(io, o.device, o.baud);
        port.flush();
        const std::string command = "AT+CFUN=1,1\r";
        ssize_t ignored = ::write(port.fd(), command.data(), command.size());
        (void)ignored;
        log.notice("sent AT+CFUN=1,1 to reset the modem");
        ::usleep(500000);  // let it answer before we close the port under it
    } catch (const std::exception& e) {
        log.warning(std::string("could not reset the modem: ") + e.what());
    }
}

// A dialer killed by SIGKILL could not undo its changes: put them back before dialing. False if
// the state directory is unsafe to use (the error is logged).
bool recover_undo_records(const DialOptions& o, const Logger& log) {
    std::unique_ptr<StateDir> dir;
    try {
        dir = std::make_unique<StateDir>(o.state_dir);
    } catch (const StateDirError& e) {
        if (e.unsafe()) {
            log.error(e.what());
            return false;
        }
        // Typically not root (/run is not ours), when there is nothing of ours to undo either.
        log.log(::geteuid() == 0 ? LogLevel::warning : LogLevel::debug, e.what());
        return true;
    }
    std::unique_ptr<Netlink> netlink;
    try {
        netlink = std::make_unique<Netlink>();
    } catch (const std::exception&) {
        // Records with routes then say they could not be reverted, and are kept.
    }
    recover_stale_records(*dir, netlink.get(), [&log](LogLevel level, std::string_view line) { log.log(level, line); });
    return true;
}

}  // namespace

int run_dial(DialOptions o) {
    Logger log(o.debug ? LogLevel::debug : LogLevel::info);
    log.set_format(o.log_format);
    // Named before --device sim replaces the device with its pty; the file goes when we return.
    StatusReporter status(o, log);
    SimChild child;
    if (o.simulated() && !start_simulator(o, log, child)) return exit_fatal;
    // (After the simulator: with --device sim this is the namespace the dialer configures.)
    if (!recover_undo_records(o, log)) return exit_option_error;
    RetryPolicy policy(o.persist, system_random_bytes);
    for (unsigned attempt = 1;; ++attempt) {
        // Without --persist a missing port fails at once (exit 7, like pppd): a mistyped path
        // must not look like a hang.
        if (!o.simulated() && o.persist.persist && !std::filesystem::exists(o.device)) {
            // Unplugged, resetting, or re-enumerating: wait for udev to bring it back.
            log.notice("waiting up to " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(o.device_wait).count()) +
                       " s for " + o.device + " to appear");
            install_wait_signals();
            status.phase("device-wait");
            if (!wait_for_path(o.device, o.device_wait, &g_stop_waiting)) {
                if (g_stop_waiting) return exit_user_request;
                log.error(o.device + " did not appear: check that the modem is powered and plugged in (lsusb should list 2c7c:0125)");
                if (!o.persist.persist) return exit_open_failed;
                auto d = policy.after_attempt(exit_open_failed, false);
                log.notice(d.explanation);
                if (!d.retry) return exit_open_failed;
                if (!interruptible_sleep(d.wait)) return exit_user_request;
                continue;
            }
        }
        if (o.persist.persist && attempt > 1) log.notice("attempt " + std::to_string(attempt));
        int code;
        bool was_up, signalled;
        {
            asio::io_context io;
            Dialer dialer(io, o, log);
            // Its signal set is installed now: a signal still pending goes to it, and one that
            // came since the last wait only set the flag (without this look it was lost).
            unblock_stop_signals();
            if (g_stop_waiting) return exit_user_request;
            dialer.set_status(&status);
            code = dialer.run();
            was_up = dialer.was_up();
            signalled = dialer.signalled();
        }
        if (signalled || !o.persist.persist) return code;
        auto decision = policy.after_attempt(code, was_up);
        log.notice("connection attempt ended (exit status " + std::to_string(code) + "): " + decision.explanation);
        if (!decision.retry) return code;
        status.attempt_ended(code, log.last_error(), attempt + 1);
        status.phase("holdoff");
        install_wait_signals();
        if (decision.reset_modem && !o.simulated()) {
            reset_modem(o, log);
            // The tty disappears while the modem restarts; give it a moment before looking.
            if (!interruptible_sleep(std::chrono::seconds(2))) return exit_user_request;
        }
        if (!interruptible_sleep(decision.wait)) return exit_user_request;
    }
}

}  // namespace ec20ppp::app
