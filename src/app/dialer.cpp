#include "app/dialer.hpp"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <asio/write.hpp>
#include <fstream>
#include <sstream>

#include "app/exit_codes.hpp"
#include "chat/script_parser.hpp"
#include "ipcp/ipv6cp.hpp"

namespace ec20ppp::app {

namespace {

// SIGTERM must end the process within 3 s whatever the modem does: LCP gets this long to
// terminate politely, the rest is for the hang-up.
constexpr auto kTerminateBudget = std::chrono::milliseconds(800);
constexpr auto kHardStop = std::chrono::milliseconds(2800);
constexpr auto kIpUpTimeout = std::chrono::seconds(30);
constexpr auto kIpDownTimeout = std::chrono::seconds(1);

IpAddress to_ip(Ipv4 a) {
    return IpAddress::v4(static_cast<std::uint8_t>(a.value >> 24), static_cast<std::uint8_t>(a.value >> 16),
                         static_cast<std::uint8_t>(a.value >> 8), static_cast<std::uint8_t>(a.value));
}

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
    : io_(io), options_(std::move(options)), log_(log), timer_(io), shutdown_timer_(io), script_timer_(io),
      signals_(io, SIGINT, SIGTERM, SIGHUP) {}

Dialer::~Dialer() { teardown(); }

int Dialer::run() {
    signals_.async_wait([this](std::error_code ec, int signo) {
        if (!ec) on_signal(signo);
    });
    if (options_.pcap) {
        try {
            pcap_.open(*options_.pcap);
        } catch (const std::exception& e) {
            log_.error(e.what());
            return exit_option_error;
        }
    }
    if (!open_port()) return exit_code_;
    if (!start_chat()) return exit_code_;
    read_serial();
    io_.run();
    teardown();
    return exit_code_ < 0 ? exit_fatal : exit_code_;
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
    return true;
}

// --- serial I/O ------------------------------------------------------------------------------

void Dialer::read_serial() {
    if (!port_ || !port_->is_open()) return;
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
        link::LinkEvents events;
        ppp_->receive_bytes(data, now, events);
        handle_link(events);
    }
    rearm_timer();
}

void Dialer::on_serial_error(std::error_code ec) {
    // EOF/EIO: the tty went away (modem reset, USB re-enumeration) or the pty's other end closed.
    log_.error("Modem hangup: " + options_.device + " read failed (" + ec.message() + ")");
    if (port_) port_->close();
    if (ppp_ && ppp_->link().phase() != link::Phase::dead) {
        link::LinkEvents events;
        ppp_->link().lower_down(Clock::now(), events);
        handle_link(events);
    }
    finish(stage_ == Stage::chat ? exit_connect_failed : exit_hangup, "the modem hung up");
}

void Dialer::send_serial(Bytes bytes) {
    if (!port_ || !port_->is_open() || bytes.empty()) return;
    write_queue_.push_back(std::move(bytes));
    if (!writing_) write_next();
}

void Dialer::write_next() {
    if (write_queue_.empty() || !port_ || !port_->is_open()) {
        writing_ = false;
        return;
    }
    writing_ = true;
    // Batch what is queued into one write: fewer syscalls on a busy link.
    if (write_queue_.size() > 1) {
        Bytes joined;
        for (auto& b : write_queue_) joined.insert(joined.end(), b.begin(), b.end());
        write_queue_.clear();
        write_queue_.push_back(std::move(joined));
    }
    asio::async_write(port_->stream(), asio::buffer(write_queue_.front()), [this](std::error_code ec, std::size_t) {
        last_write_ = Clock::now();
        if (!write_queue_.empty()) write_queue_.pop_front();
        if (ec) {
            writing_ = false;
            if (ec != asio::error::operation_aborted) on_serial_error(ec);
            return;
        }
        write_next();
    });
}

// --- chat --------------------------------------------------------------------------------------

void Dialer::handle_chat(chat::ChatOutputs& out) {
    for (auto& event : out) {
        if (auto* send = std::get_if<chat::SendText>(&event)) {
            send_serial(Bytes(send->text.begin(), send->text.end()));
        } else if (auto* line = std::get_if<chat::Log>(&event)) {
            log_.info(line->line);
        } else if (auto* progress = std::get_if<chat::Progress>(&event)) {
            log_.notice(progress->message);
        } else if (std::holds_alternative<chat::Connected>(event) || std::holds_alternative<chat::Finished>(event)) {
            for (const auto& l : chat::describe(chat_->modem())) log_.notice(l);
            log_.notice("Serial connection established.");
            start_ppp(chat_->take_leftover());
            return;
        } else if (auto* aborted = std::get_if<chat::Aborted>(&event)) {
            for (const auto& l : chat::describe(chat_->modem())) log_.notice(l);
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

void Dialer::start_ppp(Bytes leftover) {
    stage_ = Stage::ppp;
    chat_.reset();
    ppp_ = std::make_unique<link::FramedLink>(link_config_for(options_), system_random);
    log_.notice("Connect: PPP <--> " + options_.device);
    link::LinkEvents events;
    const TimePoint now = Clock::now();
    ppp_->link().lower_up(now, events);
    if (!leftover.empty()) ppp_->receive_bytes(leftover, now, events);
    handle_link(events);
    rearm_timer();
}

void Dialer::handle_link(link::LinkEvents& events) {
    Bytes wire;
    for (auto& event : events) {
        if (auto* send = std::get_if<SendPacket>(&event)) {
            pcap_.write(true, send->protocol, send->packet);
            ppp_->encode(*send, wire);
        } else if (auto* line = std::get_if<LogLine>(&event)) {
            log_.log(*line);
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
            send_serial(std::move(wire));  // e.g. our Terminate-Ack: flushed by teardown()
            teardown();
            stop_loop();
            return;
        }
    }
    send_serial(std::move(wire));
}

void Dialer::rearm_timer() {
    std::optional<TimePoint> next;
    if (chat_) next = chat_->next_timeout();
    if (ppp_) next = earliest(next, ppp_->link().next_timeout());
    if (!next) {
        timer_.cancel();
        return;
    }
    timer_.expires_at(*next);
    timer_.async_wait([this](std::error_code ec) {
        if (!ec) on_timer();
    });
}

void Dialer::on_timer() {
    const TimePoint now = Clock::now();
    if (chat_ && stage_ == Stage::chat) {
        chat::ChatOutputs out;
        chat_->on_timeout(now, out);
        handle_chat(out);
    }
    if (ppp_) {
        link::LinkEvents events;
        ppp_->link().on_timeout(now, events);
        handle_link(events);
    }
    rearm_timer();
}

// --- the data plane and the host's network configuration ---------------------------------------

bool Dialer::ensure_tun() {
    if (tun_) return true;
    if (options_.data_plane == DataPlane::none) return false;
    try {
        tun_ = std::make_unique<TunDevice>(io_, options_.ifname);
        netlink_ = std::make_unique<Netlink>();
        net_config_ = std::make_unique<NetConfig>(*netlink_, [this](std::string_view l) { log_.info(l); });
        log_.notice("Using interface " + tun_->name());
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
            if (!ppp_ || packet.empty()) return;
            std::uint16_t protocol = (packet[0] >> 4) == 6 ? proto::ipv6 : proto::ip;
            link::LinkEvents events;
            ppp_->link().send_ip(protocol, packet, events);
            handle_link(events);
        },
        [this](std::error_code ec) { log_.error("reading " + tun_->name() + " failed: " + ec.message()); });
}

void Dialer::ipv4_up(const link::Ipv4Up& up) {
    ipv4_ = up;
    if (!ensure_tun()) {
        if (options_.data_plane == DataPlane::none) log_.notice("--data-plane none: not configuring any interface");
        if (options_.ping_count > 0 && options_.data_plane == DataPlane::none) finish(exit_ok, "done");
        return;
    }
    try {
        unsigned ifindex = tun_->ifindex();
        unsigned mtu = std::min<unsigned>(options_.mtu, ppp_->link().lcp_result().peer_mru);
        net_config_->set_mtu(ifindex, mtu);
        net_config_->add_ipv4_address(ifindex, to_ip(up.local), to_ip(up.remote));
        net_config_->set_link_up(ifindex);
        if (options_.default_route == DefaultRoute::replace) {
            net_config_->replace_default_route(Route::via_interface(AF_INET, ifindex));
        } else if (options_.default_route == DefaultRoute::add) {
            net_config_->add_default_route(Route::via_interface(AF_INET, ifindex, options_.route_metric));
        }
    } catch (const std::exception& e) {
        log_.error(std::string("configuring the interface failed: ") + e.what());
        finish(exit_fatal, e.what());
        return;
    }
    if (options_.dns == DnsMode::resolv_conf && (up.dns1 || up.dns2)) {
        std::vector<IpAddress> servers;
        if (up.dns1) servers.push_back(to_ip(*up.dns1));
        if (up.dns2) servers.push_back(to_ip(*up.dns2));
        try {
            resolv_conf_ = std::make_unique<ResolvConf>(options_.resolv_conf, [this](std::string_view l) { log_.info(l); });
            resolv_conf_->write(servers);
            log_.notice("wrote the DNS servers to " + options_.resolv_conf.string());
        } catch (const std::exception& e) {
            log_.error(e.what());
        }
    }
    run_script(options_.ip_up, "ip-up");
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
    if (!ensure_tun()) return;
    try {
        unsigned ifindex = tun_->ifindex();
        net_config_->set_link_up(ifindex);
        net_config_->add_ipv6_link_local(ifindex, ipv6_link_local(id_bytes(up.local_id)), ipv6_link_local(id_bytes(up.peer_id)));
    } catch (const std::exception& e) {
        log_.error(std::string("configuring IPv6 failed: ") + e.what());
    }
}

void Dialer::network_down() {
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
}

void Dialer::run_script(const std::optional<std::filesystem::path>& script, const char* what) {
    if (!script || !ipv4_) return;
    // pppd's arguments: interface-name tty-device speed local-IP remote-IP ipparam.
    std::string ifname = tun_ ? tun_->name() : "";
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
    if (was_ppp && ppp_ && ppp_->link().phase() != link::Phase::dead) {
        // LCP Terminate-Request; the LinkEnded event (or the budget) continues the teardown.
        link::LinkEvents events;
        ppp_->link().close(why.empty() ? "User request" : why, Clock::now(), events);
        handle_link(events);
        if (stage_ == Stage::done) return;
        timer_.expires_after(kTerminateBudget);
        timer_.async_wait([this](std::error_code ec) {
            if (ec || stage_ == Stage::done) return;
            if (ppp_) {
                link::LinkEvents down_events;
                ppp_->link().lower_down(Clock::now(), down_events);
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
    if (stage_ == Stage::done) return;
    stage_ = Stage::done;
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
        // times (V.250 §6.3.13, S12 = 1 s), then ATH. Bounded: at most about 2.2 s.
        log_.info("no DTR on " + options_.device + ": hanging up with +++ and ATH");
        auto say = [fd](std::string_view text) {
            ssize_t ignored = ::write(fd, text.data(), text.size());
            (void)ignored;
        };
        // The guard time before "+++" counts from our last write (often long past by now).
        const auto quiet = Clock::now() - last_write_;
        if (quiet < std::chrono::seconds(1))
            ::usleep(static_cast<useconds_t>(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::seconds(1) - quiet).count()));
        say("+++");
        ::usleep(1100000);
        say("ATH\r");
        ::usleep(100000);
    }
    port_->close();
}

void Dialer::flush_writes() {
    // What is still queued (a Terminate-Ack, a Terminate-Request) goes out before the hang-up;
    // bounded, since a stuck port must not hold up the exit.
    if (!port_ || !port_->is_open()) return;
    std::error_code ignored;
    port_->stream().cancel(ignored);
    const TimePoint give_up = Clock::now() + std::chrono::milliseconds(200);
    for (auto& chunk : write_queue_) {
        std::size_t done = 0;
        while (done < chunk.size() && Clock::now() < give_up) {
            ssize_t n = ::write(port_->fd(), chunk.data() + done, chunk.size() - done);
            if (n > 0) done += static_cast<std::size_t>(n);
            else if (n < 0 && errno != EAGAIN && errno != EINTR) break;
            else ::usleep(1000);
        }
    }
    write_queue_.clear();
    writing_ = false;
}

void Dialer::stop_loop() {
    timer_.cancel();
    shutdown_timer_.cancel();
    script_timer_.cancel();
    std::error_code ignored;
    signals_.cancel(ignored);
    io_.stop();
}

}  // namespace ec20ppp::app
