// `ec20ppp doctor`: examine the machine, optionally probe the modem, print what to fix first.
#include "app/run_doctor.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "doctor/doctor.hpp"
#include "doctor/probe.hpp"

namespace ec20ppp::app {

namespace {

using doctor::Finding;
using doctor::Severity;

// Who else holds `node` (a path as /proc/PID/fd shows it), if anyone.
const doctor::Holder* held_by(const doctor::Report& report, const std::string& node) {
    auto it = std::find_if(report.holders.begin(), report.holders.end(), [&](const doctor::Holder& h) { return h.node == node; });
    return it == report.holders.end() ? nullptr : &*it;
}

Finding skipped(const std::string& probe, const std::string& why) {
    return {Severity::info, 6, "probe.skipped", probe + " was not run: " + why, {}, {}};
}

}  // namespace

int run_doctor(const DoctorCommandOptions& options) {
    doctor::Report report = doctor::examine({options.root});
    nlohmann::json probes = nlohmann::json::object();
    auto deadline = std::chrono::milliseconds(options.timeout_ms);
    auto first_node = [&](int number, bool tty) -> std::string {
        for (const auto& m : report.modems)
            for (const auto& i : m.interfaces)
                if (i.number == number) {
                    if (tty && !i.ttys.empty()) return "/dev/" + i.ttys.front();
                    if (!tty && !i.cdc_wdm.empty()) return "/dev/" + i.cdc_wdm;
                }
        return {};
    };
    auto under_root = [&](const std::string& node) { return (options.root / std::filesystem::path(node).relative_path()).string(); };

    if (options.at) {
        std::string port = options.at_port.empty() ? first_node(2, true) : options.at_port;
        if (port.empty()) report.findings.push_back(skipped("--at", "no AT port found (pass --at-port)"));
        else if (auto* h = held_by(report, port))
            report.findings.push_back(skipped("--at", port + " is held by pid " + std::to_string(h->pid) + " (" + h->comm + ")"));
        else {
            auto r = doctor::probe_at(under_root(port), deadline);
            probes["at"] = {{"port", port}, {"answers", r.detail}};
            report.findings.insert(report.findings.end(), r.findings.begin(), r.findings.end());
        }
    }
    if (options.qmi) {
        std::string node = first_node(4, false);
        if (node.empty()) node = "/dev/cdc-wdm0";
        std::error_code ec;
        bool no_node = !std::filesystem::exists(under_root(node), ec);
        bool stuck = std::any_of(report.findings.begin(), report.findings.end(), [](const Finding& f) { return f.id == "stuck.process"; });
        if (no_node) report.findings.push_back(skipped("--qmi", "there is no " + node));
        else if (auto* h = held_by(report, node))
            report.findings.push_back(skipped("--qmi", node + " is held by pid " + std::to_string(h->pid) + " (" + h->comm +
                                                           "); a second QMI client would steal its answers"));
        else if (stuck)
            report.findings.push_back(skipped("--qmi", "a process is stuck on cdc-wdm; probing would only add another"));
        else {
            auto r = doctor::probe_qmi(under_root(node), deadline);
            probes["qmi"] = {{"node", node}, {"detail", r.detail}};
            report.findings.insert(report.findings.end(), r.findings.begin(), r.findings.end());
        }
    }
    doctor::sort_findings(report.findings);

    if (options.json) {
        auto j = doctor::to_json(report);
        j["probes"] = probes;
        std::cout << j.dump(2) << "\n";
    } else {
        std::cout << doctor::to_text(report);
    }
    return doctor::has_failures(report) ? 1 : 0;
}

}  // namespace ec20ppp::app
