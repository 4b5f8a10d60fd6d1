// `ec20ppp dial --config FILE` (src/app/config_file.cpp), through parse_command_line as main()
// runs it: every key, the command line winning, and each kind of bad file named with its line.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/exit_codes.hpp"

using namespace ec20ppp;
using namespace ec20ppp::app;
using namespace std::chrono_literals;

namespace {

class ConfigFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/ec20ppp-config-test.XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& text, mode_t mode = 0600) {
        const auto path = dir_ / name;
        std::ofstream(path) << text;
        ::chmod(path.c_str(), mode);
        return path.string();
    }

    struct Parsed {
        CommandLine line;
        std::string out, err;
    };
    Parsed parse(std::vector<std::string> args, const char* env_password = nullptr) {
        std::vector<const char*> argv{"ec20ppp", "dial"};
        for (const auto& a : args) argv.push_back(a.c_str());
        std::ostringstream out, err;
        Parsed p{parse_command_line(static_cast<int>(argv.size()), argv.data(), env_password, out, err), "", ""};
        p.out = out.str();
        p.err = err.str();
        return p;
    }
    void expect_error(const Parsed& p, const std::string& text) {
        EXPECT_EQ(p.line.command, CommandLine::Command::none);
        EXPECT_EQ(p.line.exit_code, exit_option_error);
        EXPECT_NE(p.err.find(text), std::string::npos) << "wanted: " << text << "\ngot: " << p.err;
    }

    std::filesystem::path dir_;
};

// Every key a config file may hold, each with a value other than its default.
std::string every_key(const std::filesystem::path& dir) {
    const auto exe = (dir / "script").string();
    return "# all of dial's options\n"
           "apn = \"internet.example\"\n"
           "device = \"/dev/ttyUSB3\"\n"
           "baud = 460800\n"
           "user = \"me\"\n"
           "password-file = \"" + (dir / "secret").string() + "\"\n"
           "auth = \"pap\"\n"
           "pdp = \"IPV4V6\"\n"
           "ifname = \"wwan7\"\n"
           "mtu = 1400\n"
           "default-route = \"replace\"\n"
           "route-metric = 50\n"
           "dns = \"resolv-conf=/tmp/resolv.test\"\n"
           "ip-up = \"" + exe + "\"\n"
           "ip-down = \"" + exe + "\"\n"
           "ipparam = \"wan\"\n"
           "chat-script = \"" + exe + "\"\n"
           "chat-timeout = 12\n"
           "registration-wait = 90\n"
           "lcp-echo-interval = 5\n"
           "lcp-echo-failure = 3\n"
           "data-plane = \"none\"\n"
           "hangup = \"escape\"\n"
           "persist = true\n"
           "max-fail = 0\n"
           "holdoff = 2.5\n"
           "max-holdoff = 120\n"
           "modem-reset-after = 4\n"
           "device-wait = 30\n"
           "ping = 2\n"
           "pcap = \"/tmp/x.pcap\"\n"
           "lock-dir = \"/tmp/locks\"\n"
           "state-dir = \"/tmp/state\"\n"
           "debug = true\n"
           "log-format = \"json\"\n"
           "metrics-file = \"/tmp/metrics.prom\"\n"
           "status-interval = 3\n";
}

}  // namespace

TEST_F(ConfigFileTest, EveryKeySetsItsOption) {
    write("secret", "s3cret\n");
    write("script", "#!/bin/sh\n", 0700);
    const auto file = write("wan.conf", every_key(dir_));
    auto p = parse({"--config", file});
    ASSERT_EQ(p.line.command, CommandLine::Command::dial) << p.err;
    const DialOptions& d = p.line.dial;
    EXPECT_EQ(d.config_name, "wan");
    EXPECT_EQ(d.apn, "internet.example");
    EXPECT_EQ(d.device, "/dev/ttyUSB3");
    EXPECT_EQ(d.baud, 460800u);
    EXPECT_EQ(d.user, "me");
    EXPECT_EQ(d.password, "s3cret");
    EXPECT_EQ(d.auth, AuthChoice::pap);
    EXPECT_EQ(d.pdp, chat::PdpType::Ipv4v6);
    EXPECT_EQ(d.ifname, "wwan7");
    EXPECT_EQ(d.mtu, 1400u);
    EXPECT_EQ(d.default_route, DefaultRoute::replace);
    EXPECT_EQ(d.route_metric, 50u);
    EXPECT_EQ(d.dns, DnsMode::resolv_conf);
    EXPECT_EQ(d.resolv_conf, "/tmp/resolv.test");
    EXPECT_EQ(d.ip_up, dir_ / "script");
    EXPECT_EQ(d.ip_down, dir_ / "script");
    EXPECT_EQ(d.ipparam, "wan");
    EXPECT_EQ(d.chat_script, dir_ / "script");
    EXPECT_EQ(d.chat_timeout, 12s);
    EXPECT_EQ(d.registration_wait, 90s);
    EXPECT_EQ(d.lcp_echo_interval, 5u);
    EXPECT_EQ(d.lcp_echo_failure, 3u);
    EXPECT_EQ(d.data_plane, DataPlane::none);
    EXPECT_EQ(d.hangup, HangupMethod::escape);
    EXPECT_TRUE(d.persist.persist);
    EXPECT_EQ(d.persist.max_fail, 0u);
    EXPECT_EQ(d.persist.holdoff, 2500ms);
    EXPECT_EQ(d.persist.max_holdoff, 120s);
    EXPECT_EQ(d.persist.modem_reset_after, 4u);
    EXPECT_EQ(d.device_wait, 30s);
    EXPECT_EQ(d.ping_count, 2u);
    EXPECT_EQ(d.pcap, "/tmp/x.pcap");
    EXPECT_EQ(d.lock_dir, "/tmp/locks");
    EXPECT_EQ(d.state_dir, "/tmp/state");
    EXPECT_TRUE(d.debug);
    EXPECT_EQ(d.log_format, LogFormat::json);
    EXPECT_EQ(d.metrics_file, "/tmp/metrics.prom");
    EXPECT_EQ(d.status_interval, 3s);
}

// The file above must cover every key there is: a new dial option fails this until it is added
// there (and checked).
TEST_F(ConfigFileTest, EveryKeyIsCoveredAbove) {
    auto p = parse({"--config", write("x.conf", "no-such-key = 1\n")});
    const std::string marker = "allowed keys: ";
    auto at = p.err.find(marker);
    ASSERT_NE(at, std::string::npos) << p.err;
    std::string list = p.err.substr(at + marker.size());
    list = list.substr(0, list.find('\n'));
    const std::string all = every_key(dir_);
    std::stringstream keys(list);
    std::string key;
    int n = 0;
    while (std::getline(keys, key, ',')) {
        if (key.starts_with(" ")) key.erase(0, 1);
        ++n;
        if (key == "password") continue;  // its own tests below
        EXPECT_NE(all.find("\n" + key + " = "), std::string::npos) << "key '" << key << "' is not in every_key()";
    }
    EXPECT_GE(n, 36);
}

// A TOML float reaches the option as text that reads back as the same double, whether 15
// significant digits hold it or it needs 17 (0.1 + 0.2 written out).
TEST_F(ConfigFileTest, FloatsKeepTheirValue) {
    for (auto [text, want] : {std::pair{"0.1", 100ms}, std::pair{"2.5e-3", 2ms}, std::pair{"0.30000000000000004", 300ms},
                              std::pair{"1e2", 100000ms}}) {
        const auto file = write("f.conf", std::string("apn = \"a\"\nholdoff = ") + text + "\n");
        auto p = parse({"--config", file});
        ASSERT_EQ(p.line.command, CommandLine::Command::dial) << text << ": " << p.err;
        EXPECT_EQ(p.line.dial.persist.holdoff, want) << text;
    }
}

TEST_F(ConfigFileTest, CommandLineOverridesTheFile) {
    const auto file = write("a.conf", "apn = \"fromfile\"\nmtu = 1400\ndebug = true\nholdoff = 9\nauth = \"pap\"\n");
    auto p = parse({"--mtu", "1300", "--config", file, "--auth", "chap", "--holdoff", "3", "--apn", "cli"});
    ASSERT_EQ(p.line.command, CommandLine::Command::dial) << p.err;
    EXPECT_EQ(p.line.dial.apn, "cli");
    EXPECT_EQ(p.line.dial.mtu, 1300u);
    EXPECT_EQ(p.line.dial.auth, AuthChoice::chap);
    EXPECT_EQ(p.line.dial.persist.holdoff, 3s);
    EXPECT_TRUE(p.line.dial.debug);  // from the file: the command line did not say
    // A flag the file sets is turned off with --flag=false.
    auto off = parse({"--config", write("b.conf", "apn = \"3gnet\"\npersist = true\n"), "--persist=false"});
    ASSERT_EQ(off.line.command, CommandLine::Command::dial) << off.err;
    EXPECT_FALSE(off.line.dial.persist.persist);
}

TEST_F(ConfigFileTest, ApnMayComeFromTheFileOnly) {
    auto p = parse({"--config", write("a.conf", "apn = \"3gnet\"\n")});
    ASSERT_EQ(p.line.command, CommandLine::Command::dial) << p.err;
    EXPECT_EQ(p.line.dial.apn, "3gnet");
    expect_error(parse({"--config", write("b.conf", "mtu = 1400\n")}), "--apn is required");
}

TEST_F(ConfigFileTest, UnknownKeyNamesFileLineAndAllowedKeys) {
    const auto file = write("u.conf", "apn = \"3gnet\"\n\n# comment\nmtu_size = 1400\n");
    expect_error(parse({"--config", file}), file + ":4: unknown key 'mtu_size' \u2014 allowed keys: apn, device, baud");
    // --config itself and --help are not keys.
    expect_error(parse({"--config", write("c.conf", "config = \"/etc/x.conf\"\n")}), ":1: unknown key 'config'");
    expect_error(parse({"--config", write("h.conf", "help = true\n")}), ":1: unknown key 'help'");
}

TEST_F(ConfigFileTest, WrongTypesNameLineAndWhatTheKeyTakes) {
    auto bad = [&](const std::string& line, const std::string& want) {
        const auto file = write("t.conf", "apn = \"3gnet\"\n" + line + "\n");
        expect_error(parse({"--config", file}), file + ":2: " + want);
    };
    bad("mtu = \"1400\"", "'mtu' takes a whole number (0 or more), not a string");
    bad("mtu = 1400.5", "'mtu' takes a whole number (0 or more), not a number");
    bad("persist = 1", "'persist' takes true or false, not a whole number");
    bad("device = 7", "'device' takes a string, not a whole number");
    bad("auth = true", "'auth' takes a string: auto|chap|pap|none (=auto), not true/false");
    bad("holdoff = \"soon\"", "'holdoff' takes a number, not a string");
    bad("holdoff = nan", "'holdoff' takes a finite number");
    bad("mtu = [1400]", "'mtu' takes a whole number (0 or more), not an array");
    bad("[dial]\nmtu = 1", "unknown key 'dial' (the file has no [sections]) \u2014 allowed keys: apn,");
}

// Files that break toml++ 3.3's own parser invariants (found by fuzz/config_file): an abort()
// with assertions on, undefined behaviour under clang with NDEBUG; a syntax error with its
// position here. test_config_checked runs this with config_file.cpp built without NDEBUG.
TEST_F(ConfigFileTest, FilesThatConfuseTheTomlParserAreSyntaxErrors) {
    const std::pair<std::string, std::string> cases[] = {
        {"[?", ":1:2: Error while parsing key"},
        {"ipn =[}[\"3g", ":1:7: Error while parsing value"},
        {std::string("[\0?", 3), ":1:2: Error while parsing key"},
        {std::string("[{\0\0\0\f\0", 7), ":1:2: Error while parsing key"},
    };
    for (const auto& [text, want] : cases) {
        const auto file = write("t.conf", text);
        expect_error(parse({"--apn", "a", "--config", file}), file + want);
    }
}

TEST_F(ConfigFileTest, BadValuesNameLineAndWhatIsAllowed) {
    auto bad = [&](const std::string& line, const std::string& want) {
        const auto file = write("v.conf", "apn = \"3gnet\"\n" + line + "\n");
        expect_error(parse({"--config", file}), file + ":2: " + want);
    };
    bad("auth = \"kerberos\"", "bad value for 'auth'");
    bad("holdoff = 5000", "bad value for 'holdoff'");
    bad("max-fail = -1", "bad value for 'max-fail'");
    bad("status-interval = 0", "bad value for 'status-interval'");
    // Checked after parsing (finish_dial_options), still pointed at the line.
    bad("mtu = 20", "--mtu 20 is out of range: use 128 to 1500");
    bad("baud = 12345", "--baud 12345 is not a standard rate");
    bad("dns = \"dhcp\"", "--dns dhcp: use none, print, resolv-conf or resolv-conf=FILE");
    bad("ip-up = \"/nonexistent/script\"", "--ip-up /nonexistent/script: not an executable file");
    // A bad value on the command line is not blamed on the file.
    auto p = parse({"--config", write("ok.conf", "apn = \"3gnet\"\n"), "--mtu", "20"});
    expect_error(p, "error: --mtu 20 is out of range");
}

TEST_F(ConfigFileTest, TomlSyntaxErrorsHaveLineAndColumn) {
    const auto file = write("s.conf", "apn = \"3gnet\"\nmtu = = 3\n");
    expect_error(parse({"--config", file}), file + ":2:");
    const auto dup = write("d.conf", "apn = \"3gnet\"\napn = \"other\"\n");
    expect_error(parse({"--config", dup}), dup + ":2:");
}

// fuzz/regressions/config_file/toml-unicode-whitespace: toml++ 3.3 reached
// __builtin_unreachable() on this file (a non-ASCII letter where it expects whitespace). Files
// are ASCII now: the line with the first other byte is named, a UTF-8 BOM is allowed.
TEST_F(ConfigFileTest, NonAsciiIsRefusedWithItsLine) {
    const std::string path = write("u.conf", "apn = \"3gnet\"\n\xEF\xBB\xBF n\xC9\x9E\xCC\x8F]gneg\n");
    expect_error(parse({"--config", path}), path + ":2: a non-ASCII character (byte 0xef)");
    const std::string smart = write("q.conf", "apn = \xE2\x80\x9C" "3gnet\xE2\x80\x9D\n");
    expect_error(parse({"--config", smart}), smart + ":1: a non-ASCII character (byte 0xe2)");
    const std::string bom = write("bom.conf", "\xEF\xBB\xBF" "apn = \"3gnet\"\n");
    const Parsed ok = parse({"--config", bom});
    EXPECT_EQ(ok.line.command, CommandLine::Command::dial) << ok.err;
    EXPECT_EQ(ok.line.dial.apn, "3gnet");
}

TEST_F(ConfigFileTest, MissingUnreadableAndOddFilesAreRefused) {
    expect_error(parse({"--config", (dir_ / "missing.conf").string()}), "missing.conf: no such file");
    expect_error(parse({"--config", dir_.string()}), "not a regular file");
    const auto file = write("locked.conf", "apn = \"3gnet\"\n", 0);
    if (::geteuid() != 0) {
        expect_error(parse({"--config", file}), "locked.conf: cannot open it (Permission denied)");
        return;
    }
    // Root reads any file: the check runs in a child that gave up root.
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
        auto p = parse({"--config", file});
        const bool ok = p.line.exit_code == exit_option_error &&
                        p.err.find("locked.conf: cannot open it (Permission denied); run as the user that owns it") != std::string::npos;
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: wrong message for an unreadable file; 3: could not drop root";
}

TEST_F(ConfigFileTest, PasswordOnlyInAPrivateFile) {
    const auto open_file = write("open.conf", "apn = \"3gnet\"\npassword = \"hunter2\"\n", 0644);
    expect_error(parse({"--config", open_file}), open_file + ":2: 'password' in a file that group or others can read: chmod 600");
    const auto group = write("group.conf", "apn = \"3gnet\"\npassword = \"hunter2\"\n", 0640);
    expect_error(parse({"--config", group}), "chmod 600");

    const auto file = write("private.conf", "apn = \"3gnet\"\npassword = \"hunter2\"\n", 0600);
    auto p = parse({"--config", file});
    ASSERT_EQ(p.line.command, CommandLine::Command::dial) << p.err;
    EXPECT_EQ(p.line.dial.password, "hunter2");
    // $EC20PPP_PASSWORD and a --password-file are more specific than the file's password.
    EXPECT_EQ(parse({"--config", file}, "fromenv").line.dial.password, "fromenv");
    write("secret", "fromfile\n");
    EXPECT_EQ(parse({"--config", file, "--password-file", (dir_ / "secret").string()}).line.dial.password, "fromfile");

    const auto both = write("both.conf", "password-file = \"/x\"\npassword = \"a\"\n");
    expect_error(parse({"--config", both}), ":2: give either 'password' or 'password-file', not both");
    expect_error(parse({"--config", write("n.conf", "password = 5\n")}), ":1: 'password' takes a string");
}

TEST_F(ConfigFileTest, WithoutConfigTheNameIsEmpty) {
    auto p = parse({"--apn", "3gnet"});
    ASSERT_EQ(p.line.command, CommandLine::Command::dial) << p.err;
    EXPECT_EQ(p.line.dial.config_name, "");
    EXPECT_EQ(p.line.dial.state_dir, "/run/ec20ppp");
    EXPECT_EQ(p.line.dial.log_format, LogFormat::text);
    EXPECT_EQ(p.line.dial.status_interval, 10s);
}

TEST_F(ConfigFileTest, TheExampleConfigIsValid) {
    const auto example = std::filesystem::path(EC20PPP_SOURCE_DIR) / "docs/example.conf";
    // A copy, private like the real one (the example may hold a commented-out password).
    std::ifstream in(example);
    ASSERT_TRUE(in) << example;
    std::stringstream text;
    text << in.rdbuf();
    auto p = parse({"--config", write("example.conf", text.str())});
    ASSERT_EQ(p.line.command, CommandLine::Command::dial) << p.err;
    EXPECT_EQ(p.line.dial.config_name, "example");
    EXPECT_EQ(p.line.dial.apn, "3gnet");
}
