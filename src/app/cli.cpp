#include "app/cli.hpp"

#include <CLI/CLI.hpp>
#include <cmath>
#include <map>
#include <ostream>

#include "app/config_file.hpp"
#include "app/exit_codes.hpp"

namespace ec20ppp::app {

namespace {

template <class E>
CLI::CheckedTransformer choices(const std::map<std::string, E>& map) {
    return CLI::CheckedTransformer(map, CLI::ignore_case);
}

CLI::App* add_dial(CLI::App& app, DialOptions& d, std::string& resolv, std::string& pdp, std::string& config) {
    auto* dial = app.add_subcommand("dial", "Dial the modem and bring the link up (replaces quectel-pppd.sh + chat + pppd)");
    dial->footer(
        "Examples:\n"
        "  ec20ppp dial --apn 3gnet                       # quectel-pppd.sh /dev/ttyUSB2 3gnet\n"
        "  ec20ppp dial --apn 3gnet --device sim --ping 3 # a simulated EC20: see it work without hardware\n"
        "  EC20PPP_PASSWORD=secret ec20ppp dial --apn internet --user me --default-route replace --dns resolv-conf\n"
        "The password comes from --password-file, else $EC20PPP_PASSWORD, else quectel-pppd.sh's 'passwd'.\n"
        "Exit status follows pppd: 0 ok, 2 option error, 3 not root, 5 signal, 6 port locked, 7 open failed,\n"
        "8 chat failed, 10 negotiation failed, 11 peer auth failed, 15 peer dead, 16 hang-up, 19 auth failed.");
    // Required, but it may come from --config: finish_dial_options says so when it is missing.
    dial->add_option("--config", config,
                     "A TOML file (e.g. /etc/ec20ppp/NAME.conf) with any of these options as key = value, and "
                     "password; the command line overrides it. NAME names the status file");
    dial->add_option("--apn", d.apn, "Access point name of the operator (e.g. 3gnet); required");
    dial->add_option("--device", d.device, "The modem's AT/PPP port, or 'sim' for the built-in simulated EC20")
        ->capture_default_str();
    dial->add_option("--baud", d.baud, "Serial speed")->capture_default_str();
    dial->add_option("--user", d.user, "User name for CHAP/PAP")->capture_default_str();
    dial->add_option("--password-file", d.password_file, "File whose first line is the password (never on the command line)");
    dial->add_option("--auth", d.auth, "Authentication we accept: auto (CHAP or PAP), chap, pap, none")
        ->transform(choices<AuthChoice>({{"auto", AuthChoice::automatic}, {"chap", AuthChoice::chap}, {"pap", AuthChoice::pap}, {"none", AuthChoice::none}}))
        ->option_text("auto|chap|pap|none (=auto)");
    dial->add_option("--pdp", pdp, "PDP type: IP, IPV6 or IPV4V6 (IPV6CP negotiated for the last two)")
        ->check(CLI::IsMember({"IP", "IPV6", "IPV4V6"}, CLI::ignore_case))
        ->option_text("IP|IPV6|IPV4V6 (=IP)");
    dial->add_option("--ifname", d.ifname, "Name of the TUN interface (%d: the kernel numbers it)")->capture_default_str();
    dial->add_option("--mtu", d.mtu, "Largest packet (128-1500); also our LCP MRU when not 1500")->capture_default_str();
    dial->add_option("--default-route", d.default_route,
                     "no: none; add: beside existing defaults, with --route-metric; replace: replace the default and put it back on exit")
        ->transform(choices<DefaultRoute>({{"no", DefaultRoute::no}, {"add", DefaultRoute::add}, {"replace", DefaultRoute::replace}}))
        ->option_text("no|add|replace (=add)");
    dial->add_option("--route-metric", d.route_metric, "Metric of our default route with --default-route add")->capture_default_str();
    dial->add_option("--dns", resolv,
                     "none: ignore the peer's DNS; print: log them; resolv-conf[=FILE]: write FILE (/etc/resolv.conf) and restore it on exit")
        ->option_text("none|print|resolv-conf[=FILE] (=print)");
    dial->add_option("--ip-up", d.ip_up, "Script run when IP is up, with pppd's arguments and environment");
    dial->add_option("--ip-down", d.ip_down, "Script run when IP goes down");
    dial->add_option("--ipparam", d.ipparam, "Sixth argument to the scripts (pppd's ipparam)");
    dial->add_option("--chat-script", d.chat_script, "A script in chat(8)'s expect-send syntax instead of the EC20 dialogue");
    dial->add_option("--chat-timeout", d.chat_timeout, "Seconds to wait for each modem answer")->capture_default_str();
    dial->add_option("--registration-wait", d.registration_wait, "Seconds to wait for network registration")->capture_default_str();
    dial->add_option("--lcp-echo-interval", d.lcp_echo_interval, "Seconds of silence before an LCP echo request (0: off)")
        ->capture_default_str();
    dial->add_option("--lcp-echo-failure", d.lcp_echo_failure, "Intervals of silence after which the peer is dead")->capture_default_str();
    dial->add_option("--data-plane", d.data_plane,
                     "tun: IP through a TUN device, framed by us; ppp: the kernel's PPP (/dev/ppp) frames IP, as with pppd; "
                     "auto: ppp where /dev/ppp works, else tun; none: negotiate only")
        ->transform(choices<DataPlane>({{"tun", DataPlane::tun}, {"ppp", DataPlane::ppp}, {"auto", DataPlane::automatic},
                                        {"none", DataPlane::none}}))
        ->option_text("tun|ppp|auto|none (=tun)");
    dial->add_option("--hangup", d.hangup, "How to end the call: drop DTR, or +++ then ATH (for ports without DTR)")
        ->transform(choices<HangupMethod>({{"auto", HangupMethod::automatic}, {"dtr", HangupMethod::dtr}, {"escape", HangupMethod::escape}}))
        ->option_text("auto|dtr|escape (=auto)");
    // --persist (pppd's persist, maxfail, holdoff), with bounded exponential backoff.
    dial->add_flag("--persist", d.persist.persist, "Dial again when the connection ends or a dial fails");
    dial->add_option("--max-fail", d.persist.max_fail, "With --persist: give up after N failed attempts in a row (0: never)")
        ->capture_default_str();
    auto to_ms = [](double s) { return Duration(static_cast<Duration::rep>(s * 1000)); };
    dial->add_option_function<double>("--holdoff", [&d, to_ms](double s) { d.persist.holdoff = to_ms(s); },
                                      "Seconds before dialing again; doubles after each failure (with jitter)")
        ->check(CLI::Range(0.0, 3600.0))
        ->default_str("1");
    dial->add_option_function<double>("--max-holdoff", [&d, to_ms](double s) { d.persist.max_holdoff = to_ms(s); },
                                      "The longest wait between attempts")
        ->check(CLI::Range(0.0, 86400.0))
        ->default_str("60");
    dial->add_option("--modem-reset-after", d.persist.modem_reset_after,
                     "With --persist: reset the modem (AT+CFUN=1,1) after K failed attempts in a row (0: never)")
        ->capture_default_str();
    dial->add_option_function<double>("--device-wait", [&d, to_ms](double s) { d.device_wait = to_ms(s); },
                                      "With --persist: seconds to wait for the port to appear (after a reset or USB re-enumeration)")
        ->check(CLI::Range(0.0, 86400.0))
        ->default_str("60");
    dial->add_option("--ping", d.ping_count, "Ping the peer N times through the link once IP is up, then hang up");
    dial->add_option("--pcap", d.pcap, "Write every PPP packet to this pcap file (Wireshark reads it)");
    dial->add_option("--lock-dir", d.lock_dir, "Where the UUCP lock file goes")->capture_default_str();
    dial->add_option("--state-dir", d.state_dir,
                     "Directory of the status file NAME.json (see `ec20ppp status`) and the undo record (what the "
                     "next start puts back if this dialer is killed)")
        ->capture_default_str();
    dial->add_flag("--debug", d.debug, "Log every PPP packet (pppd's 'debug')");
    dial->add_option("--log-format", d.log_format, "text: pppd's lines; json: one JSON object per log event")
        ->transform(choices<LogFormat>({{"text", LogFormat::text}, {"json", LogFormat::json}}))
        ->option_text("text|json (=text)");
    dial->add_option("--metrics-file", d.metrics_file,
                     "Also keep the status as a Prometheus textfile here (for node_exporter's textfile collector)");
    dial->add_option("--status-interval", d.status_interval,
                     "Seconds between rewrites of the traffic counters while traffic flows (phase changes: at once)")
        ->check(CLI::Range(1, 3600))
        ->default_str("10");
    return dial;
}

void add_info(CLI::App& app, InfoOptions& i) {
    auto* info = app.add_subcommand("info", "Show the modem's identity, SIM, signal, operator and registration");
    info->add_option("--device", i.device, "The modem's AT port")->capture_default_str();
    info->add_option("--baud", i.baud, "Serial speed")->capture_default_str();
    info->add_option("--lock-dir", i.lock_dir, "Where the UUCP lock file goes")->capture_default_str();
    info->add_flag("--json", i.json, "Print JSON for machines");
    info->add_flag("--debug", i.debug, "Show the AT dialogue");
}

void add_sim(CLI::App& app, SimCommandOptions& s, std::string& address, std::string& dns1, std::string& dns2, std::string& auth,
             double& latency_ms, double& silence, double& terminate, double& hangup, double& no_carrier, bool& no_sim,
             bool& pin, bool& unregistered, bool& dial_no_carrier, bool& cgdcont_error) {
    auto* sim = app.add_subcommand("sim", "Run a simulated EC20 on a pty until killed (no root needed)");
    sim->footer("Example: ec20ppp sim --link /tmp/ec20 &  ec20ppp dial --apn 3gnet --device /tmp/ec20");
    sim->add_option("--link", s.link, "Path of a symlink to the pty the dialer opens")->required();
    sim->add_option("--netns", s.netns, "Serve the network side in this named network namespace (ip netns add NAME)");
    sim->add_flag("--user-space", s.user_space,
                  "Serve the network in user space even as root (no TUN): ping and a TCP echo service");
    sim->add_option("--tcp-port", s.sim.tcp_port, "TCP port of the user-space network's echo service")->capture_default_str();
    sim->add_option("--address", address, "Address given to the client")->default_str("10.18.14.216");
    sim->add_option("--dns1", dns1, "Primary DNS given to the client ('' for none)")->default_str("221.6.4.66");
    sim->add_option("--dns2", dns2, "Secondary DNS given to the client ('' for none)")->default_str("58.240.57.33");
    sim->add_option("--auth", auth, "Authentication the network asks for: chap, pap, none")->default_str("chap");
    sim->add_option("--user", s.sim.user, "User name the network accepts")->capture_default_str();
    sim->add_option("--password", s.sim.password, "Password the network accepts")->capture_default_str();
    sim->add_flag("--no-sim", no_sim, "Fault: no SIM card (+CME ERROR: 10)");
    sim->add_flag("--pin-required", pin, "Fault: the SIM wants its PIN");
    sim->add_flag("--not-registered", unregistered, "Fault: never registers on the network");
    sim->add_flag("--no-carrier", dial_no_carrier, "Fault: ATD*99# answers NO CARRIER");
    sim->add_flag("--cgdcont-error", cgdcont_error, "Fault: AT+CGDCONT answers ERROR");
    sim->add_flag("--auth-reject", s.sim.reject_auth, "Fault: authentication always fails");
    sim->add_option("--corrupt", s.sim.corrupt_rate, "Fault: probability of a bit error per byte sent")->check(CLI::Range(0.0, 1.0));
    sim->add_option("--drop", s.sim.drop_rate, "Fault: probability of losing a frame")->check(CLI::Range(0.0, 1.0));
    sim->add_option("--latency", latency_ms, "Fault: milliseconds added to everything sent")->check(CLI::Range(0.0, 60000.0));
    sim->add_option("--silence-after", silence, "Fault: fall silent N seconds after IP-up");
    sim->add_option("--terminate-after", terminate, "Fault: LCP Terminate-Request N seconds after IP-up");
    sim->add_option("--no-carrier-after", no_carrier, "Fault: drop the call (NO CARRIER) N seconds after IP-up");
    sim->add_option("--hangup-after", hangup, "Fault: close the pty N seconds after IP-up, and exit");
    sim->add_option_function<double>(
        "--renegotiate-after",
        [&s](double v) {
            if (!(v >= 0 && v <= 1e6)) throw CLI::ValidationError("--renegotiate-after", "use a number of seconds up to 1000000");
            s.sim.renegotiate_after = std::chrono::milliseconds(static_cast<long long>(v * 1000));
        },
        "Fault: the network renegotiates PPP (LCP Configure-Request while Opened) N seconds after IP-up, once per call");
    sim->add_option_function<std::string>(
        "--renegotiate-address",
        [&s](const std::string& text) {
            auto a = parse_ipv4(text);
            if (!a) throw CLI::ValidationError("--renegotiate-address", text + " is not an IPv4 address (like 10.18.14.217)");
            s.sim.renegotiate_address = *a;
        },
        "Address the network hands out after --renegotiate-after (default: --address + 1)");
    sim->add_option("--seed", s.sim.seed, "Seed for the fault randomness")->capture_default_str();
    sim->add_flag("--debug", s.sim.debug, "Log every PPP packet");
}

std::optional<Ipv4> optional_address(const std::string& text, const char* option, bool& bad, std::ostream& err) {
    if (text.empty()) return std::nullopt;
    auto a = parse_ipv4(text);
    if (!a) {
        err << "error: " << option << " " << text << " is not an IPv4 address (like 10.18.14.216)\n";
        bad = true;
    }
    return a;
}

Duration seconds_option(double s) { return std::chrono::milliseconds(static_cast<long long>(s * 1000)); }

// The longest fault time the simulator takes (about 11 days): any more does not fit a Duration
// once in milliseconds. NaN passes CLI::Range (every comparison with it is false), so it is
// refused here, with infinities and huge numbers (found by fuzz/cli: undefined behaviour in
// seconds_option).
constexpr double kMaxFaultSeconds = 1e6;

bool bad_number(double value, const char* option, double max, const char* range, std::ostream& err) {
    if (!std::isnan(value) && value <= max) return false;
    err << "error: " << option << " " << value << ": use " << range << "\n";
    return true;
}

void add_status(CLI::App& app, StatusCommandOptions& o) {
    auto* status = app.add_subcommand("status", "Show the running dialers: phase, addresses, DNS, traffic, signal, failures");
    status->footer("Exit status: 0 running, 1 not running (or its status file is stale: the dialer was killed)");
    status->add_option("name", o.name, "The instance: its --config name, or its interface (default: all)");
    status->add_flag("--json", o.json, "Print the status file's JSON (an array without NAME)");
    status->add_option("--state-dir", o.state_dir, "Where the dialers keep their status files")->capture_default_str();
}

void add_doctor(CLI::App& app, DoctorCommandOptions& o) {
    auto* doctor = app.add_subcommand("doctor", "Say what stands between this machine and a working dial, most urgent first");
    doctor->add_flag("--at", o.at, "Also ask the AT port: ATI, +CPIN?, +CSQ, +CGREG?, +QCFG=\"usbnet\" (only if nobody holds it)");
    doctor->add_option("--at-port", o.at_port, "The AT port for --at (default: the modem's interface 2)");
    doctor->add_flag("--qmi", o.qmi, "Also send one QMI CTL get-version request (only if nobody holds /dev/cdc-wdm0)");
    doctor->add_option("--timeout", o.timeout_ms, "Each probe's deadline in milliseconds")->capture_default_str();
    doctor->add_option("--root", o.root, "Read sys/, proc/, dev/ and var/lock under this directory")->capture_default_str();
    doctor->add_flag("--json", o.json, "Print JSON for machines");
}

}  // namespace

CommandLine parse_command_line(int argc, const char* const* argv, const char* env_password, std::ostream& out,
                               std::ostream& err) {
    CommandLine result;
    auto fail = [&result]() -> CommandLine& {
        result.command = CommandLine::Command::none;
        result.exit_code = exit_option_error;
        return result;
    };

    CLI::App app{"ec20ppp - PPP dialer for Quectel EC20-class LTE modems"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "ec20ppp 0.1.0");

    DialOptions& dial = result.dial;
    std::string dns_mode = "print", pdp = "IP", config;
    CLI::App* dial_command = add_dial(app, dial, dns_mode, pdp, config);
    InfoOptions& info = result.info;
    add_info(app, info);
    SimCommandOptions& sim = result.sim;
    std::string address = "10.18.14.216", dns1 = "221.6.4.66", dns2 = "58.240.57.33", auth = "chap";
    double latency_ms = 0, silence = -1, terminate = -1, hangup = -1, no_carrier = -1;
    bool no_sim = false, pin = false, unregistered = false, dial_no_carrier = false, cgdcont_error = false;
    add_sim(app, sim, address, dns1, dns2, auth, latency_ms, silence, terminate, hangup, no_carrier, no_sim, pin, unregistered,
            dial_no_carrier, cgdcont_error);
    add_doctor(app, result.doctor);
    add_status(app, result.status);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int r = app.exit(e, out, err);
        result.exit_code = r == 0 ? exit_ok : exit_option_error;
        return result;
    }

    if (app.got_subcommand("dial")) {
        // The file fills in what the command line left out, through the same option checks;
        // later errors about a value it set name its line.
        ConfigFile file;
        if (!config.empty()) {
            if (auto error = apply_config_file(*dial_command, config, file)) {
                err << "error: " << *error << "\n";
                return fail();
            }
            dial.config_name = file.name;
            if (file.password) dial.password = *file.password;
        }
        if (dns_mode == "none") dial.dns = DnsMode::none;
        else if (dns_mode == "print") dial.dns = DnsMode::print;
        else if (dns_mode == "resolv-conf") dial.dns = DnsMode::resolv_conf;
        else if (dns_mode.starts_with("resolv-conf=") && dns_mode.size() > 12) {
            dial.dns = DnsMode::resolv_conf;
            dial.resolv_conf = dns_mode.substr(12);
        } else {
            err << "error: " << file.attribute("--dns " + dns_mode + ": use none, print, resolv-conf or resolv-conf=FILE") << "\n";
            return fail();
        }
        dial.pdp = chat::parse_pdp_type(pdp).value();
        if (auto error = finish_dial_options(dial, env_password)) {
            err << "error: " << file.attribute(*error) << "\n";
            return fail();
        }
        result.command = CommandLine::Command::dial;
        return result;
    }
    if (app.got_subcommand("info")) {
        result.command = CommandLine::Command::info;
        return result;
    }

    if (app.got_subcommand("status")) {
        result.command = CommandLine::Command::status;
        return result;
    }

    if (app.got_subcommand("doctor")) {
        result.command = CommandLine::Command::doctor;
        return result;
    }

    // sim
    const char* probability = "a probability from 0 to 1";
    const char* seconds = "a number of seconds up to 1000000";
    bool bad = bad_number(sim.sim.corrupt_rate, "--corrupt", 1.0, probability, err) ||
               bad_number(sim.sim.drop_rate, "--drop", 1.0, probability, err) ||
               bad_number(latency_ms, "--latency", 60000.0, "0 to 60000 milliseconds", err) ||
               bad_number(silence, "--silence-after", kMaxFaultSeconds, seconds, err) ||
               bad_number(terminate, "--terminate-after", kMaxFaultSeconds, seconds, err) ||
               bad_number(hangup, "--hangup-after", kMaxFaultSeconds, seconds, err) ||
               bad_number(no_carrier, "--no-carrier-after", kMaxFaultSeconds, seconds, err);
    if (bad) return fail();
    auto client = optional_address(address, "--address", bad, err);
    sim.sim.plan.dns1 = optional_address(dns1, "--dns1", bad, err);
    sim.sim.plan.dns2 = optional_address(dns2, "--dns2", bad, err);
    if (bad) return fail();
    if (!client) {
        err << "error: --address is required: the address the network gives the client\n";
        return fail();
    }
    sim.sim.plan.client_address = *client;
    if (auth == "chap") sim.sim.plan.auth = lcp::AuthProtocol::chap_md5;
    else if (auth == "pap") sim.sim.plan.auth = lcp::AuthProtocol::pap;
    else if (auth == "none") sim.sim.plan.auth = lcp::AuthProtocol::none;
    else {
        err << "error: --auth " << auth << ": use chap, pap or none\n";
        return fail();
    }
    if (no_sim) sim.sim.modem.sim = sim::SimCard::Missing;
    if (pin) sim.sim.modem.sim = sim::SimCard::PinRequired;
    if (unregistered) sim.sim.modem.unregistered_queries.reset();
    if (dial_no_carrier) sim.sim.modem.dial = sim::DialResult::NoCarrier;
    sim.sim.modem.cgdcont_error = cgdcont_error;
    sim.sim.latency = seconds_option(latency_ms / 1000.0);
    if (silence >= 0) sim.sim.silence_after = seconds_option(silence);
    if (terminate >= 0) sim.sim.terminate_after = seconds_option(terminate);
    if (hangup >= 0) sim.sim.hangup_after = seconds_option(hangup);
    if (no_carrier >= 0) sim.sim.no_carrier_after = seconds_option(no_carrier);
    result.command = CommandLine::Command::sim;
    return result;
}

}  // namespace ec20ppp::app
