// Everything `ec20ppp dial` can be told, with quectel-pppd.sh's defaults, and its validation.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "app/logger.hpp"
#include "chat/script.hpp"
#include "link/link.hpp"

namespace ec20ppp::app {

enum class AuthChoice { automatic, chap, pap, none };
enum class DefaultRoute { no, add, replace };
enum class DnsMode { none, print, resolv_conf };
// tun: IP through a TUN device, framed here; ppp: the kernel's PPP (/dev/ppp, ppp_async) frames
// IP as pppd's data plane does; automatic: ppp where /dev/ppp works, else tun; none: negotiate only.
enum class DataPlane { tun, none, ppp, automatic };
// How to end the call: drop DTR, send +++ and ATH, or pick (DTR when the port has it).
enum class HangupMethod { automatic, dtr, escape };

// --persist and friends (pppd's persist, maxfail, holdoff).
struct PersistOptions {
    bool persist = false;
    unsigned max_fail = 10;  // consecutive failed attempts before giving up; 0 = never give up (pppd's maxfail)
    Duration holdoff{std::chrono::seconds(1)};       // wait before the first retry (pppd's holdoff)
    Duration max_holdoff{std::chrono::seconds(60)};  // the exponential backoff stops growing here
    unsigned modem_reset_after = 0;                  // reset the modem (AT+CFUN=1,1) after K failures in a row; 0 = never
};

struct DialOptions {
    std::string apn;
    std::string device = "/dev/ttyUSB2";
    unsigned baud = 115200;
    std::string user = "user";
    std::optional<std::filesystem::path> password_file;
    std::string password = "passwd";  // resolved: file, then EC20PPP_PASSWORD, then this default
    AuthChoice auth = AuthChoice::automatic;
    chat::PdpType pdp = chat::PdpType::Ip;
    std::string ifname = "ppp%d";
    unsigned mtu = 1500;
    DefaultRoute default_route = DefaultRoute::add;
    std::uint32_t route_metric = 700;  // for `add`: beside an existing default, less preferred
    DnsMode dns = DnsMode::print;
    std::filesystem::path resolv_conf = "/etc/resolv.conf";
    std::optional<std::filesystem::path> ip_up, ip_down, chat_script, pcap;
    bool debug = false;
    unsigned lcp_echo_interval = 30;
    unsigned lcp_echo_failure = 4;
    std::chrono::seconds chat_timeout{30};
    std::chrono::seconds registration_wait{60};
    DataPlane data_plane = DataPlane::tun;
    HangupMethod hangup = HangupMethod::automatic;
    unsigned ping_count = 0;  // ping the peer this many times after IP-up, then hang up
    std::filesystem::path lock_dir = "/var/lock";
    // Undo records (what to put back after a SIGKILL), one per port: see app/state_file.hpp.
    std::filesystem::path state_dir = "/run/ec20ppp";
    std::string ipparam;
    PersistOptions persist;
    // With --persist, how long to wait for the tty to (re)appear: at start and after a modem
    // reset or USB re-enumeration.
    Duration device_wait{std::chrono::seconds(60)};
    // Status for machines (src/app/status.hpp): --state-dir/NAME.json while running, NAME being
    // the --config file's name, else the interface's; --metrics-file a Prometheus textfile.
    std::string config_name;  // set by --config
    std::optional<std::filesystem::path> metrics_file;
    std::chrono::seconds status_interval{10};  // counters are rewritten at most this often
    LogFormat log_format = LogFormat::text;
    // `--device sim`: dial a simulator started on a private pty, in namespaces of its own.
    bool simulated() const { return device == "sim"; }
};

// Checks values the parser cannot (APN characters, MTU range, baud, readable files) and
// resolves the password. Returns a sentence saying what is wrong and what to do, or nullopt.
std::optional<std::string> finish_dial_options(DialOptions& options, const char* env_password);

// The link configuration those options ask for.
link::LinkConfig link_config_for(const DialOptions& options);

}  // namespace ec20ppp::app
