// Status for machines and people: while `ec20ppp dial` runs, STATE_DIR/NAME.json says where the
// connection is (phase, addresses, DNS, uptime, traffic, the modem's signal and operator,
// reconnects, the last failure); `ec20ppp status` reads it back; --metrics-file keeps the same
// numbers as a Prometheus textfile.
//
// The rendering here is pure (a Status and the time in, text out) so tests check it exactly;
// StatusReporter is the I/O side: it decides when to write and writes atomically.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "chat/modem_info.hpp"
#include "common/ip.hpp"

namespace ec20ppp::app {

// Everything the status file holds. Times are Unix seconds (what other programs can compare).
struct Status {
    std::string name;  // the instance: the --config file's name, else the interface's
    pid_t pid = 0;
    std::uint64_t pid_start = 0;  // the process's start time (/proc/PID/stat field 22): tells a reused pid apart
    std::string device, apn;
    // dialing (the AT chat), establish, authenticate, network, running (IP up), terminate,
    // holdoff (--persist: waiting to dial again), device-wait (waiting for the tty to appear).
    std::string phase = "starting";
    std::int64_t phase_since = 0;
    std::int64_t started = 0;
    std::string interface;
    std::optional<Ipv4> local, remote, dns1, dns2;
    std::optional<std::int64_t> up_since;  // when IP came up in this connection
    std::uint64_t rx_bytes = 0, tx_bytes = 0, rx_packets = 0, tx_packets = 0;  // this connection's IP traffic
    std::optional<chat::SignalQuality> signal;  // +CSQ and +COPS as the modem said them when dialing
    std::optional<chat::Operator> network;
    unsigned reconnects = 0;  // dials after the first (--persist)
    struct Failure {
        std::int64_t time = 0;
        int exit_status = 0;
        std::string message;
        bool operator==(const Failure&) const = default;
    };
    std::optional<Failure> last_failure;
    std::int64_t updated = 0;

    bool up() const { return phase == "running" && local.has_value(); }
    bool operator==(const Status&) const = default;
};

// The status file's JSON (one object; "ec20ppp_status": 1 marks the format), and back. from
// the JSON: nullopt when it is not a status file of ours.
std::string status_to_json(const Status& status);
std::optional<Status> status_from_json(const std::string& text);

// The Prometheus text format (exposition format 0.0.4) for node_exporter's textfile collector.
std::string status_to_metrics(const Status& status, std::int64_t now);

// For people: a few aligned lines. `now` gives the uptime and the age of the counters.
std::string status_to_text(const Status& status, std::int64_t now);

// Writes `content` to `path` so readers see the old or the new file, never a part: a new file
// next to it (O_CREAT|O_EXCL|O_NOFOLLOW, `mode`), fsync, rename over. Throws std::runtime_error.
void write_file_atomically(const std::filesystem::path& path, const std::string& content, mode_t mode);

// The start time of process `pid` in clock ticks since boot, or 0 when there is no such process.
std::uint64_t process_start_time(pid_t pid);
// Whether the process now holding `pid` is the one that started at `start`: false only when both
// start times are known (non-zero) and differ, i.e. the pid was given to another process since.
bool process_started_at(pid_t pid, std::uint64_t start);
// Whether the process that wrote `status` still runs (same pid and start time).
bool status_writer_alive(const Status& status);

// `ec20ppp status [NAME] [--json] [--state-dir DIR]`.
struct StatusCommandOptions {
    std::string name;  // empty: every instance in the directory
    bool json = false;
    std::filesystem::path state_dir = "/run/ec20ppp";
};
// Exit status: 0 when every instance asked about runs, 1 when none runs, one is not found or
// its file is stale (its writer is gone).
int run_status(const StatusCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ec20ppp::app
