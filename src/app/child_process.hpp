// Scripts the dialer runs (--ip-up, --ip-down): started with pppd's arguments and environment,
// never outliving the dialer, killed when they overrun their time.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace ec20ppp::app {

class ChildProcess {
public:
    // fork + execve(path, args, environ + env). Throws std::system_error if fork fails.
    ChildProcess(const std::string& path, const std::vector<std::string>& args, const std::vector<std::string>& env);
    ~ChildProcess();  // kills and reaps a child still running
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    // The wait status once the child has ended (reaped here), nullopt while it runs.
    std::optional<int> poll();
    // SIGKILL and reap.
    void kill_now();
    // "exited with status 3", "killed by signal 9".
    static std::string describe_status(int status);

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

}  // namespace ec20ppp::app
