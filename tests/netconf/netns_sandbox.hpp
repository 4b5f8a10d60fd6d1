// Privileged tests run in a forked child that first moves into a brand-new network namespace
// (unshare(CLONE_NEWNET)): every TUN, address and route they make lives and dies there, and no
// packet can leave it. The host's interfaces and routes are never touched.
//
// gtest assertions do not cross fork(), so checks inside the sandbox throw (NS_CHECK*) and the
// parent turns the child's report into a test failure or skip.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

namespace ec20ppp::sandbox {

struct CheckFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline std::string where(const char* file, int line) {
    const char* base = std::strrchr(file, '/');
    return std::string(base ? base + 1 : file) + ":" + std::to_string(line) + ": ";
}

#define NS_CHECK(cond)                                                                                          \
    do {                                                                                                        \
        if (!(cond)) throw ::ec20ppp::sandbox::CheckFailed(::ec20ppp::sandbox::where(__FILE__, __LINE__) +      \
                                                           "check failed: " #cond);                             \
    } while (0)

#define NS_CHECK_MSG(cond, msg)                                                                                 \
    do {                                                                                                        \
        if (!(cond)) {                                                                                          \
            std::ostringstream ns_check_os_;                                                                    \
            ns_check_os_ << ::ec20ppp::sandbox::where(__FILE__, __LINE__) << "check failed: " #cond " — " << msg; \
            throw ::ec20ppp::sandbox::CheckFailed(ns_check_os_.str());                                          \
        }                                                                                                       \
    } while (0)

#define NS_CHECK_EQ(a, b)                                                                                       \
    do {                                                                                                        \
        const auto& ns_check_a_ = (a);                                                                          \
        const auto& ns_check_b_ = (b);                                                                          \
        if (!(ns_check_a_ == ns_check_b_)) {                                                                    \
            std::ostringstream ns_check_os_;                                                                    \
            ns_check_os_ << ::ec20ppp::sandbox::where(__FILE__, __LINE__) << "expected " #a " == " #b ", got " \
                         << ns_check_a_ << " and " << ns_check_b_;                                              \
            throw ::ec20ppp::sandbox::CheckFailed(ns_check_os_.str());                                          \
        }                                                                                                       \
    } while (0)

// Expects `stmt` to throw ExceptionType whose what() contains `fragment`.
#define NS_CHECK_THROWS(stmt, ExceptionType, fragment)                                                          \
    do {                                                                                                        \
        bool ns_thrown_ = false;                                                                                \
        try {                                                                                                   \
            stmt;                                                                                               \
        } catch (const ExceptionType& ns_e_) {                                                                  \
            ns_thrown_ = true;                                                                                  \
            NS_CHECK_MSG(std::string(ns_e_.what()).find(fragment) != std::string::npos,                         \
                         "message \"" << ns_e_.what() << "\" lacks \"" << (fragment) << "\"");                  \
        }                                                                                                       \
        NS_CHECK_MSG(ns_thrown_, #stmt " did not throw " #ExceptionType);                                       \
    } while (0)

// Why privileged tests cannot run here, or "" if they can.
inline std::string skip_reason() {
    if (::geteuid() != 0) {
        return "needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to create TUN interfaces in a private network "
               "namespace";
    }
    if (::access("/dev/net/tun", F_OK) != 0) return "/dev/net/tun is missing (modprobe tun)";
    return {};
}

struct Outcome {
    enum Kind { passed, failed, unsupported } kind = failed;
    std::string message;
};

// Runs `body` in a forked child inside a new network namespace; the loopback there starts down.
inline Outcome run_in_fresh_netns(const std::function<void()>& body, unsigned timeout_seconds = 30) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return {Outcome::failed, "pipe2 failed"};
    const pid_t child = ::fork();
    if (child < 0) return {Outcome::failed, "fork failed"};
    if (child == 0) {
        ::close(fds[0]);
        ::alarm(timeout_seconds);  // a hung check must not hang ctest
        auto report = [&](char tag, const std::string& message) {
            const std::string text = tag + message;
            [[maybe_unused]] auto n = ::write(fds[1], text.data(), text.size());
        };
        if (::unshare(CLONE_NEWNET) != 0) {
            report('U', std::string("cannot create a network namespace (unshare(CLONE_NEWNET): ") +
                            std::strerror(errno) + "); privileged tests need one");
            ::_exit(2);
        }
        try {
            body();
        } catch (const std::exception& e) {
            report('F', e.what());
            ::_exit(1);
        } catch (...) {
            report('F', "unknown exception");
            ::_exit(1);
        }
        ::_exit(0);  // skip atexit/gtest teardown in the child
    }
    ::close(fds[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        return {Outcome::failed, "the sandboxed check died of signal " + std::to_string(sig) +
                                     (sig == SIGALRM ? " (timed out)" : "") + (text.empty() ? "" : ": " + text.substr(1))};
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {Outcome::passed, {}};
    if (!text.empty() && text[0] == 'U') return {Outcome::unsupported, text.substr(1)};
    return {Outcome::failed, text.empty() ? "the sandboxed check failed without a message" : text.substr(1)};
}

// For verification only: runs `ip <args>` (inside the sandbox's namespace, inherited by the
// shell) and returns its output, or nullopt where iproute2 is not installed.
inline std::optional<std::string> ip_output(const std::string& args) {
    if (::access("/usr/sbin/ip", X_OK) != 0 && ::access("/sbin/ip", X_OK) != 0 && ::access("/usr/bin/ip", X_OK) != 0) {
        return std::nullopt;
    }
    FILE* p = ::popen(("PATH=/usr/sbin:/sbin:/usr/bin:/bin ip " + args + " 2>&1").c_str(), "r");
    if (!p) return std::nullopt;
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
    return out;
}

}  // namespace ec20ppp::sandbox

// Use as the whole body of a TEST: skips without privileges, fails with the child's message.
#define RUN_IN_FRESH_NETNS(...)                                                                                 \
    do {                                                                                                        \
        if (const std::string ns_why_ = ::ec20ppp::sandbox::skip_reason(); !ns_why_.empty()) {                  \
            GTEST_SKIP() << ns_why_;                                                                            \
        }                                                                                                       \
        const auto ns_outcome_ = ::ec20ppp::sandbox::run_in_fresh_netns(__VA_ARGS__);                           \
        if (ns_outcome_.kind == ::ec20ppp::sandbox::Outcome::unsupported) GTEST_SKIP() << ns_outcome_.message;  \
        if (ns_outcome_.kind == ::ec20ppp::sandbox::Outcome::failed) FAIL() << ns_outcome_.message;             \
    } while (0)
