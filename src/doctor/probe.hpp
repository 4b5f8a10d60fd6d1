// The optional probes of `ec20ppp doctor` (--at, --qmi): they talk to the modem, so each runs in a
// child process under a hard deadline -- a close() on an old cdc-wdm or a wedged tty can block in
// the kernel, and doctor itself must never hang. The message codecs are pure and tested alone.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "doctor/doctor.hpp"

namespace ec20ppp::doctor {

// QMI CTL GET_VERSION_INFO (message 0x0021, TLV 0x01 = 0xff: all services). Needs no client id
// and, unlike CTL SYNC, releases nobody's client ids.
std::vector<std::uint8_t> qmi_ctl_get_version_request(std::uint8_t transaction);

struct QmiVersionInfo {
    std::uint16_t result = 0xffff, error = 0xffff;
    struct Service {
        std::uint8_t type;
        std::uint16_t major, minor;
    };
    std::vector<Service> services;
};
// Parses a QMUX frame answering qmi_ctl_get_version_request(transaction); nullopt when it is
// something else (another transaction, an indication, a short frame).
std::optional<QmiVersionInfo> parse_qmi_ctl_get_version_response(const std::vector<std::uint8_t>& frame, std::uint8_t transaction);

// The AT commands --at sends and what their answers mean.
const std::vector<std::string>& at_probe_commands();
struct AtAnswer {
    std::string command;
    std::string response;  // the lines between the echo and the final result
    bool ok = false;       // final result OK
    bool answered = false;
};
// Findings from the answers (SIM, signal, registration, usbnet mode).
std::vector<Finding> judge_at_answers(const std::vector<AtAnswer>& answers, const std::string& port);

struct ProbeResult {
    std::vector<Finding> findings;
    std::string detail;  // for --json
};

// Runs the AT probe on `port` (a tty) / the QMI probe on `node` (a cdc-wdm) in a child, giving up
// after `deadline`. Caller decides whether the port is free (see Report::holders).
ProbeResult probe_at(const std::string& port, std::chrono::milliseconds deadline);
ProbeResult probe_qmi(const std::string& node, std::chrono::milliseconds deadline);

}  // namespace ec20ppp::doctor
