// The dialer's side of the status file (app/status.hpp): it keeps a Status up to date from
// what the dial goes through and writes STATE_DIR/NAME.json (and --metrics-file) atomically on
// every phase change, and the traffic counters at most every --status-interval, only when they
// moved: no timer of its own, so an idle link causes no extra wakeups. The file is removed when
// the dial ends; the metrics file stays, saying ec20ppp_up 0.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "app/dial_options.hpp"
#include "app/logger.hpp"
#include "app/status.hpp"
#include "chat/modem_info.hpp"
#include "common/time.hpp"
#include "link/link.hpp"

namespace ec20ppp::app {

// The IP traffic of an interface as the kernel counts it (IFLA_STATS64 over rtnetlink): the
// same for the TUN and the kernel PPP data planes. rx is what came from the peer.
struct InterfaceCounters {
    std::uint64_t rx_bytes = 0, tx_bytes = 0, rx_packets = 0, tx_packets = 0;
    bool operator==(const InterfaceCounters&) const = default;
};
std::optional<InterfaceCounters> read_interface_counters(unsigned ifindex);

// "establish", "running", ...: the status file's words for the link's phases.
std::string_view status_phase(link::Phase phase);

// The instance name: the --config file's name, else a fixed --ifname, else (the kernel numbers
// the interface, "ppp%d") the device's file name ("ttyUSB2", "sim").
std::string status_name(const DialOptions& options);

class StatusReporter {
public:
    StatusReporter(const DialOptions& options, const Logger& log);
    ~StatusReporter();
    StatusReporter(const StatusReporter&) = delete;
    StatusReporter& operator=(const StatusReporter&) = delete;

    const Status& status() const { return status_; }
    const std::filesystem::path& file() const { return file_; }

    // Written at once when the phase changes.
    void phase(std::string_view phase);
    // +CSQ and +COPS as the AT chat collected them.
    void modem(const chat::ModemInfo& info);
    void ip_up(const std::string& interface, unsigned ifindex, const link::Ipv4Up& up);
    void ip_down();
    // Called on traffic and on the dialer's own timer: rereads the counters and writes them when
    // they changed, at most every --status-interval.
    void traffic(TimePoint now);
    // A dial attempt is over (--persist dials again as attempt `next_attempt`). `last_error` is
    // the Logger's; when the attempt logged no error (the network hung up) the exit status is
    // described instead.
    void attempt_ended(int exit_status, const std::string& last_error, unsigned next_attempt);

private:
    void write();

    Status status_;
    std::filesystem::path file_;
    std::optional<std::filesystem::path> metrics_;
    const Logger& log_;
    Duration interval_;
    unsigned ifindex_ = 0;
    TimePoint last_write_{};
    bool warned_ = false;
    std::uint64_t errors_before_attempt_ = 0;  // the Logger's error count when the attempt began
};

}  // namespace ec20ppp::app
