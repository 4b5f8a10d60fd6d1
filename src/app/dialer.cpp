#include "app/dialer.hpp"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "app/exit_codes.hpp"
#include "app/systemd_notify.hpp"
#include "chat/script_parser.hpp"
#include "hdlc/framer.hpp"
#include "ipcp/ipv6cp.hpp"
#include "link/presets.hpp"

namespace ec20ppp::app {

namespace {

// SIGTERM must end the process within 3 s whatever the modem does: LCP gets this long to
// terminate politely, the rest is for the hang-up.
constexpr auto kTerminateBudget = std::chrono::milliseconds(800);
constexpr auto kHardStop = std::chrono::milliseconds(2800);
constexpr auto kIpUpTimeout = std::chrono::seconds(30);
constexpr auto kIpDownTimeout = std::chrono::seconds(1);

// Flow control from the TUN to the serial line: reading from the TUN stops while this much waits
// for the tty and resumes once the tty has taken all but kLineLowWater of it. A pty or USB tty
// takes 4-8 KiB per write(2), so 32 KiB keeps it busy across several writes, while an outgoing
// flood the line cannot carry stays in the kernel's queue (txqueuelen), not in our heap: without
// this both line buffers grew to 1.5 MiB each in bench/e2e.sh's upload.
constexpr std::size_t kLineHighWater = 32 * 1024;
constexpr std::size_t kLineLowWater = 8 * 1024;

std::array<std::uint8_t, 8> id_bytes(std::uint64_t id) {
    std::array<std::uint8_t, 8> b{};
    for (int i = 0; i < 8; ++i) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(id >> (56 - 8 * i));
    return b;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Randomness for magic numbers and identifiers: the kernel's.
void system_random(std::span<std::uint8_t> out) {
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    urandom.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
}

}  // namespace

Dialer::Dialer(asio::io_context& io, DialOptions options, const Logger& log)
    : io_(io), options_(std::move(options)), log_(log), timer_(io), shutdown_timer_(io), budget_timer_(io), script_timer_(io),
      signals_(io, SIGINT, SIGTERM, SIGHUP) {}

Dialer::~Dialer() { teardown(); }

int Dialer::run() {
    signals_.async_wait([this](std::error_code ec, int signo) {
        if (!ec) on_signal(signo);
    });
    if (options_.pcap) {
        try {
            pcap_.open(*options_.pcap);
            log_.warning("--pcap " + options_.pcap->string() +
                         " records every packet, including the CHAP exchange (a hash an attacker can try passwords "
                         "against) and PAP's password in clear: keep the file private");
        } catch (const std::exception& e) {
            log_.error(e.what());
            return exit_option_error;
        }
    }
    if (choose_data_plane() && open_port() && start_chat()) {
        read_serial();
        io_.run();
    }
    teardown();
    collect_late_signal();
    return exit_code_ < 0 ? exit_fatal : exit_code_;
}

void Dialer::collect_late_signal() {
    // A signal that reached Asio's signal pipe while a handler was ending the attempt is still
    // unread there (io_.stop() came first) and would be lost with this io_context: under
    // --persist the next attempt would start and the SIGTERM be ignored. One non-blocking look.
    if (signalled_) return;
    int late = 0;
    signals_.async_wait([&late](std::error_code ec, int signo) {
        if (!ec) late = signo;
    });
    io_.restart();
    io_.poll();
    std::error_code ignored;
    signals_.cancel(ignored);
    io_.poll();  // completes the cancelled wait, which refers to `late`
    if (late == 0) return;
    log_.notice("Terminating on signal " + std::to_string(late));
    signalled_ = true;
    exit_code_ = exit_user_request;
}

bool Dialer::choose_data_plane() {
    plane_ = options_.data_plane;
    if (plane_ != DataPlane::ppp && plane_ != DataPlane::automatic) return true;
    auto why_not = PppDevice::probe();
    if (plane_ == DataPlane::automatic) {
        plane_ = why_not ? DataPlane::tun : DataPlane::ppp;
        log_.notice(why_not ? "data plane: tun (no kernel PPP: " + *why_not + ")" : "data plane: ppp (/dev/ppp works: the kernel frames IP)");
        return true;
    }
    if (why_not) {
        log_.error("--data-plane ppp: " + *why_not + "; this kernel needs CONFIG_PPP and ppp_async, or use --data-plane tun");
        exit_code_ = ::geteuid() == 0 ? exit_fatal : exit_not_root;
        return false;
    }
    log_.notice("data plane: ppp (the kernel frames IP)");
    return true;
}

bool Dialer::open_port() {
    try {
        UucpLockOptions lock_options;
        lock_options.lock_dir = options_.lock_dir;
        lock_options.log = [this](std::string_view line) { log_.info(line); };
        lock_.emplace(options_.device, lock_options);
    } catch (const std::exception& e) {
        log_.error(e.what());
        exit_code_ = exit_lock_failed;
        return false;
    }
    try {
        port_ = std::make_unique<SerialPort>(io_, options_.device, options_.baud);
        line_.emplace(port_->stream(), [this](std::error_code ec) { on_serial_error(ec); });
    } catch (const std::exception& e) {
        log_.error(e.what());
        exit_code_ = exit_open_failed;
        return false;
    }
    // Stale modem output (an old echo, a URC) must not be taken for an answer.
    port_->flush();
    port_->set_dtr(true);
    log_.info("using " + options_.device + " at " + std::to_string(options_.baud) + " baud");
    return true;
}

bool Dialer::start_chat() {
    std::optional<chat::Script> script;
    if (options_.chat_script) {
        auto parsed = chat::parse_chat_script(read_file(*options_.chat_script));
        if (!parsed) {
            log_.error("--chat-script " + options_.chat_script->string() + ":" + parsed.error().to_string());
            exit_code_ = exit_option_error;
            return false;
        }
        script = parsed.value();
    } else {
        chat::DialOptions dial;
        dial.apn = options_.apn;
        dial.pdp = options_.pdp;
        dial.step_timeout = options_.chat_timeout;
        dial.registration_timeout = options_.registration_wait;
        auto built = chat::build_default_script(dial);
        if (!built) {
            log_.error(built.error().to_string());
            exit_code_ = exit_option_error;
            return false;
        }
        script = built.value();
    }
    chat_ = std::make_unique<chat::ChatEngine>(std::move(*script));
    chat::ChatOutputs out;
    chat_->start(Clock::now(), out);
    handle_chat(out);
    rearm_timer();
    report_status();
    return true;
}

// --- serial I/O ------------------------------------------------------------------------------

void Dialer::read_serial() {
    // Once ppp_async owns the line there is nothing to read from the tty itself.
    if (!port_ || !port_->is_open() || pppdev_) return;
    port_->stream().async_read_some(asio::buffer(read_buffer_), [this](std::error_code ec, std::size_t n) {
        if (ec) {
            if (ec != asio::error::operation_aborted) on_serial_error(ec);
            return;
        }
        on_serial_data(ByteView(read_buffer_.data(), n));
        read_serial();
    });
}

void Dialer::on_serial_data(ByteView data) {
    const TimePoint now = Clock::now();
    if (stage_ == Stage::chat && chat_) {
        chat::ChatOutputs out;
        chat_->feed(data, now, out);
        handle_chat(out);
    } else if ((stage_ == Stage::ppp || stage_ == Stage::closing) && ppp_) {
        // (With N_PPP on the port the kernel takes every byte: nothing arrives here.)
        // IP datagrams go from the deframer's buffer to the TUN without a copy; the control
        // packets between them go through the link's events, handled before the datagram that
        // follows them so that the order (the capture's, the link's) is the line's.
        link::LinkEvents events;  // stays empty, and unallocated, while only IP arrives
        ByteView rest = data;
        while (auto ip = ppp_->next_packet(rest, now, events)) {
            if (!events.empty()) {
                handle_link(events);
                events.clear();
                if (stage_ == Stage::done || !ppp_) return;
            }
            pcap_.write(false, ip->protocol, ip->packet);
            if (tun_) tun_->write_packet(ip->packet);
        }
        if (!events.empty()) {
            handle_link(events);
        } else {
            report_status(now);
        }
    }
    rearm_timer();
}

void Dialer::on_serial_error(std::error_code ec) {
    // EOF/EIO: the tty went away (modem reset, USB re-enumeration) or the pty's other end closed.
    on_line_gone(options_.device + " read failed (" + ec.message() + ")");
}

void Dialer::on_line_gone(const std::string& why) {
    if (stage_ == Stage::done) return;
    log_.error("Modem hangup: " + why);
    // The kernel's channel and unit go first: the tty must be back in N_TTY before it closes.
    if (pppdev_) pppdev_->close();
    if (port_) port_->close();
    if (link_ && link_->phase() != link::Phase::dead) {
        link::LinkEvents events;
        link_->lower_down(Clock::now(), events);
        handle_link(events);
    }
    finish(stage_ == Stage::chat ? exit_connect_failed : exit_hangup, "the modem hung up");
}

Bytes& Dialer::line_batch() {
    if (line_) return line_->batch();
    no_line_.clear();
    return no_line_;
}

void Dialer::send_serial(ByteView bytes) {
    if (!line_) return;
    line_->batch().insert(line_->batch().end(), bytes.begin(), bytes.end());
    flush_serial();
}

void Dialer::flush_serial() {
    if (!line_) return;
    if (pppdev_) {
        line_->discard();  // ppp_async writes the line now
        return;
    }
    line_->flush();
}

// --- chat --------------------------------------------------------------------------------------

void Dialer::handle_chat(chat::ChatOutputs& out) {
    for (auto& event : out) {
        if (auto* send = std::get_if<chat::SendText>(&event)) {
            send_serial(ByteView(reinterpret_cast<const std::uint8_t*>(send->text.data()), send->text.size()));
            // How long the modem takes to answer, for the PPP timers: timed on the commands it
            // answers at once (AT, ATE0), not on queries that wait for the SIM or the network
            // (+COPS?, the dial) nor across a retry (the late answer to an earlier AT).
            const bool plain = send->text == "AT\r" || send->text == "ATE0\r";
            chat_sent_at_ = plain && !chat_sent_at_ ? std::optional<TimePoint>(Clock::now()) : std::nullopt;
        } else if (std::holds_alternative<chat::Matched>(event)) {
            if (chat_sent_at_)
                modem_round_trip_ = std::max(modem_round_trip_, std::chrono::duration_cast<Duration>(Clock::now() - *chat_sent_at_));
            chat_sent_at_.reset();
        } else if (auto* line = std::get_if<chat::Log>(&event)) {
            log_.info(line->line);
        } else if (auto* progress = std::get_if<chat::Progress>(&event)) {
            log_.notice(progress->message);
        } else if (std::holds_alternative<chat::Connected>(event) || std::holds_alternative<chat::Finished>(event)) {
            for (const auto& l : chat::describe(chat_->modem())) log_.notice(l);
            if (status_) status_->modem(chat_->modem());
            log_.notice("Serial connection established.");
            start_ppp(chat_->take_leftover());
            return;
        } else if (auto* aborted = std::get_if<chat::Aborted>(&event)) {
            for (const auto& l : chat::describe(chat_->modem())) log_.notice(l);
            if (status_) status_->modem(chat_->modem());
            log_.error("Connect script failed: " + aborted->message);
            finish(exit_connect_failed, aborted->message);
            return;
        } else if (auto* timed_out = std::get_if<chat::TimedOut>(&event)) {
            log_.error("Connect script failed: " + timed_out->message);
            finish(exit_connect_failed, timed_out->message);
            return;
        }
    }
}

// --- PPP ---------------------------------------------------------------------------------------

link::LinkConfig Dialer::fitted_link_config() {
    link::LinkConfig config = link_config_for(options_);
    link::fit_restart_timers_to_round_trip(config, modem_round_trip_);
    log_.debug("the modem answered the chat within " +
               std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(modem_round_trip_).count()) +
               " ms: first Configure-Request timeout " +
               std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(config.fsm.initial_restart_interval).count()) +
               " ms");
    return config;
}

void Dialer::start_ppp(Bytes leftover) {
    stage_ = Stage::ppp;
    chat_.reset();
    link::LinkEvents events;
    if (plane_ == DataPlane::ppp) {
        if (!start_kernel_data_plane()) {
            if (stage_ != Stage::ppp) return;  // --data-plane ppp: the run ends
        } else {
            kernel_link_ = std::make_unique<link::Link>(fitted_link_config(), system_random);
            link_ = kernel_link_.get();
            log_.notice("Connect: " + pppdev_->name() + " <--> " + options_.device);
            const TimePoint now = Clock::now();
            link_->lower_up(now, events);
            // Frames that arrived together with CONNECT, before ppp_async took the line over
            // (typically the peer's first Configure-Request): unframe them here.
            hdlc::Deframer deframer;
            ByteView rest(leftover);
            while (auto frame = deframer.next_frame(rest)) {
                link_->receive(frame->protocol, frame->info, now, events);
            }
            handle_link(events);
            rearm_timer();
            return;
        }
    }
    ppp_ = std::make_unique<link::FramedLink>(fitted_link_config(), system_random);
    link_ = &ppp_->link();
    log_.notice("Connect: PPP <--> " + options_.device);
    const TimePoint now = Clock::now();
    link_->lower_up(now, events);
    if (!leftover.empty()) ppp_->receive_bytes(leftover, now, events);
    handle_link(events);
    rearm_timer();
}

bool Dialer::start_kernel_data_plane() {
    // No read may be pending on the tty while its line discipline changes.
    std::error_code ignored;
    port_->stream().cancel(ignored);
    try {
        pppdev_ = std::make_unique<PppDevice>(io_, port_->fd(), options_.ifname);
        netlink_ = std::make_unique<Netlink>();
        net_config_ = std::make_unique<NetConfig>(*netlink_, [this](std::string_view l) { log_.info(l); });
    } catch (const std::exception& e) {
        pppdev_.reset();
        net_config_.reset();
        netlink_.reset();
        if (options_.data_plane == DataPlane::automatic) {
            log_.warning(std::string("the kernel's PPP data plane could not start (") + e.what() + "): using tun");
            plane_ = DataPlane::tun;
            return false;
        }
        log_.error(std::string("--data-plane ppp: ") + e.what());
        finish(::geteuid() == 0 ? exit_fatal : exit_not_root, e.what());
        return false;
    }
    log_.notice("Using interface " + pppdev_->name());
    kernel_lcp_configured_ = false;
    pppdev_->async_read_packets([this](std::uint16_t protocol, ByteView info) { on_kernel_packet(protocol, info); },
                                [this](std::error_code ec) { on_line_gone("the PPP channel ended (" + ec.message() + ")"); });
    return true;
}

void Dialer::on_kernel_packet(std::uint16_t protocol, ByteView info) {
    if (!link_ || (stage_ != Stage::ppp && stage_ != Stage::closing)) return;
    link::LinkEvents events;  // the capture records it from the link's ControlReceived event
    link_->receive(protocol, info, Clock::now(), events);
    handle_link(events);
    rearm_timer();
}

void Dialer::sync_kernel_config() {
    if (!pppdev_ || !link_) return;
    const bool opened = link_->lcp_opened();
    if (opened == kernel_lcp_configured_) return;
    kernel_lcp_configured_ = opened;
    try {
        if (opened) {
            const auto& r = link_->lcp_result();
            pppdev_->set_tx_config(r.tx_accm, r.tx_pfc, r.tx_acfc);
            pppdev_->set_rx_config(r.rx_accm, r.our_mru);
        } else {
            // RFC 1662 §7.1: back to the defaults while LCP renegotiates.
            pppdev_->set_tx_config(0xffffffff, false, false);
            pppdev_->set_rx_config(0xffffffff, 1500);
        }
    } catch (const std::exception& e) {
        log_.warning(std::string("configuring ppp_async: ") + e.what());
    }
}

void Dialer::handle_link(link::LinkEvents& events) {
    Bytes& wire = line_batch();  // frames go straight behind what already waits for the line
    for (auto& event : events) {
        if (auto* send = std::get_if<SendPacket>(&event)) {
            pcap_.write(true, send->protocol, send->packet);
            if (ppp_) {
                ppp_->encode(*send, wire);
            } else if (pppdev_ && !pppdev_->send(send->protocol, send->packet)) {
                log_.debug("the kernel did not take a packet for " + pppdev_->name() + ": " +
                           std::strerror(pppdev_->stats().last_write_error));
            }
        } else if (auto* line = std::get_if<LogLine>(&event)) {
            log_.log(*line);
        } else if (auto* received = std::get_if<link::ControlReceived>(&event)) {
            pcap_.write(false, received->protocol, received->packet);
        } else if (auto* deliver = std::get_if<link::DeliverPacket>(&event)) {
            pcap_.write(false, deliver->protocol, deliver->packet);
            if (tun_) tun_->write_packet(deliver->packet);
        } else if (auto* up = std::get_if<link::Ipv4Up>(&event)) {
            ipv4_up(*up);
        } else if (auto* up6 = std::get_if<link::Ipv6Up>(&event)) {
            ipv6_up(*up6);
        } else if (std::holds_alternative<link::Ipv4Down>(event) || std::holds_alternative<link::Ipv6Down>(event)) {
            network_down();
        } else if (auto* auth = std::get_if<link::AuthResult>(&event)) {
            if (auth->ok && auth->we_were_authenticated) peer_name_ = auth->detail;
        } else if (auto* ended = std::get_if<link::LinkEnded>(&event)) {
            int code = exit_code_for(ended->reason);
            if (ended->reason == link::EndReason::local_request && exit_code_ >= 0) code = exit_code_;
            log_.notice("Connection terminated: " + (ended->detail.empty() ? std::string(to_string(ended->reason)) : ended->detail));
            if (exit_code_ < 0) exit_code_ = code;
            flush_serial();  // e.g. our Terminate-Ack: what the line does not take now, teardown() flushes
            teardown();
            stop_loop();
            return;
        }
    }
    flush_serial();
    sync_kernel_config();
    report_status();
}

void Dialer::report_status(std::optional<TimePoint> now) {
    if (!status_ || stage_ == Stage::done) return;
    if (stage_ == Stage::chat) status_->phase("dialing");
    else if (stage_ == Stage::closing) status_->phase("terminate");
    else if (link_) status_->phase(status_phase(link_->phase()));
    // Traffic and the echo timer both pass here: no wakeup of its own.
    status_->traffic(now ? *now : Clock::now());
}

void Dialer::rearm_timer() {
    std::optional<TimePoint> next;
    if (chat_) next = chat_->next_timeout();
    if (link_) next = earliest(next, link_->next_timeout());
    if (!next) {
        armed_deadline_.reset();
        timer_.cancel();
        return;
    }
    // Most events leave the deadline as it was: re-arming anyway costs a timerfd_settime per
    // packet on a busy link.
    if (armed_deadline_ == next) return;
    armed_deadline_ = next;
    timer_.expires_at(*next);
    timer_.async_wait([this](std::error_code ec) {
        if (ec) return;
        armed_deadline_.reset();
        on_timer();
    });
}

void Dialer::on_timer() {
    const TimePoint now = Clock::now();
    if (chat_ && stage_ == Stage::chat) {
        chat::ChatOutputs out;
        chat_->on_timeout(now, out);
        handle_chat(out);
    }
    if (link_) {
        link::LinkEvents events;
        link_->on_timeout(now, events);
        handle_link(events);
    }
    rearm_timer();
}

// --- the data plane and the host's network configuration ---------------------------------------

std::string Dialer::interface_name() const {
    if (tun_) return tun_->name();
    if (pppdev_) return pppdev_->name();
    return "";
}

unsigned Dialer::interface_index() const { return tun_ ? tun_->ifindex() : pppdev_ ? pppdev_->ifindex() : 0; }

bool Dialer::ensure_interface() {
    if (tun_ || (pppdev_ && net_config_)) return true;
    if (plane_ != DataPlane::tun) return false;
    try {
        tun_ = std::make_unique<TunDevice>(io_, options_.ifname);
        netlink_ = std::make_unique<Netlink>();
        net_config_ = std::make_unique<NetConfig>(*netlink_, [this](std::string_view l) { log_.info(l); });
        log_.notice("Using interface " + tun_->name());
        // IPv6 on this interface only as IPV6CP negotiates it (Netlink::disable_ipv6_address_generation):
        // otherwise the kernel's own link-local address sends solicitations into a link that drops them.
        // A persistent TUN someone made with `ip tuntap add` outlives us: its settings stay theirs.
        if (!tun_->attached_to_persistent()) {
            try {
                netlink_->disable_ipv6_address_generation(tun_->ifindex());
            } catch (const NetlinkError& e) {
                log_.info(std::string(e.what()) + " (the kernel may add an IPv6 link-local address of its own)");
            }
        }
        start_tun_reading();
        return true;
    } catch (const std::exception& e) {
        log_.error(e.what());
        tun_.reset();
        finish(::geteuid() == 0 ? exit_fatal : exit_not_root, e.what());
        return false;
    }
}

void Dialer::start_tun_reading() {
    tun_->async_read_packets(
        [this](ByteView packet) {
            if (packet.empty()) return;
            const std::uint16_t protocol = (packet[0] >> 4) == 6 ? proto::ipv6 : proto::ip;
            if (ppp_) {
                // Framed straight onto the line's buffer; the whole wake-up's worth leaves in
                // one write when the batch ends.
                if (ppp_->send_ip(protocol, packet, line_batch())) pcap_.write(true, protocol, packet);
            } else if (link_) {
                link::LinkEvents events;
                link_->send_ip(protocol, packet, events);
                handle_link(events);
            }
            // More waiting for the tty than it takes in a few writes: leave the rest in the
            // kernel's queue until the line catches up (bounded memory under any flood).
            if (line_ && tun_ && line_->pending() >= kLineHighWater && !tun_->reading_paused()) {
                tun_->pause_reading();
                line_->when_drained_to(kLineLowWater, [this] {
                    if (tun_) tun_->resume_reading();
                });
            }
        },
        [this](std::error_code ec) { log_.error("reading " + tun_->name() + " failed: " + ec.message()); },
        [this] {
            flush_serial();
            report_status();
        });
}

void Dialer::ipv4_up(const link::Ipv4Up& up) {
    ipv4_ = up;
    was_up_ = true;
    if (!ensure_interface()) {
        if (options_.data_plane == DataPlane::none) log_.notice("--data-plane none: not configuring any interface");
        if (options_.ping_count > 0 && options_.data_plane == DataPlane::none) finish(exit_ok, "done");
        return;
    }
    try {
        unsigned ifindex = interface_index();
        unsigned mtu = std::min<unsigned>(options_.mtu, link_->lcp_result().peer_mru);
        net_config_->set_mtu(ifindex, mtu);
        save_state();
        net_config_->add_ipv4_address(ifindex, IpAddress::v4(up.local), IpAddress::v4(up.remote));
        save_state();
        net_config_->set_link_up(ifindex);
        save_state();
        if (options_.default_route == DefaultRoute::replace) {
            net_config_->replace_default_route(Route::via_interface(AF_INET, ifindex));
        } else if (options_.default_route == DefaultRoute::add) {
            net_config_->add_default_route(Route::via_interface(AF_INET, ifindex, options_.route_metric));
        }
        save_state();
    } catch (const std::exception& e) {
        save_state();
        log_.error(std::string("configuring the interface failed: ") + e.what());
        finish(exit_fatal, e.what());
        return;
    }
    if (options_.dns == DnsMode::resolv_conf && (up.dns1 || up.dns2)) {
        std::vector<IpAddress> servers;
        if (up.dns1) servers.push_back(IpAddress::v4(*up.dns1));
        if (up.dns2) servers.push_back(IpAddress::v4(*up.dns2));
        try {
            resolv_conf_ = std::make_unique<ResolvConf>(options_.resolv_conf, [this](std::string_view l) { log_.info(l); });
            resolv_conf_->write(servers);
            save_state();
            log_.notice("wrote the DNS servers to " + options_.resolv_conf.string());
        } catch (const std::exception& e) {
            log_.error(e.what());
        }
    }
    if (status_) status_->ip_up(interface_name(), interface_index(), *ipv4_);
    run_script(options_.ip_up, "ip-up");
    // ec20ppp@.service is Type=notify: it is started once the link is up, addressed and routed.
    if (auto error = tell_service_manager("READY=1\nSTATUS=online, local IP address " + to_string(up.local)); !error.empty()) log_.warning(error);
    if (options_.ping_count > 0 && !pinger_) {
        pinger_ = std::make_unique<Pinger>(io_, log_, up.remote, options_.ping_count, [this](unsigned answered) {
            bool all = answered == options_.ping_count;
            if (!all) log_.error("ping: " + std::to_string(answered) + " of " + std::to_string(options_.ping_count) + " answered");
            finish(all ? exit_ok : exit_fatal, "ping done");
        });
        pinger_->start();
    }
}

void Dialer::ipv6_up(const link::Ipv6Up& up) {
    if (!ensure_interface()) return;
    try {
        unsigned ifindex = interface_index();
        net_config_->set_link_up(ifindex);
        net_config_->add_ipv6_link_local(ifindex, ipv6_link_local(id_bytes(up.local_id)), ipv6_link_local(id_bytes(up.peer_id)));
        save_state();
    } catch (const std::exception& e) {
        save_state();
        log_.error(std::string("configuring IPv6 failed: ") + e.what());
    }
}

void Dialer::network_down() {
    if (status_) status_->ip_down();
    if (ipv4_) {
        run_script(options_.ip_down, "ip-down");
        ipv4_.reset();
    }
    if (pinger_) pinger_->stop();
    if (net_config_) {
        for (const auto& problem : net_config_->undo()) log_.warning(problem);
    }
    if (resolv_conf_) {
        resolv_conf_->restore();
        resolv_conf_.reset();
    }
    save_state();
}

void Dialer::save_state() {
    // What a SIGKILL now would leave behind, for the next `ec20ppp dial` to put back (run_dial).
    UndoRecord record = net_config_ ? net_config_->record() : UndoRecord{};
    if (resolv_conf_ && resolv_conf_->backup()) record.resolv_conf = resolv_conf_->backup();
    try {
        if (!state_dir_) {
            if (record.empty()) return;
            state_dir_ = std::make_unique<StateDir>(options_.state_dir);
        }
        UndoStateFile(*state_dir_, undo_file_name(options_.device)).save(std::move(record));
    } catch (const std::exception& e) {
        if (!state_warned_) {
            log_.warning(std::string(e.what()) + " (if ec20ppp is killed, the next start cannot undo its changes)");
        }
        state_warned_ = true;
    }
}

void Dialer::run_script(const std::optional<std::filesystem::path>& script, const char* what) {
    if (!script || !ipv4_) return;
    // pppd's arguments: interface-name tty-device speed local-IP remote-IP ipparam.
    std::string ifname = interface_name();
    std::vector<std::string> args = {ifname, options_.device, std::to_string(options_.baud), to_string(ipv4_->local),
                                     to_string(ipv4_->remote), options_.ipparam};
    std::vector<std::string> env = {"IFNAME=" + ifname, "DEVICE=" + options_.device,
                                    "SPEED=" + std::to_string(options_.baud), "IPLOCAL=" + to_string(ipv4_->local),
                                    "IPREMOTE=" + to_string(ipv4_->remote), "PEERNAME=" + peer_name_,
                                    "IPPARAM=" + options_.ipparam};
    if (ipv4_->dns1) env.push_back("DNS1=" + to_string(*ipv4_->dns1));
    if (ipv4_->dns2) env.push_back("DNS2=" + to_string(*ipv4_->dns2));
    if (ipv4_->dns1 || ipv4_->dns2) env.push_back("USEPEERDNS=1");
    try {
        auto child = std::make_unique<ChildProcess>(script->string(), args, env);
        log_.info(std::string("Script ") + script->string() + " started (pid " + std::to_string(child->pid()) + ")");
        bool is_down = std::string_view(what) == "ip-down";
        scripts_.emplace_back(std::move(child), Clock::now() + (is_down ? std::chrono::duration_cast<Duration>(kIpDownTimeout)
                                                                          : std::chrono::duration_cast<Duration>(kIpUpTimeout)));
        reap_scripts();
    } catch (const std::exception& e) {
        log_.error(std::string(what) + ": " + e.what());
    }
}

void Dialer::reap_scripts() {
    const TimePoint now = Clock::now();
    for (auto it = scripts_.begin(); it != scripts_.end();) {
        if (auto status = it->first->poll()) {
            log_.info("Script (pid " + std::to_string(it->first->pid()) + ") finished: " + ChildProcess::describe_status(*status));
            it = scripts_.erase(it);
        } else if (now >= it->second) {
            log_.warning("Script (pid " + std::to_string(it->first->pid()) + ") took too long: killed");
            it->first->kill_now();
            it = scripts_.erase(it);
        } else {
            ++it;
        }
    }
    if (!scripts_.empty()) {
        script_timer_.expires_after(std::chrono::milliseconds(20));
        script_timer_.async_wait([this](std::error_code ec) {
            if (!ec) reap_scripts();
        });
    }
}

// --- the end -----------------------------------------------------------------------------------

void Dialer::on_signal(int signo) {
    log_.notice(std::string("Terminating on signal ") + std::to_string(signo));
    signalled_ = true;
    finish(exit_user_request, "User request");
    // Another signal while closing: stop waiting for the modem at once.
    signals_.async_wait([this](std::error_code ec, int) {
        if (!ec) {
            teardown();
            stop_loop();
        }
    });
}

void Dialer::finish(int code, const std::string& why) {
    if (exit_code_ < 0) exit_code_ = code;
    if (stage_ == Stage::closing || stage_ == Stage::done) return;
    const bool was_ppp = stage_ == Stage::ppp;
    stage_ = Stage::closing;
    shutdown_timer_.expires_after(kHardStop);
    shutdown_timer_.async_wait([this](std::error_code ec) {
        if (ec) return;
        log_.warning("the modem did not finish in time; hanging up anyway");
        teardown();
        stop_loop();
    });
    if (was_ppp && link_ && link_->phase() != link::Phase::dead) {
        // LCP Terminate-Request; the LinkEnded event (or the budget) continues the teardown.
        link::LinkEvents events;
        link_->close(why.empty() ? "User request" : why, Clock::now(), events);
        handle_link(events);
        if (stage_ == Stage::done) return;
        // A timer of its own: the protocol timer is re-armed by every packet that still arrives.
        budget_timer_.expires_after(kTerminateBudget);
        budget_timer_.async_wait([this](std::error_code ec) {
            if (ec || stage_ == Stage::done) return;
            if (link_) {
                link::LinkEvents down_events;
                link_->lower_down(Clock::now(), down_events);
                handle_link(down_events);
            }
            teardown();
            stop_loop();
        });
        return;
    }
    teardown();
    stop_loop();
}

void Dialer::teardown() {
    // From here the attempt only ends and nobody waits on signals_ any more: a stop signal now
    // stays pending (blocked) instead of vanishing into the signal set, and run_dial unblocks it
    // where it can act on it (else --persist dialed again and ignored SIGTERM).
    sigset_t stop;
    sigemptyset(&stop);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop, s);
    ::sigprocmask(SIG_BLOCK, &stop, nullptr);
    if (stage_ == Stage::done) return;
    stage_ = Stage::done;
    armed_deadline_.reset();
    timer_.cancel();
    network_down();
    if (pinger_) pinger_->stop();
    // Let ip-down finish within its short budget, then no script outlives us.
    const TimePoint give_up = Clock::now() + kIpDownTimeout;
    while (!scripts_.empty() && Clock::now() < give_up) {
        for (auto it = scripts_.begin(); it != scripts_.end();) it = it->first->poll() ? scripts_.erase(it) : std::next(it);
        if (!scripts_.empty()) ::usleep(10000);
    }
    scripts_.clear();  // kills what is left
    if (tun_) {
        tun_->close();
        tun_.reset();
    }
    if (pppdev_) {
        // The unit (and pppN) goes away; the tty is back in N_TTY for the hang-up below.
        pppdev_->close();
        pppdev_.reset();
    }
    net_config_.reset();
    netlink_.reset();
    flush_writes();
    if (port_ && port_->is_open()) hang_up_modem();
    if (lock_) lock_->release();
    pcap_.close();
}

void Dialer::hang_up_modem() {
    const int fd = port_->fd();
    int lines = 0;
    struct stat st {};
    const bool modem_control = ::ioctl(fd, TIOCMGET, &lines) == 0;
    // UNIX 98 pty slaves are majors 136-143: closing one is the hang-up its master sees.
    const bool pty = ::fstat(fd, &st) == 0 && major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143;
    const bool use_dtr = options_.hangup == HangupMethod::dtr || (options_.hangup == HangupMethod::automatic && modem_control);
    const bool use_escape = options_.hangup == HangupMethod::escape || (options_.hangup == HangupMethod::automatic && !modem_control && !pty);
    if (use_dtr) {
        // Drop DTR: the EC20, told AT&D2 by the dial script, ends the call and returns to
        // command mode.
        try {
            port_->hangup(std::chrono::milliseconds(200));
        } catch (const std::exception& e) {
            log_.warning(e.what());
        }
    } else if (use_escape) {
        // No modem-control lines (some USB serial drivers): the escape sequence with its guard
        // times (V.250 §6.3.13, S12 = 1 s), then ATH. Bounded: at most about 2.3 s.
        log_.info("no DTR on " + options_.device + ": hanging up with +++ and ATH");
        auto say = [fd](std::string_view text) {
            ssize_t ignored = ::write(fd, text.data(), text.size());
            (void)ignored;
        };
        // The guard time before "+++" counts from our last write (often long past by now). The
        // modem times it from when it read that write, which is later than our write(2) returned,
        // so 100 ms on top: exactly 1 s from our side let a modem (the simulator, under load)
        // see 0.99 s of silence and take "+++" as data.
        const auto guard = std::chrono::milliseconds(1100);
        const auto quiet = Clock::now() - (line_ ? line_->last_write() : TimePoint{});
        if (quiet < guard)
            ::usleep(static_cast<useconds_t>(std::chrono::duration_cast<std::chrono::microseconds>(guard - quiet).count()));
        say("+++");
        ::usleep(1100000);
        say("ATH\r");
        ::usleep(100000);
    }
    port_->close();
}

void Dialer::flush_writes() {
    // What is still waiting (a Terminate-Ack, a Terminate-Request) goes out before the hang-up;
    // bounded, since a stuck port must not hold up the exit.
    if (!port_ || !port_->is_open() || !line_) return;
    std::error_code ignored;
    port_->stream().cancel(ignored);
    line_->drain(std::chrono::milliseconds(200));
}

void Dialer::stop_loop() {
    armed_deadline_.reset();
    timer_.cancel();
    shutdown_timer_.cancel();
    budget_timer_.cancel();
    script_timer_.cancel();
    std::error_code ignored;
    signals_.cancel(ignored);
    io_.stop();
}

}  // namespace ec20ppp::app
