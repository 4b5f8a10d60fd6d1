#include "app/status.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace ec20ppp::app {

namespace {

using nlohmann::json;

json address(const std::optional<Ipv4>& a) { return a ? json(to_string(*a)) : json(nullptr); }

std::optional<Ipv4> address_from(const json& j, const char* key) {
    if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
    return parse_ipv4(j[key].get<std::string>());
}

// 27.007 §7.3's access technology back from its text ("E-UTRAN"): the status file keeps the
// words, since they are what a person or a dashboard shows.
std::optional<chat::AccessTechnology> act_from(const std::string& text) {
    for (int v = 0; v <= 13; ++v) {
        auto act = static_cast<chat::AccessTechnology>(v);
        if (chat::to_string(act) == text) return act;
    }
    return std::nullopt;
}

std::string utc(std::int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

std::string duration_text(std::int64_t s) {
    if (s < 0) s = 0;
    const std::int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
    std::string out;
    if (d) out += std::to_string(d) + "d ";
    if (d || h) out += std::to_string(h) + "h ";
    if (d || h || m) out += std::to_string(m) + "m ";
    return out + std::to_string(sec) + "s";
}

std::string bytes_text(std::uint64_t b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
    else std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

// Prometheus label values escape backslash, double quote and newline (exposition format 0.0.4).
std::string label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

}  // namespace

std::string status_to_json(const Status& s) {
    json j;
    j["ec20ppp_status"] = 1;
    j["name"] = s.name;
    j["pid"] = s.pid;
    j["pid_start"] = s.pid_start;
    j["device"] = s.device;
    j["apn"] = s.apn;
    j["phase"] = s.phase;
    j["phase_since"] = s.phase_since;
    j["started"] = s.started;
    j["interface"] = s.interface.empty() ? json(nullptr) : json(s.interface);
    j["ipv4"] = s.local ? json{{"local", address(s.local)}, {"remote", address(s.remote)}} : json(nullptr);
    json dns = json::array();
    if (s.dns1) dns.push_back(to_string(*s.dns1));
    if (s.dns2) dns.push_back(to_string(*s.dns2));
    j["dns"] = dns;
    j["up_since"] = s.up_since ? json(*s.up_since) : json(nullptr);
    j["uptime_seconds"] = s.up_since ? json(s.updated - *s.up_since) : json(nullptr);
    j["rx"] = {{"bytes", s.rx_bytes}, {"packets", s.rx_packets}};
    j["tx"] = {{"bytes", s.tx_bytes}, {"packets", s.tx_packets}};
    json modem = json::object();
    if (s.signal) {
        modem["signal"] = {{"rssi", s.signal->rssi}, {"ber", s.signal->ber}};
        auto dbm = s.signal->dbm();
        modem["signal"]["dbm"] = dbm ? json(*dbm) : json(nullptr);
    }
    if (s.network) {
        modem["operator"] = {{"name", s.network->name}, {"mode", s.network->mode}};
        if (s.network->format) modem["operator"]["format"] = *s.network->format;
        if (s.network->act) modem["operator"]["access_technology"] = chat::to_string(*s.network->act);
    }
    j["modem"] = modem;
    j["reconnects"] = s.reconnects;
    if (s.last_failure)
        j["last_failure"] = {{"time", s.last_failure->time},
                             {"exit_status", s.last_failure->exit_status},
                             {"message", s.last_failure->message}};
    else
        j["last_failure"] = nullptr;
    j["updated"] = s.updated;
    return j.dump(2) + "\n";
}

std::optional<Status> status_from_json(const std::string& text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("ec20ppp_status", 0) != 1) return std::nullopt;
    try {
        Status s;
        s.name = j.at("name").get<std::string>();
        s.pid = j.at("pid").get<pid_t>();
        s.pid_start = j.value("pid_start", std::uint64_t{0});
        s.device = j.value("device", "");
        s.apn = j.value("apn", "");
        s.phase = j.at("phase").get<std::string>();
        s.phase_since = j.value("phase_since", std::int64_t{0});
        s.started = j.value("started", std::int64_t{0});
        if (j.contains("interface") && j["interface"].is_string()) s.interface = j["interface"].get<std::string>();
        if (j.contains("ipv4") && j["ipv4"].is_object()) {
            s.local = address_from(j["ipv4"], "local");
            s.remote = address_from(j["ipv4"], "remote");
        }
        if (j.contains("dns") && j["dns"].is_array()) {
            const auto& dns = j["dns"];
            if (dns.size() > 0 && dns[0].is_string()) s.dns1 = parse_ipv4(dns[0].get<std::string>());
            if (dns.size() > 1 && dns[1].is_string()) s.dns2 = parse_ipv4(dns[1].get<std::string>());
        }
        if (j.contains("up_since") && j["up_since"].is_number()) s.up_since = j["up_since"].get<std::int64_t>();
        s.rx_bytes = j.at("rx").value("bytes", std::uint64_t{0});
        s.rx_packets = j.at("rx").value("packets", std::uint64_t{0});
        s.tx_bytes = j.at("tx").value("bytes", std::uint64_t{0});
        s.tx_packets = j.at("tx").value("packets", std::uint64_t{0});
        if (j.contains("modem") && j["modem"].is_object()) {
            const auto& m = j["modem"];
            if (m.contains("signal") && m["signal"].is_object())
                s.signal = chat::SignalQuality{m["signal"].value("rssi", 99), m["signal"].value("ber", 99)};
            if (m.contains("operator") && m["operator"].is_object()) {
                chat::Operator op;
                op.name = m["operator"].value("name", "");
                op.mode = m["operator"].value("mode", 0);
                if (m["operator"].contains("format") && m["operator"]["format"].is_number_integer())
                    op.format = m["operator"]["format"].get<int>();
                if (m["operator"].contains("access_technology"))
                    op.act = act_from(m["operator"].value("access_technology", ""));
                s.network = op;
            }
        }
        s.reconnects = j.value("reconnects", 0u);
        if (j.contains("last_failure") && j["last_failure"].is_object()) {
            const auto& f = j["last_failure"];
            s.last_failure = Status::Failure{f.value("time", std::int64_t{0}), f.value("exit_status", 0), f.value("message", "")};
        }
        s.updated = j.value("updated", std::int64_t{0});
        return s;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

std::string status_to_metrics(const Status& s, std::int64_t now) {
    const std::string who = "name=\"" + label(s.name) + "\"";
    std::ostringstream o;
    auto metric = [&](const char* name, const char* type, const char* help) {
        o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    };
    metric("ec20ppp_up", "gauge", "1 while the link carries IP, else 0.");
    o << "ec20ppp_up{" << who << "} " << (s.up() ? 1 : 0) << "\n";
    metric("ec20ppp_phase", "gauge", "The dialer's phase: 1 for the current one.");
    o << "ec20ppp_phase{" << who << ",phase=\"" << label(s.phase) << "\"} 1\n";
    metric("ec20ppp_bytes_total", "counter", "IP bytes of this connection, by direction.");
    o << "ec20ppp_bytes_total{" << who << ",direction=\"rx\"} " << s.rx_bytes << "\n";
    o << "ec20ppp_bytes_total{" << who << ",direction=\"tx\"} " << s.tx_bytes << "\n";
    metric("ec20ppp_packets_total", "counter", "IP packets of this connection, by direction.");
    o << "ec20ppp_packets_total{" << who << ",direction=\"rx\"} " << s.rx_packets << "\n";
    o << "ec20ppp_packets_total{" << who << ",direction=\"tx\"} " << s.tx_packets << "\n";
    metric("ec20ppp_reconnects_total", "counter", "Dials after the first (--persist).");
    o << "ec20ppp_reconnects_total{" << who << "} " << s.reconnects << "\n";
    metric("ec20ppp_uptime_seconds", "gauge", "Seconds since IP came up (0 while down).");
    o << "ec20ppp_uptime_seconds{" << who << "} " << (s.up_since && s.up() ? now - *s.up_since : 0) << "\n";
    if (s.signal) {
        metric("ec20ppp_signal_rssi", "gauge", "+CSQ <rssi> when dialing (0-31, 99 unknown).");
        o << "ec20ppp_signal_rssi{" << who << "} " << s.signal->rssi << "\n";
        if (auto dbm = s.signal->dbm()) {
            metric("ec20ppp_signal_dbm", "gauge", "Signal strength in dBm from +CSQ when dialing.");
            o << "ec20ppp_signal_dbm{" << who << "} " << *dbm << "\n";
        }
    }
    if (s.network && !s.network->name.empty()) {
        metric("ec20ppp_operator_info", "gauge", "The operator (+COPS) when dialing.");
        o << "ec20ppp_operator_info{" << who << ",operator=\"" << label(s.network->name) << "\"} 1\n";
    }
    if (s.last_failure) {
        metric("ec20ppp_last_failure_timestamp_seconds", "gauge", "When the last connection attempt failed.");
        o << "ec20ppp_last_failure_timestamp_seconds{" << who << ",exit_status=\"" << s.last_failure->exit_status << "\"} "
          << s.last_failure->time << "\n";
    }
    metric("ec20ppp_status_updated_timestamp_seconds", "gauge", "When these numbers were written.");
    o << "ec20ppp_status_updated_timestamp_seconds{" << who << "} " << s.updated << "\n";
    return o.str();
}

std::string status_to_text(const Status& s, std::int64_t now) {
    std::ostringstream o;
    o << s.name << ": " << s.phase;
    if (s.up() && s.up_since) o << " for " << duration_text(now - *s.up_since);
    else o << " since " << utc(s.phase_since);
    o << " (pid " << s.pid << ", " << s.device;
    if (!s.apn.empty()) o << ", APN " << s.apn;
    o << ")\n";
    auto row = [&o](const char* key, const std::string& value) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "  %-11s", key);
        o << buf << value << "\n";
    };
    if (!s.interface.empty()) row("interface", s.interface);
    if (s.local) row("IPv4", to_string(*s.local) + (s.remote ? " peer " + to_string(*s.remote) : ""));
    if (s.dns1 || s.dns2) {
        std::string dns;
        if (s.dns1) dns = to_string(*s.dns1);
        if (s.dns2) dns += (dns.empty() ? "" : " ") + to_string(*s.dns2);
        row("DNS", dns);
    }
    if (s.local || s.rx_packets || s.tx_packets)
        row("traffic", "rx " + bytes_text(s.rx_bytes) + " (" + std::to_string(s.rx_packets) + " packets), tx " +
                           bytes_text(s.tx_bytes) + " (" + std::to_string(s.tx_packets) + " packets), as of " +
                           duration_text(now - s.updated) + " ago");
    if (s.signal) {
        auto dbm = s.signal->dbm();
        row("signal", (dbm ? std::to_string(*dbm) + " dBm" : std::string("unknown")) + " (+CSQ: " +
                          std::to_string(s.signal->rssi) + "," + std::to_string(s.signal->ber) + ", when dialing)");
    }
    if (s.network)
        row("operator", (s.network->name.empty() ? std::string("none") : s.network->name) +
                            (s.network->act ? " (" + chat::to_string(*s.network->act) + ")" : ""));
    std::string reconnects = std::to_string(s.reconnects);
    if (s.last_failure)
        reconnects += "; last failure " + utc(s.last_failure->time) + ": exit " + std::to_string(s.last_failure->exit_status) +
                      (s.last_failure->message.empty() ? "" : ", " + s.last_failure->message);
    row("reconnects", reconnects);
    return o.str();
}

void write_file_atomically(const std::filesystem::path& path, const std::string& content, mode_t mode) {
    const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
    auto fail = [&](const std::string& what, int err) {
        throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(err));
    };
    // A name of our own next to the target (same filesystem, so rename is atomic). O_EXCL and
    // O_NOFOLLOW: whatever someone planted at that name is never written through.
    const std::filesystem::path temp = dir / ("." + path.filename().string() + "." + std::to_string(::getpid()) + ".tmp");
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0 && errno == EEXIST) {
        // Left by an earlier process with our pid that died between open and rename.
        ::unlink(temp.c_str());
        fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    }
    if (fd < 0) fail("cannot write", errno);
    ::fchmod(fd, mode);  // the umask must not make it unreadable for `ec20ppp status` users
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(temp.c_str());
            fail("cannot write", err);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        fail("cannot write", err);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        fail("cannot replace", err);
    }
}

std::uint64_t process_start_time(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) return 0;
    // Field 2, the command, is in parentheses and may hold spaces: count fields after its ')'.
    auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(stat.substr(close + 1));
    std::string field;
    for (int i = 3; i <= 22 && (rest >> field); ++i) {
        if (i == 22) return std::strtoull(field.c_str(), nullptr, 10);
    }
    return 0;
}

bool process_started_at(pid_t pid, std::uint64_t start) {
    if (start == 0) return true;
    const std::uint64_t now = process_start_time(pid);
    return now == 0 || now == start;
}

bool status_writer_alive(const Status& s) {
    if (s.pid <= 0) return false;
    if (::kill(s.pid, 0) != 0 && errno == ESRCH) return false;
    // The pid may have been reused since: the start time tells (when both are known).
    return process_started_at(s.pid, s.pid_start);
}

}  // namespace ec20ppp::app
