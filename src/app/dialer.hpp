// `ec20ppp dial`: the run of one connection on one Asio event loop, in one thread. It joins the
// serial port, the AT chat, the PPP engine, the TUN data plane, the host's addresses, routes
// and DNS, scripts, timers and signals - what quectel-pppd.sh + chat + pppd did together.
#pragma once

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <memory>
#include <optional>

#include "app/child_process.hpp"
#include "app/dial_options.hpp"
#include "app/line_writer.hpp"
#include "app/logger.hpp"
#include "app/pcap_writer.hpp"
#include "app/pinger.hpp"
#include "app/status_reporter.hpp"
#include "app/state_file.hpp"
#include "chat/engine.hpp"
#include "link/framed_link.hpp"
#include "netconf/net_config.hpp"
#include "netconf/netlink.hpp"
#include "netconf/resolv_conf.hpp"
#include "pppdev/ppp_device.hpp"
#include "serial/serial_port.hpp"
#include "serial/uucp_lock.hpp"
#include "tun/tun_device.hpp"

namespace ec20ppp::app {

class Dialer {
public:
    Dialer(asio::io_context& io, DialOptions options, const Logger& log);
    ~Dialer();
    Dialer(const Dialer&) = delete;
    Dialer& operator=(const Dialer&) = delete;

    // Runs until the connection ends; returns pppd's exit status.
    int run();
    // Whether IP came up during the run (for --persist: a dropped connection is not a failure).
    bool was_up() const { return was_up_; }
    // Whether the run ended because of SIGINT/SIGTERM/SIGHUP.
    bool signalled() const { return signalled_; }
    // The status file (--state-dir/NAME.json) to keep up to date; it outlives the attempt.
    void set_status(StatusReporter* status) { status_ = status; }

private:
    enum class Stage { chat, ppp, closing, done };

    // Resolves --data-plane auto (and checks ppp) before the port is opened.
    bool choose_data_plane();
    bool open_port();
    bool start_chat();
    void read_serial();
    void on_serial_data(ByteView data);
    void on_serial_error(std::error_code ec);
    void handle_chat(chat::ChatOutputs& out);
    void start_ppp(Bytes leftover);
    // The kernel's data plane: N_PPP on the port, the channel and a pppN unit. False when it
    // could not be set up (then `auto` falls back to TUN; `ppp` ends the run).
    bool start_kernel_data_plane();
    // link_config_for(options_) with the Restart timers fitted to the modem's round trip.
    link::LinkConfig fitted_link_config();
    void on_kernel_packet(std::uint16_t protocol, ByteView info);
    // Hands what LCP negotiated (ACCM, PFC/ACFC, MRU) to ppp_async whenever LCP (re)opens.
    void sync_kernel_config();
    void on_line_gone(const std::string& why);
    void handle_link(link::LinkEvents& events);
    void rearm_timer();
    void on_timer();
    // The phase and, at most every --status-interval, the counters to the status file.
    void report_status(std::optional<TimePoint> now = std::nullopt);
    // The line's output (line_): frames are appended to line_batch() and written by
    // flush_serial(), once per batch — after a serial read's events, after a wake-up's worth of
    // TUN packets, after a timer's events.
    Bytes& line_batch();
    void send_serial(ByteView bytes);
    void flush_serial();

    void ipv4_up(const link::Ipv4Up& up);
    void ipv6_up(const link::Ipv6Up& up);
    void network_down();
    bool ensure_interface();
    std::string interface_name() const;
    unsigned interface_index() const;
    void start_tun_reading();
    void run_script(const std::optional<std::filesystem::path>& script, const char* what);
    // Rewrites the undo record in --state-dir after each change (removes it when nothing is left).
    void save_state();
    void reap_scripts();

    void on_signal(int signo);
    // Starts the end of the connection: LCP Terminate (bounded), then teardown and hang-up.
    void finish(int code, const std::string& why);
    void teardown();
    // After the loop ended: a stop signal Asio received but had not delivered yet.
    void collect_late_signal();
    void flush_writes();
    void hang_up_modem();
    void stop_loop();

    asio::io_context& io_;
    DialOptions options_;
    const Logger& log_;
    Stage stage_ = Stage::chat;
    int exit_code_ = -1;

    std::optional<UucpLock> lock_;
    std::unique_ptr<SerialPort> port_;
    std::array<std::uint8_t, 4096> read_buffer_{};
    std::optional<LineWriter> line_;  // with port_
    Bytes no_line_;                   // line_batch() before the port is open (never written)
    asio::steady_timer timer_;
    std::optional<TimePoint> armed_deadline_;  // what timer_ waits for, when rearm_timer armed it
    asio::steady_timer shutdown_timer_;
    asio::steady_timer budget_timer_;  // how long the Terminate-Request may take
    asio::steady_timer script_timer_;
    asio::signal_set signals_;

    std::unique_ptr<chat::ChatEngine> chat_;
    // The modem's slowest answer to AT / ATE0 in the chat, which sizes the PPP Restart timers.
    std::optional<TimePoint> chat_sent_at_;
    Duration modem_round_trip_{0};
    // The link controller: inside FramedLink (user-space framing, TUN) or on its own when the
    // kernel frames (/dev/ppp). link_ points at whichever runs.
    std::unique_ptr<link::FramedLink> ppp_;
    std::unique_ptr<link::Link> kernel_link_;
    link::Link* link_ = nullptr;
    DataPlane plane_ = DataPlane::tun;  // --data-plane with auto resolved
    std::unique_ptr<PppDevice> pppdev_;
    bool kernel_lcp_configured_ = false;
    PcapWriter pcap_;

    std::unique_ptr<TunDevice> tun_;
    std::unique_ptr<Netlink> netlink_;
    std::unique_ptr<NetConfig> net_config_;
    std::unique_ptr<ResolvConf> resolv_conf_;
    std::unique_ptr<StateDir> state_dir_;  // opened at the first change
    bool state_warned_ = false;
    std::optional<link::Ipv4Up> ipv4_;
    std::unique_ptr<Pinger> pinger_;
    std::vector<std::pair<std::unique_ptr<ChildProcess>, TimePoint>> scripts_;
    std::string peer_name_;
    bool was_up_ = false;
    bool signalled_ = false;
    StatusReporter* status_ = nullptr;
};

}  // namespace ec20ppp::app
