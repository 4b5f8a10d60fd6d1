// libFuzzer target for the command line (src/app/cli.cpp): CLI11 parsing of `ec20ppp dial|info|
// sim ...` and the option validation behind it (finish_dial_options, the sim's addresses and
// fault times), exactly as main() runs them, without running anything.
//
// Input layout: byte 0 picks $EC20PPP_PASSWORD (unset, "secret", empty, 300 characters); the
// rest is the arguments after "ec20ppp", separated by NUL bytes.
//
// Checked properties (abort() on violation):
//  - parsing never throws and returns either a command to run (exit code 0) or an exit code of
//    0 (--help, --version) or 2 (option error);
//  - a dial command's options are valid: finish_dial_options accepts them again unchanged, and
//    the values it promises hold (APN, MTU 128-1500, interface name, user and password sizes);
//    link_config_for() turns them into a link configuration;
//  - round trip: the dial options written back as a command line parse to the same options;
//  - a sim command has a client address and non-negative fault times.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/exit_codes.hpp"
#include "check.hpp"

namespace {

using namespace ec20ppp;
using namespace ec20ppp::app;

CommandLine parse(const std::vector<std::string>& args, const char* env_password) {
    std::vector<const char*> argv;
    argv.push_back("ec20ppp");
    for (const auto& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    std::ostringstream out, err;
    return parse_command_line(static_cast<int>(argv.size() - 1), argv.data(), env_password, out, err);
}

// Values that survive any command line parser untouched (no quotes, spaces or leading dashes).
bool plain(const std::string& s) {
    if (s.empty() || s.front() == '-') return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                        c == '_' || c == '/' || c == '%' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

const char* name(AuthChoice a) {
    switch (a) {
        case AuthChoice::automatic: return "auto";
        case AuthChoice::chap: return "chap";
        case AuthChoice::pap: return "pap";
        case AuthChoice::none: return "none";
    }
    return "?";
}
const char* name(DefaultRoute r) {
    switch (r) {
        case DefaultRoute::no: return "no";
        case DefaultRoute::add: return "add";
        case DefaultRoute::replace: return "replace";
    }
    return "?";
}
const char* name(HangupMethod h) {
    switch (h) {
        case HangupMethod::automatic: return "auto";
        case HangupMethod::dtr: return "dtr";
        case HangupMethod::escape: return "escape";
    }
    return "?";
}

// The options main() got, as a command line that asks for exactly them.
std::optional<std::vector<std::string>> write_dial(const DialOptions& d) {
    for (const std::string* s : {&d.apn, &d.device, &d.user, &d.ifname, &d.ipparam})
        if (!s->empty() && !plain(*s)) return std::nullopt;
    std::vector<std::string> a = {"dial", "--apn=" + d.apn, "--device=" + d.device, "--baud=" + std::to_string(d.baud),
                                  "--user=" + d.user, "--auth=" + std::string(name(d.auth)),
                                  "--pdp=" + std::string(chat::to_string(d.pdp)), "--ifname=" + d.ifname,
                                  "--mtu=" + std::to_string(d.mtu), "--default-route=" + std::string(name(d.default_route)),
                                  "--route-metric=" + std::to_string(d.route_metric),
                                  "--lcp-echo-interval=" + std::to_string(d.lcp_echo_interval),
                                  "--lcp-echo-failure=" + std::to_string(d.lcp_echo_failure),
                                  "--chat-timeout=" + std::to_string(d.chat_timeout.count()),
                                  "--registration-wait=" + std::to_string(d.registration_wait.count()),
                                  "--hangup=" + std::string(name(d.hangup)), "--ping=" + std::to_string(d.ping_count)};
    if (!d.ipparam.empty()) a.push_back("--ipparam=" + d.ipparam);
    if (d.data_plane == DataPlane::tun) a.push_back("--data-plane=tun");
    else if (d.data_plane == DataPlane::none) a.push_back("--data-plane=none");
    else return std::nullopt;  // the other data planes: not written back here
    switch (d.dns) {
        case DnsMode::none: a.push_back("--dns=none"); break;
        case DnsMode::print: a.push_back("--dns=print"); break;
        case DnsMode::resolv_conf:
            if (!plain(d.resolv_conf.string())) return std::nullopt;
            a.push_back("--dns=resolv-conf=" + d.resolv_conf.string());
            break;
    }
    if (d.debug) a.push_back("--debug");
    for (const auto* p : {&d.password_file, &d.ip_up, &d.ip_down, &d.chat_script, &d.pcap})
        if (*p && !plain((*p)->string())) return std::nullopt;
    if (d.password_file) a.push_back("--password-file=" + d.password_file->string());
    if (d.ip_up) a.push_back("--ip-up=" + d.ip_up->string());
    if (d.ip_down) a.push_back("--ip-down=" + d.ip_down->string());
    if (d.chat_script) a.push_back("--chat-script=" + d.chat_script->string());
    if (d.pcap) a.push_back("--pcap=" + d.pcap->string());
    if (!plain(d.lock_dir.string())) return std::nullopt;
    a.push_back("--lock-dir=" + d.lock_dir.string());
    return a;
}

bool same(const DialOptions& x, const DialOptions& y) {
    return x.apn == y.apn && x.device == y.device && x.baud == y.baud && x.user == y.user &&
           x.password_file == y.password_file && x.password == y.password && x.auth == y.auth && x.pdp == y.pdp &&
           x.ifname == y.ifname && x.mtu == y.mtu && x.default_route == y.default_route &&
           x.route_metric == y.route_metric && x.dns == y.dns && x.resolv_conf == y.resolv_conf &&
           x.ip_up == y.ip_up && x.ip_down == y.ip_down && x.chat_script == y.chat_script && x.pcap == y.pcap &&
           x.debug == y.debug && x.lcp_echo_interval == y.lcp_echo_interval &&
           x.lcp_echo_failure == y.lcp_echo_failure && x.chat_timeout == y.chat_timeout &&
           x.registration_wait == y.registration_wait && x.data_plane == y.data_plane && x.hangup == y.hangup &&
           x.ping_count == y.ping_count && x.lock_dir == y.lock_dir && x.ipparam == y.ipparam;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 4096) return 0;
    static const std::string kLong(300, 'x');
    const char* env_passwords[] = {nullptr, "secret", "", kLong.c_str()};
    const char* env_password = env_passwords[data[0] & 3];

    std::vector<std::string> args;
    std::string cur;
    for (std::size_t i = 1; i < size; ++i) {
        if (data[i] == 0) {
            args.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(static_cast<char>(data[i]));
        }
    }
    if (size > 1) args.push_back(cur);
    if (args.size() > 64) return 0;

    const CommandLine c = parse(args, env_password);
    if (c.command == CommandLine::Command::none) {
        CHECK(c.exit_code == exit_ok || c.exit_code == exit_option_error);
        return 0;
    }
    CHECK(c.exit_code == 0);

    if (c.command == CommandLine::Command::dial) {
        const DialOptions& d = c.dial;
        CHECK(!chat::check_apn(d.apn));
        CHECK(d.mtu >= 128 && d.mtu <= 1500);
        CHECK(!d.ifname.empty() && d.ifname.size() <= 15);
        CHECK(!d.user.empty() && d.user.size() <= 255 && d.password.size() <= 255);
        DialOptions again = d;
        CHECK(!finish_dial_options(again, env_password));
        CHECK(same(again, d));
        const link::LinkConfig lc = link_config_for(d);
        CHECK(!lc.lcp.mru || *lc.lcp.mru == d.mtu);

        if (auto line = write_dial(d)) {
            const CommandLine r = parse(*line, env_password);
            CHECK(r.command == CommandLine::Command::dial);
            CHECK(same(r.dial, d));
        }
    } else if (c.command == CommandLine::Command::sim) {
        const SimOptions& s = c.sim.sim;
        CHECK(!c.sim.link.empty());
        CHECK(s.latency >= Duration{0});
        for (const auto* t : {&s.silence_after, &s.terminate_after, &s.hangup_after, &s.no_carrier_after})
            CHECK(!*t || **t >= Duration{0});
    }
    return 0;
}
