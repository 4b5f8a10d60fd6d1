#include "doctor/probe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdio>
#include <functional>
#include <sstream>

namespace ec20ppp::doctor {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::vector<std::uint8_t> qmi_ctl_get_version_request(std::uint8_t transaction) {
    // QMUX: marker, length (LE, without the marker), flags, service 0 (CTL), client 0;
    // CTL: flags 0 (request), transaction, message 0x0021, TLV length 4; TLV 0x01 len 1 = 0xff.
    return {0x01, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, transaction, 0x21, 0x00, 0x04, 0x00, 0x01, 0x01, 0x00, 0xff};
}

std::optional<QmiVersionInfo> parse_qmi_ctl_get_version_response(const std::vector<std::uint8_t>& f, std::uint8_t transaction) {
    auto u16 = [&f](std::size_t i) { return static_cast<std::uint16_t>(f[i] | (f[i + 1] << 8)); };
    if (f.size() < 12 || f[0] != 0x01) return std::nullopt;
    std::size_t length = u16(1);
    if (length + 1 > f.size() || f[4] != 0x00 /* CTL */) return std::nullopt;
    if (f[6] != 0x01 /* response */ || f[7] != transaction || u16(8) != 0x0021) return std::nullopt;
    std::size_t end = 12 + u16(10);
    if (end > length + 1) return std::nullopt;
    QmiVersionInfo info;
    for (std::size_t i = 12; i + 3 <= end;) {
        std::uint8_t type = f[i];
        std::size_t len = u16(i + 1);
        std::size_t v = i + 3;
        if (v + len > end) return std::nullopt;
        if (type == 0x02 && len >= 4) {
            info.result = u16(v);
            info.error = u16(v + 2);
        } else if (type == 0x01 && len >= 1) {
            std::size_t count = f[v];
            for (std::size_t k = 0; k < count && v + 1 + k * 5 + 5 <= v + len; ++k) {
                std::size_t e = v + 1 + k * 5;
                info.services.push_back({f[e], u16(e + 1), u16(e + 3)});
            }
        }
        i = v + len;
    }
    return info;
}

const std::vector<std::string>& at_probe_commands() {
    static const std::vector<std::string> commands{"ATI", "AT+CPIN?", "AT+CSQ", "AT+CGREG?", "AT+QCFG=\"usbnet\""};
    return commands;
}

namespace {

Finding finding(Severity s, std::string id, std::string summary, std::string remedy, std::string evidence) {
    return {s, 5, std::move(id), std::move(summary), std::move(remedy), std::move(evidence)};
}

// Text after "+TAG: " in a response, or empty.
std::string value_of(const std::string& response, const std::string& tag) {
    auto pos = response.find(tag + ":");
    if (pos == std::string::npos) return {};
    auto start = response.find_first_not_of(' ', pos + tag.size() + 1);
    if (start == std::string::npos) return {};
    return response.substr(start, response.find('\n', start) - start);
}

// Runs `work` in a child that writes its result to a pipe; returns what arrived before the
// deadline, or nullopt. The child is killed at the deadline and never waited for blocking: a
// child stuck in the kernel (state D) stays behind, doctor does not.
std::optional<std::string> run_in_child(const std::function<std::string()>& work, milliseconds deadline) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return std::nullopt;
    }
    if (pid == 0) {
        close(fds[0]);
        alarm(static_cast<unsigned>(deadline.count() / 1000 + 2));
        std::string out = work();
        for (std::size_t done = 0; done < out.size();) {
            ssize_t n = write(fds[1], out.data() + done, out.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        _exit(0);
    }
    close(fds[1]);
    std::string out;
    bool complete = false;
    auto until = Clock::now() + deadline;
    while (!complete) {
        auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
        if (left <= 0) break;
        pollfd p{fds[0], POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
        char buf[512];
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n > 0) out.append(buf, static_cast<std::size_t>(n));
        else complete = true;  // EOF: the child finished writing
    }
    close(fds[0]);
    kill(pid, SIGKILL);
    for (int i = 0; i < 20 && waitpid(pid, nullptr, WNOHANG) == 0; ++i) usleep(10000);
    return complete ? std::optional<std::string>(out) : std::nullopt;
}

// In the child: one AT exchange per command, each within `each`.
std::string at_exchange(const std::string& port, milliseconds each) {
    int fd = open(port.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return "!open " + std::string(strerror(errno));
    termios t{};
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        t.c_cflag |= CLOCAL | CREAD;
        cfsetspeed(&t, B115200);
        tcsetattr(fd, TCSANOW, &t);
    }
    tcflush(fd, TCIOFLUSH);
    std::string out;
    for (const auto& command : at_probe_commands()) {
        std::string line = command + "\r";
        if (write(fd, line.data(), line.size()) < 0) break;
        std::string got, result = "NONE";
        auto until = Clock::now() + each;
        while (result == "NONE") {
            auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
            if (left <= 0) break;
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
            char buf[256];
            ssize_t n = read(fd, buf, sizeof buf);
            if (n > 0) got.append(buf, static_cast<std::size_t>(n));
            if (got.find("\r\nOK\r\n") != std::string::npos || got.starts_with("OK\r\n")) result = "OK";
            else if (got.find("ERROR") != std::string::npos && got.ends_with("\r\n")) result = "ERROR";
        }
        // Keep the response lines: no echo, no blank lines, no final result.
        std::string response;
        std::istringstream lines(got);
        for (std::string l; std::getline(lines, l);) {
            while (!l.empty() && (l.back() == '\r' || l.back() == '\n')) l.pop_back();
            if (l.empty() || l == command || l == "OK") continue;
            response += l + "\x1e";
        }
        out += command + "\x1f" + response + "\x1f" + result + "\n";
    }
    close(fd);
    return out;
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
    std::string s;
    char b[4];
    for (auto v : bytes) {
        std::snprintf(b, sizeof b, "%02x", v);
        s += b;
    }
    return s;
}

}  // namespace

std::vector<Finding> judge_at_answers(const std::vector<AtAnswer>& answers, const std::string& port) {
    std::vector<Finding> out;
    bool any = false;
    for (const auto& a : answers) any = any || a.answered;
    if (!any) {
        out.push_back(finding(Severity::fail, "at.silent", port + " did not answer AT",
                              "check that it is the AT port (interface 2 or 3), that nothing else reads it, and that the modem has "
                              "finished booting (it prints RDY)",
                              port));
        return out;
    }
    for (const auto& a : answers) {
        if (a.command == "ATI" && a.ok) {
            std::string id = a.response;
            for (auto& c : id)
                if (c == '\n') c = ' ';
            out.push_back(finding(Severity::ok, "at.identity", "the modem answers on " + port + ": " + id, {}, port));
        } else if (a.command == "AT+CPIN?") {
            std::string v = value_of(a.response, "+CPIN");
            if (v == "READY") out.push_back(finding(Severity::ok, "at.sim", "the SIM is ready", {}, port));
            else if (!v.empty())
                out.push_back(finding(Severity::fail, "at.sim", "the SIM is not ready: " + v,
                                      "enter the PIN (AT+CPIN=\"1234\") or disable it on a phone", port));
            else
                out.push_back(finding(Severity::fail, "at.sim", "no SIM (" + (a.response.empty() ? std::string("ERROR") : a.response) + ")",
                                      "insert a SIM card, contacts down, and power-cycle the modem", port));
        } else if (a.command == "AT+CSQ") {
            std::string v = value_of(a.response, "+CSQ");
            int rssi = v.empty() ? -1 : std::atoi(v.c_str());
            if (rssi == 99 || rssi < 0)
                out.push_back(finding(Severity::warn, "at.signal", "no signal (+CSQ: " + v + ")", "connect the main antenna", port));
            else if (rssi < 10)
                out.push_back(finding(Severity::warn, "at.signal", "weak signal (+CSQ: " + v + ")", "move or improve the antenna", port));
            else
                out.push_back(finding(Severity::ok, "at.signal", "signal +CSQ: " + v, {}, port));
        } else if (a.command == "AT+CGREG?") {
            std::string v = value_of(a.response, "+CGREG");
            auto comma = v.find(',');
            int stat = comma == std::string::npos ? -1 : std::atoi(v.c_str() + comma + 1);
            if (stat == 1 || stat == 5) out.push_back(finding(Severity::ok, "at.registration", "registered for data (+CGREG: " + v + ")", {}, port));
            else if (stat == 3)
                out.push_back(finding(Severity::fail, "at.registration", "the network denied data registration (+CGREG: " + v + ")",
                                      "check the SIM's data plan with the operator", port));
            else
                out.push_back(finding(Severity::warn, "at.registration", "not registered for data yet (+CGREG: " + v + ")",
                                      "wait for the network; check signal and SIM", port));
        } else if (a.command == "AT+QCFG=\"usbnet\"") {
            std::string v = value_of(a.response, "+QCFG");
            auto comma = v.find(',');
            int mode = comma == std::string::npos ? -1 : std::atoi(v.c_str() + comma + 1);
            if (mode == 0) out.push_back(finding(Severity::ok, "at.usbnet", "usbnet mode 0: QMI (RmNet) on interface 4", {}, port));
            else if (mode > 0)
                out.push_back(finding(Severity::warn, "at.usbnet",
                                      "usbnet mode " + std::to_string(mode) + " (1 ECM, 2 MBIM, 3 RNDIS): the QMI path needs 0; PPP works either way",
                                      "AT+QCFG=\"usbnet\",0 then AT+CFUN=1,1", port));
        }
    }
    return out;
}

ProbeResult probe_at(const std::string& port, milliseconds deadline) {
    ProbeResult r;
    auto each = deadline / static_cast<int>(at_probe_commands().size() + 1);
    auto raw = run_in_child([&] { return at_exchange(port, each); }, deadline);
    if (!raw) {
        r.findings.push_back(finding(Severity::fail, "at.timeout",
                                     port + " did not finish answering within " + std::to_string(deadline.count()) + " ms (the probe gave up)",
                                     "the tty may be wedged: replug or reset the modem", port));
        return r;
    }
    if (raw->starts_with("!open")) {
        r.findings.push_back(finding(Severity::fail, "at.open", "cannot open " + port + ": " + raw->substr(6),
                                     "run as root, and check the port exists", port));
        return r;
    }
    std::vector<AtAnswer> answers;
    std::istringstream lines(*raw);
    for (std::string l; std::getline(lines, l);) {
        auto a = l.find('\x1f'), b = l.rfind('\x1f');
        if (a == std::string::npos || a == b) continue;
        AtAnswer ans{l.substr(0, a), l.substr(a + 1, b - a - 1), l.substr(b + 1) == "OK", l.substr(b + 1) != "NONE"};
        for (auto& c : ans.response)
            if (c == '\x1e') c = '\n';
        if (!ans.response.empty() && ans.response.back() == '\n') ans.response.pop_back();
        r.detail += ans.command + " -> " + (ans.response.empty() ? "" : ans.response + " ") + l.substr(b + 1) + "\n";
        answers.push_back(std::move(ans));
    }
    r.findings = judge_at_answers(answers, port);
    return r;
}

ProbeResult probe_qmi(const std::string& node, milliseconds deadline) {
    ProbeResult r;
    const std::uint8_t txn = 0x5a;
    auto raw = run_in_child(
        [&]() -> std::string {
            int fd = open(node.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0) return "!open " + std::string(strerror(errno));
            pollfd p{fd, POLLOUT, 0};
            if (poll(&p, 1, 1000) <= 0 || !(p.revents & POLLOUT)) return "!busy";  // keep fd: closing may block
            auto request = qmi_ctl_get_version_request(txn);
            auto start = Clock::now();
            if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) return "!write " + std::string(strerror(errno));
            auto until = start + deadline - milliseconds(200);
            while (Clock::now() < until) {
                auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
                p = {fd, POLLIN, 0};
                if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
                std::vector<std::uint8_t> frame(4096);
                ssize_t n = read(fd, frame.data(), frame.size());
                if (n <= 0) continue;
                frame.resize(static_cast<std::size_t>(n));
                if (parse_qmi_ctl_get_version_response(frame, txn)) {
                    auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
                    close(fd);
                    return std::to_string(ms) + " " + hex(frame);
                }
            }
            return "!timeout";
        },
        deadline);
    auto silent = [&](const std::string& why) {
        r.findings.push_back(finding(Severity::fail, "qmi.silent", why,
                                     "in this order: is another program using " + node +
                                         " (ModemManager, quectel-CM, qmicli)? is usbnet 0 (AT+QCFG=\"usbnet\")? is the right driver "
                                         "bound to interface 4? is the modem still booting (wait for RDY)? else reset it (AT+CFUN=1,1) "
                                         "and capture usbmon for Quectel",
                                     node));
    };
    if (!raw || *raw == "!timeout") silent(node + " did not answer a QMI CTL get-version request within " + std::to_string(deadline.count()) + " ms");
    else if (*raw == "!busy")
        r.findings.push_back(finding(Severity::fail, "qmi.not_writable",
                                     "the modem is not accepting QMI commands on " + node +
                                         ": a previous command's USB transfer never completed (quectel-CM's \"poll=0\")",
                                     "reset the modem (AT+CFUN=1,1 on the AT port, or replug it); processes stuck on the node may need a reboot",
                                     node));
    else if (raw->starts_with("!"))
        r.findings.push_back(finding(Severity::fail, "qmi.open", "cannot use " + node + ": " + raw->substr(1), "run as root", node));
    else {
        auto space = raw->find(' ');
        std::vector<std::uint8_t> frame;
        for (std::size_t i = space + 1; i + 1 < raw->size(); i += 2)
            frame.push_back(static_cast<std::uint8_t>(std::stoi(raw->substr(i, 2), nullptr, 16)));
        auto info = parse_qmi_ctl_get_version_response(frame, txn);
        r.detail = "rtt_ms=" + raw->substr(0, space) + " services=" + std::to_string(info ? info->services.size() : 0);
        if (info && info->result == 0)
            r.findings.push_back(finding(Severity::ok, "qmi.answers",
                                         "QMI answers on " + node + " in " + raw->substr(0, space) + " ms (" +
                                             std::to_string(info->services.size()) + " services)",
                                         {}, node));
        else
            r.findings.push_back(finding(Severity::warn, "qmi.error",
                                         "QMI answered on " + node + " with error " + std::to_string(info ? info->error : 0xffff), {}, node));
    }
    return r;
}

}  // namespace ec20ppp::doctor
