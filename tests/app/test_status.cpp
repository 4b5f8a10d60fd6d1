// Status for machines (src/app/status.cpp, run_status.cpp): the status file's JSON, the
// Prometheus textfile, the text for people, the atomic write, and `ec20ppp status`.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/logger.hpp"
#include "app/status.hpp"
#include "app/status_reporter.hpp"

using namespace ec20ppp;
using namespace ec20ppp::app;

namespace {

Status running() {
    Status s;
    s.name = "wan";
    s.pid = ::getpid();
    s.pid_start = process_start_time(::getpid());
    s.device = "/dev/ttyUSB2";
    s.apn = "3gnet";
    s.phase = "running";
    s.phase_since = 1700000010;
    s.started = 1700000000;
    s.interface = "ppp0";
    s.local = parse_ipv4("10.18.14.216");
    s.remote = parse_ipv4("10.64.64.64");
    s.dns1 = parse_ipv4("221.6.4.66");
    s.dns2 = parse_ipv4("58.240.57.33");
    s.up_since = 1700000010;
    s.rx_bytes = 3 * 1024 * 1024 + 512 * 1024;
    s.tx_bytes = 1234;
    s.rx_packets = 2600;
    s.tx_packets = 17;
    s.signal = chat::SignalQuality{31, 99};
    s.network = chat::Operator{0, 0, "CHN-UNICOM", chat::AccessTechnology::EUtran};
    s.reconnects = 2;
    s.last_failure = Status::Failure{1699999990, 16, "Modem hangup: /dev/ttyUSB2 read failed (End of file)"};
    s.updated = 1700000100;
    return s;
}

class StatusDir : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/ec20ppp-status-test.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    int status(StatusCommandOptions o) {
        o.state_dir = dir_;
        out_.str("");
        err_.str("");
        return run_status(o, out_, err_);
    }
    std::filesystem::path dir_;
    std::ostringstream out_, err_;
};

}  // namespace

TEST(StatusJson, HoldsEveryField) {
    const auto j = nlohmann::json::parse(status_to_json(running()));
    EXPECT_EQ(j["ec20ppp_status"], 1);
    EXPECT_EQ(j["name"], "wan");
    EXPECT_EQ(j["phase"], "running");
    EXPECT_EQ(j["interface"], "ppp0");
    EXPECT_EQ(j["ipv4"]["local"], "10.18.14.216");
    EXPECT_EQ(j["ipv4"]["remote"], "10.64.64.64");
    EXPECT_EQ(j["dns"], nlohmann::json::array({"221.6.4.66", "58.240.57.33"}));
    EXPECT_EQ(j["up_since"], 1700000010);
    EXPECT_EQ(j["uptime_seconds"], 90);
    EXPECT_EQ(j["rx"]["bytes"], 3 * 1024 * 1024 + 512 * 1024);
    EXPECT_EQ(j["rx"]["packets"], 2600);
    EXPECT_EQ(j["tx"]["bytes"], 1234);
    EXPECT_EQ(j["tx"]["packets"], 17);
    EXPECT_EQ(j["modem"]["signal"]["rssi"], 31);
    EXPECT_EQ(j["modem"]["signal"]["dbm"], -51);
    EXPECT_EQ(j["modem"]["operator"]["name"], "CHN-UNICOM");
    EXPECT_EQ(j["modem"]["operator"]["access_technology"], "E-UTRAN");
    EXPECT_EQ(j["reconnects"], 2);
    EXPECT_EQ(j["last_failure"]["exit_status"], 16);
    EXPECT_EQ(j["last_failure"]["time"], 1699999990);
    EXPECT_EQ(j["pid"], ::getpid());
}

TEST(StatusJson, DownHasNullsNotStaleValues) {
    Status s;
    s.name = "ppp0";
    s.phase = "dialing";
    const auto j = nlohmann::json::parse(status_to_json(s));
    EXPECT_TRUE(j["ipv4"].is_null());
    EXPECT_TRUE(j["interface"].is_null());
    EXPECT_TRUE(j["up_since"].is_null());
    EXPECT_TRUE(j["uptime_seconds"].is_null());
    EXPECT_TRUE(j["last_failure"].is_null());
    EXPECT_EQ(j["dns"], nlohmann::json::array());
    EXPECT_EQ(j["modem"], nlohmann::json::object());
}

TEST(StatusJson, RoundTrips) {
    EXPECT_EQ(status_from_json(status_to_json(running())), running());
    Status bare;
    bare.name = "x";
    EXPECT_EQ(status_from_json(status_to_json(bare)), bare);
    EXPECT_FALSE(status_from_json("{\"undo\": []}"));  // another file in the state directory
    EXPECT_FALSE(status_from_json("not json"));
    EXPECT_FALSE(status_from_json("{\"ec20ppp_status\": 1}"));  // no name, no phase
}

TEST(StatusMetrics, PrometheusTextfile) {
    const std::string m = status_to_metrics(running(), 1700000110);
    for (const char* line : {"# TYPE ec20ppp_up gauge\n", "ec20ppp_up{name=\"wan\"} 1\n",
                             "# TYPE ec20ppp_bytes_total counter\n",
                             "ec20ppp_bytes_total{name=\"wan\",direction=\"rx\"} 3670016\n",
                             "ec20ppp_bytes_total{name=\"wan\",direction=\"tx\"} 1234\n",
                             "ec20ppp_packets_total{name=\"wan\",direction=\"rx\"} 2600\n",
                             "ec20ppp_packets_total{name=\"wan\",direction=\"tx\"} 17\n",
                             "ec20ppp_reconnects_total{name=\"wan\"} 2\n", "ec20ppp_uptime_seconds{name=\"wan\"} 100\n",
                             "ec20ppp_phase{name=\"wan\",phase=\"running\"} 1\n", "ec20ppp_signal_dbm{name=\"wan\"} -51\n",
                             "ec20ppp_operator_info{name=\"wan\",operator=\"CHN-UNICOM\"} 1\n",
                             "ec20ppp_last_failure_timestamp_seconds{name=\"wan\",exit_status=\"16\"} 1699999990\n"})
        EXPECT_NE(m.find(line), std::string::npos) << line << "\nin:\n" << m;
    // Every sample line is NAME{labels} VALUE, and each metric has HELP and TYPE.
    std::istringstream lines(m);
    std::string l;
    while (std::getline(lines, l)) {
        if (l.starts_with("#")) continue;
        EXPECT_NE(l.find("} "), std::string::npos) << l;
    }
}

TEST(StatusMetrics, DownAndEscapedLabels) {
    Status s;
    s.name = "we\"ird\\name";
    s.phase = "holdoff";
    const std::string m = status_to_metrics(s, 100);
    EXPECT_NE(m.find("ec20ppp_up{name=\"we\\\"ird\\\\name\"} 0\n"), std::string::npos) << m;
    EXPECT_NE(m.find("ec20ppp_uptime_seconds{name=\"we\\\"ird\\\\name\"} 0\n"), std::string::npos) << m;
    EXPECT_EQ(m.find("ec20ppp_signal"), std::string::npos);
}

TEST(StatusText, ForPeople) {
    const std::string t = status_to_text(running(), 1700003735);  // 1 h 2 m 5 s after IP-up
    EXPECT_EQ(t,
              "wan: running for 1h 2m 5s (pid " + std::to_string(::getpid()) + ", /dev/ttyUSB2, APN 3gnet)\n"
              "  interface  ppp0\n"
              "  IPv4       10.18.14.216 peer 10.64.64.64\n"
              "  DNS        221.6.4.66 58.240.57.33\n"
              "  traffic    rx 3.5 MiB (2600 packets), tx 1.2 KiB (17 packets), as of 1h 0m 35s ago\n"
              "  signal     -51 dBm (+CSQ: 31,99, when dialing)\n"
              "  operator   CHN-UNICOM (E-UTRAN)\n"
              "  reconnects 2; last failure 2023-11-14 22:13:10 UTC: exit 16, Modem hangup: /dev/ttyUSB2 read failed (End of file)\n");
}

TEST_F(StatusDir, AtomicWriteReplacesAndLeavesNoTemporary) {
    const auto file = dir_ / "wan.json";
    write_file_atomically(file, "one\n", 0644);
    write_file_atomically(file, "two\n", 0644);
    std::ifstream in(file);
    std::string text;
    std::getline(in, text);
    EXPECT_EQ(text, "two");
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0644u);
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), std::filesystem::directory_iterator()), 1);
}

TEST_F(StatusDir, AtomicWriteNeverFollowsAPlantedSymlink) {
    const auto victim = dir_ / "victim";
    std::ofstream(victim) << "keep\n";
    const auto temp = dir_ / (".wan.json." + std::to_string(::getpid()) + ".tmp");
    std::filesystem::create_symlink(victim, temp);
    write_file_atomically(dir_ / "wan.json", "status\n", 0644);
    std::ifstream in(victim);
    std::string text;
    std::getline(in, text);
    EXPECT_EQ(text, "keep");
}

TEST_F(StatusDir, AtomicWriteSaysWhyItFailed) {
    try {
        write_file_atomically(dir_ / "missing-dir" / "x.json", "x", 0644);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("missing-dir/x.json: No such file or directory"), std::string::npos) << e.what();
    }
}

TEST_F(StatusDir, StatusCommandNamedAndAll) {
    write_file_atomically(dir_ / "wan.json", status_to_json(running()), 0644);
    Status other = running();
    other.name = "backup";
    other.phase = "holdoff";
    other.local.reset();
    write_file_atomically(dir_ / "backup.json", status_to_json(other), 0644);
    std::ofstream(dir_ / "ttyUSB2.undo") << "something else\n";  // not ours: ignored

    EXPECT_EQ(status({.name = "wan"}), 0) << err_.str();
    EXPECT_EQ(out_.str().rfind("wan: running for ", 0), 0u) << out_.str();
    EXPECT_NE(out_.str().find("  IPv4       10.18.14.216 peer 10.64.64.64\n"), std::string::npos);

    EXPECT_EQ(status({}), 0) << err_.str();
    EXPECT_NE(out_.str().find("backup: holdoff since "), std::string::npos) << out_.str();
    EXPECT_NE(out_.str().find("\n\nwan: running"), std::string::npos) << out_.str();

    EXPECT_EQ(status({.name = "wan", .json = true}), 0);
    EXPECT_EQ(status_from_json(out_.str()), running());
    EXPECT_EQ(status({.name = "", .json = true}), 0);
    auto all = nlohmann::json::parse(out_.str());
    ASSERT_TRUE(all.is_array());
    EXPECT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0]["name"], "backup");
}

TEST_F(StatusDir, StatusCommandWhenNothingRuns) {
    EXPECT_EQ(status({}), 1);
    EXPECT_NE(err_.str().find("no ec20ppp dialer is running (no status files in " + dir_.string() + ")"), std::string::npos)
        << err_.str();
    EXPECT_EQ(status({.name = "wan"}), 1);
    EXPECT_NE(err_.str().find("ec20ppp wan is not running (no " + (dir_ / "wan.json").string() + ")"), std::string::npos)
        << err_.str();
    EXPECT_EQ(status({.name = "../etc/passwd"}), 2);
    StatusCommandOptions missing;
    missing.state_dir = dir_ / "nope";
    out_.str("");
    err_.str("");
    EXPECT_EQ(run_status(missing, out_, err_), 1);
    EXPECT_NE(err_.str().find("no ec20ppp dialer is running"), std::string::npos) << err_.str();
}

TEST_F(StatusDir, StatusCommandWithoutPermissionSaysSo) {
    write_file_atomically(dir_ / "wan.json", status_to_json(running()), 0644);
    ::chmod(dir_.c_str(), 0700);  // as /run/ec20ppp is: only root gets in
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop it";
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
        const bool named = status({.name = "wan"}) == 1 &&
                           err_.str().find("cannot read " + (dir_ / "wan.json").string() + ": permission denied (run as root)") !=
                               std::string::npos;
        const bool all = status({}) == 1 && err_.str().find("Permission denied (run as root)") != std::string::npos;
        ::_exit(named && all ? 0 : 1);
    }
    int st = 0;
    ASSERT_EQ(::waitpid(child, &st, 0), child);
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0) << "1: wrong message without permission; 3: could not drop root";
}

TEST_F(StatusDir, StaleFileOfAKilledDialer) {
    // A child that exits at once: its pid is dead, as a SIGKILLed dialer's would be.
    pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    int ignored = 0;
    ::waitpid(child, &ignored, 0);
    Status s = running();
    s.pid = child;
    write_file_atomically(dir_ / "wan.json", status_to_json(s), 0644);
    EXPECT_EQ(status({.name = "wan"}), 1);
    EXPECT_NE(err_.str().find("wan: stale status file " + (dir_ / "wan.json").string() + " (pid " + std::to_string(child) +
                              " is not running"),
              std::string::npos)
        << err_.str();
    EXPECT_EQ(out_.str(), "");
    EXPECT_EQ(status({}), 1);
    EXPECT_NE(err_.str().find("stale status file"), std::string::npos);
    // A reused pid: alive, but started at another time.
    s.pid = ::getpid();
    s.pid_start = process_start_time(::getpid()) + 1;
    EXPECT_FALSE(status_writer_alive(s));
    s.pid_start = process_start_time(::getpid());
    EXPECT_TRUE(status_writer_alive(s));
}

// --- the dialer's side: StatusReporter ----------------------------------------------------------

TEST(StatusName, ConfigThenFixedInterfaceThenDevice) {
    DialOptions o;
    o.device = "/dev/ttyUSB2";
    EXPECT_EQ(status_name(o), "ttyUSB2");  // ppp%d: the kernel picks the number
    o.ifname = "wwan0";
    EXPECT_EQ(status_name(o), "wwan0");
    o.config_name = "wan";
    EXPECT_EQ(status_name(o), "wan");
}

TEST(StatusPhase, LinkPhasesInTheFilesWords) {
    EXPECT_EQ(status_phase(link::Phase::establish), "establish");
    EXPECT_EQ(status_phase(link::Phase::authenticate), "authenticate");
    EXPECT_EQ(status_phase(link::Phase::running), "running");
}

TEST(InterfaceCounters, LoopbackHasSome) {
    // lo always exists (ifindex 1 in every namespace) and the kernel counts its traffic.
    auto c = read_interface_counters(1);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->rx_packets, c->tx_packets);  // what lo sends it receives
    EXPECT_FALSE(read_interface_counters(0));
    EXPECT_FALSE(read_interface_counters(999999));
}

TEST_F(StatusDir, ReporterWritesPhasesAndRemovesTheFileAtTheEnd) {
    DialOptions o;
    o.apn = "3gnet";
    o.device = "/dev/ttyUSB2";
    o.ifname = "ec20";
    o.state_dir = dir_ / "state";  // created on the first write
    o.metrics_file = dir_ / "ec20.prom";
    o.status_interval = std::chrono::seconds(3600);
    Logger log(LogLevel::error);
    const auto file = dir_ / "state" / "ec20.json";
    {
        StatusReporter reporter(o, log);
        EXPECT_FALSE(std::filesystem::exists(file));  // nothing before the first phase
        reporter.phase("dialing");
        auto s = status_from_json([&] {
            std::ifstream in(file);
            std::stringstream t;
            t << in.rdbuf();
            return t.str();
        }());
        ASSERT_TRUE(s);
        EXPECT_EQ(s->phase, "dialing");
        EXPECT_EQ(s->name, "ec20");
        EXPECT_EQ(s->pid, ::getpid());
        EXPECT_TRUE(status_writer_alive(*s));

        chat::ModemInfo modem;
        modem.signal = chat::SignalQuality{20, 99};
        modem.network = chat::Operator{0, 0, "CHN-UNICOM", chat::AccessTechnology::EUtran};
        reporter.modem(modem);
        link::Ipv4Up up;
        up.local = *parse_ipv4("10.18.14.216");
        up.remote = *parse_ipv4("10.64.64.64");
        up.dns1 = parse_ipv4("221.6.4.66");
        reporter.ip_up("lo", 1, up);
        EXPECT_EQ(reporter.status().phase, "running");
        EXPECT_EQ(reporter.status().signal, modem.signal);
        EXPECT_TRUE(reporter.status().up_since);
        std::ifstream metrics(*o.metrics_file);
        std::stringstream m;
        m << metrics.rdbuf();
        EXPECT_NE(m.str().find("ec20ppp_up{name=\"ec20\"} 1\n"), std::string::npos) << m.str();

        // Within --status-interval of the last write the counters are not reread or written.
        const auto before = std::filesystem::last_write_time(file);
        reporter.traffic(Clock::now());
        EXPECT_EQ(std::filesystem::last_write_time(file), before);

        reporter.ip_down();
        EXPECT_FALSE(reporter.status().local);
        log.error("Modem hangup: /dev/ttyUSB2 read failed (End of file)");
        reporter.attempt_ended(16, log.last_error(), 2);
        EXPECT_EQ(reporter.status().reconnects, 1u);
        ASSERT_TRUE(reporter.status().last_failure);
        EXPECT_EQ(reporter.status().last_failure->exit_status, 16);
        EXPECT_EQ(reporter.status().last_failure->message, "Modem hangup: /dev/ttyUSB2 read failed (End of file)");
        // The next attempt logged no error of its own: the old one is not repeated as its reason.
        reporter.attempt_ended(16, log.last_error(), 3);
        EXPECT_EQ(reporter.status().reconnects, 2u);
        EXPECT_EQ(reporter.status().last_failure->message, "the modem hung up or the network ended the call");
    }
    EXPECT_FALSE(std::filesystem::exists(file));
    std::ifstream metrics(*o.metrics_file);
    std::stringstream m;
    m << metrics.rdbuf();
    EXPECT_NE(m.str().find("ec20ppp_up{name=\"ec20\"} 0\n"), std::string::npos) << m.str();
    EXPECT_NE(m.str().find("phase=\"stopped\""), std::string::npos) << m.str();
    EXPECT_NE(m.str().find("ec20ppp_reconnects_total{name=\"ec20\"} 2\n"), std::string::npos) << m.str();
}

TEST_F(StatusDir, ReporterRewritesCountersOnlyWhenTheyMoveAndTheIntervalPassed) {
    DialOptions o;
    o.ifname = "ec20";
    o.state_dir = dir_;
    o.status_interval = std::chrono::seconds(1);
    Logger log(LogLevel::error);
    StatusReporter reporter(o, log);
    link::Ipv4Up up;
    up.local = *parse_ipv4("127.0.0.1");
    reporter.ip_up("lo", 1, up);
    const auto first = reporter.status().updated;
    const auto rx = reporter.status().rx_packets;
    // Traffic on lo: the counters move; after the interval the next call writes them.
    std::system("ping -c 2 -i 0.2 -W 1 127.0.0.1 >/dev/null 2>&1");
    reporter.traffic(Clock::now() + std::chrono::seconds(2));
    EXPECT_GT(reporter.status().rx_packets, rx);
    EXPECT_GE(reporter.status().updated, first);
}

// --- --log-format json --------------------------------------------------------------------------

TEST(JsonLog, OneObjectPerEvent) {
    const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
    auto j = nlohmann::json::parse(log_line_json(LogLevel::notice, "local  IP address 10.18.14.216", "", t));
    EXPECT_EQ(j, (nlohmann::json{{"time", "2023-11-14T22:13:20.123Z"}, {"level", "notice"},
                                 {"message", "local  IP address 10.18.14.216"}}));
    const std::string line = log_line_json(LogLevel::debug, "sent [LCP ConfReq id=0x1 <magic 0x1>]", "", t);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(nlohmann::json::parse(line)["direction"], "tx");
    EXPECT_EQ(nlohmann::json::parse(log_line_json(LogLevel::debug, "rcvd [LCP EchoReq id=0x2]", "", t))["direction"], "rx");
    auto sim = nlohmann::json::parse(log_line_json(LogLevel::warning, "lost a frame", "sim: ", t));
    EXPECT_EQ(sim["source"], "sim");
    EXPECT_EQ(sim["level"], "warning");
    EXPECT_FALSE(sim.contains("direction"));
}

TEST(JsonLog, PeerBytesThatAreNotUtf8DoNotBreakTheLine) {
    const auto t = std::chrono::system_clock::now();
    std::string line;
    EXPECT_NO_THROW(line = log_line_json(LogLevel::info, std::string("name = \"\xff\xfe\"\n"), "", t));
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Logger, RemembersTheLastError) {
    Logger quiet(LogLevel::error);
    quiet.info("fine");
    quiet.warning("not an error");
    EXPECT_EQ(quiet.last_error(), "");
    EXPECT_EQ(quiet.error_count(), 0u);
    quiet.error("Connect script failed: +CME ERROR: 10");
    EXPECT_EQ(quiet.last_error(), "Connect script failed: +CME ERROR: 10");
    EXPECT_EQ(quiet.error_count(), 1u);
}
