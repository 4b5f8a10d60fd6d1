#include "app/sim_server.hpp"

#include <unistd.h>

#include <asio/post.hpp>
#include <asio/write.hpp>

#include "netconf/net_config.hpp"
#include "netconf/netlink.hpp"

namespace ec20ppp::app {

SimServer::SimServer(asio::io_context& io, int master_fd, SimOptions options, const Logger& log)
    : io_(io), master_(io, master_fd), options_(std::move(options)), log_(log), at_(options_.modem), timer_(io),
      retry_timer_(io), delay_timer_(io), rng_(options_.seed) {
    options_.plan.secrets = [this](std::string_view name) -> std::optional<std::string> {
        if (options_.reject_auth || name != options_.user) return std::nullopt;
        return options_.password;
    };
}

SimServer::~SimServer() {
    std::error_code ignored;
    master_.close(ignored);
}

void SimServer::start() { read_host(); }

void SimServer::read_host() {
    if (!master_.is_open()) return;
    master_.async_read_some(asio::buffer(buffer_), [this](std::error_code ec, std::size_t n) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) {
            // EIO on a pty master: no process has the other side open (the dialer hung up or
            // has not opened it yet). Poll until one does.
            on_host_gone();
            retry_timer_.expires_after(std::chrono::milliseconds(50));
            retry_timer_.async_wait([this](std::error_code e) {
                if (!e) read_host();
            });
            return;
        }
        host_present_ = true;
        on_host_bytes(ByteView(buffer_.data(), n));
        read_host();
    });
}

void SimServer::on_host_gone() {
    if (!host_present_) return;
    host_present_ = false;
    delayed_.clear();
    write_batch_.clear();
    if (ppp_ || at_.call_active()) end_call("the host closed the port");
}

void SimServer::on_host_bytes(ByteView bytes) {
    const TimePoint now = Clock::now();
    if (ppp_ && !silent_ && at_.pass_through(bytes, now)) {
        // The data path: datagrams from the deframer's buffer to the TUN, no copy; control
        // packets through the link's events, each batch handled before the datagram after it.
        link::LinkEvents events;
        ByteView rest = bytes;
        while (auto ip = ppp_->next_packet(rest, now, events)) {
            if (!events.empty()) {
                handle_link(events);
                events.clear();
                if (!ppp_ || silent_) break;
            }
            deliver(ip->protocol, ip->packet, now);
        }
        if (!events.empty()) handle_link(events);
    } else {
        sim::SimOutputs out;
        at_.feed(bytes, now, out);
        handle_at(out);
    }
    rearm_timer();
}

void SimServer::deliver(std::uint16_t protocol, ByteView packet, TimePoint now) {
    if (tun_) tun_->write_packet(packet);
    else if (user_space_ && protocol == proto::ip) user_space_->input(packet, now);
}

void SimServer::ip_to_host(std::uint16_t protocol, ByteView packet) {
    if (!ppp_ || packet.empty() || silent_) return;
    if (options_.latency == Duration::zero() && options_.drop_rate <= 0 && options_.corrupt_rate <= 0) {
        // No fault to apply per frame: framed straight onto the batch the next flush writes.
        const std::size_t mark = write_batch_.size();
        if (ppp_->send_ip(protocol, packet, write_batch_) && !host_present_) write_batch_.resize(mark);
        return;
    }
    Bytes frame;
    if (ppp_->send_ip(protocol, packet, frame)) to_host(std::move(frame), true);
}

void SimServer::handle_at(sim::SimOutputs& out) {
    for (auto& event : out) {
        if (auto* send = std::get_if<sim::SendBytes>(&event)) {
            to_host(std::move(send->bytes), false);
        } else if (auto* line = std::get_if<sim::Log>(&event)) {
            log_.info(line->line);
        } else if (std::holds_alternative<sim::EnterDataMode>(event)) {
            log_.info("data mode: APN " + at_.apn());
            start_ppp();
        } else if (auto* data = std::get_if<sim::DataFromHost>(&event)) {
            if (ppp_ && !silent_) {
                link::LinkEvents events;
                ppp_->receive_bytes(data->bytes, Clock::now(), events);
                handle_link(events);
            }
        } else if (std::holds_alternative<sim::CallEnded>(event)) {
            if (ppp_) {
                log_.info("call ended by the host");
                ppp_.reset();
                stop_network();
                running_since_.reset();
            }
        }
    }
}

void SimServer::start_ppp() {
    silent_ = false;
    renegotiated_ = false;
    running_since_.reset();
    restart_ppp();
}

void SimServer::restart_ppp() {
    auto engine = std::make_shared<std::mt19937>(rng_());
    ppp_ = std::make_unique<link::FramedLink>(link::ec20_network_config(options_.plan),
                                              [engine](std::span<std::uint8_t> out) {
                                                  for (auto& b : out) b = static_cast<std::uint8_t>((*engine)());
                                              });
    link::LinkEvents events;
    ppp_->link().lower_up(Clock::now(), events);
    handle_link(events);
}

void SimServer::handle_link(link::LinkEvents& events) {
    for (auto& event : events) {
        if (auto* send = std::get_if<SendPacket>(&event)) {
            if (silent_) continue;
            Bytes frame;
            ppp_->encode(*send, frame);
            to_host(std::move(frame), true);
        } else if (auto* line = std::get_if<LogLine>(&event)) {
            log_.log(*line);
        } else if (auto* up = std::get_if<link::Ipv4Up>(&event)) {
            network_up(*up);
        } else if (auto* packet = std::get_if<link::DeliverPacket>(&event)) {
            deliver(packet->protocol, packet->packet, Clock::now());
        } else if (auto* ended = std::get_if<link::LinkEnded>(&event)) {
            log_.info("PPP ended: " + ended->detail);
            asio::post(io_, [this] { end_call("PPP ended"); });
            return;
        }
    }
}

void SimServer::end_call(const std::string& why) {
    if (!ppp_ && !at_.call_active()) return;
    log_.info("ending the call: " + why);
    ppp_.reset();
    stop_network();
    running_since_.reset();
    silent_ = false;
    sim::SimOutputs out;
    at_.hang_up(out);  // NO CARRIER, back to command mode
    handle_at(out);
}

void SimServer::to_host(Bytes bytes, bool is_frame) {
    if (!host_present_) return;  // nobody has the port open: the bytes would be lost anyway
    if (is_frame) {
        std::uniform_real_distribution<double> coin(0, 1);
        if (options_.drop_rate > 0 && coin(rng_) < options_.drop_rate) return;
        if (options_.corrupt_rate > 0) {
            for (auto& b : bytes)
                if (coin(rng_) < options_.corrupt_rate) b ^= static_cast<std::uint8_t>(1u << (rng_() % 8));
        }
    }
    if (options_.latency == Duration::zero()) {
        write_batch_.insert(write_batch_.end(), bytes.begin(), bytes.end());
    } else {
        delayed_.emplace_back(Clock::now() + options_.latency, std::move(bytes));
    }
    // Written once the current handler is done, together with whatever else it sends: one
    // write per batch of frames instead of one per frame.
    if (!flush_posted_) {
        flush_posted_ = true;
        asio::post(io_, [this] {
            flush_posted_ = false;
            flush_delayed();
        });
    }
}

void SimServer::flush_delayed() {
    const TimePoint now = Clock::now();
    // write_batch_ holds what is due already (frames without latency, in the order sent).
    while (!delayed_.empty() && delayed_.front().first <= now) {
        const Bytes& b = delayed_.front().second;
        write_batch_.insert(write_batch_.end(), b.begin(), b.end());
        delayed_.pop_front();
    }
    if (!write_batch_.empty()) {
        std::error_code ec;
        // Blocks while the pty is full (the host reads slower than we send): the simulator
        // then paces the network side as a real modem's buffer would.
        asio::write(master_, asio::buffer(write_batch_), ec);
        write_batch_.clear();  // keeps its capacity: no allocation per batch
    }
    if (!delayed_.empty()) {
        delay_timer_.expires_at(delayed_.front().first);
        delay_timer_.async_wait([this](std::error_code ec) {
            if (!ec) flush_delayed();
        });
    }
}

void SimServer::network_up(const link::Ipv4Up& up) {
    running_since_ = Clock::now();
    terminated_ = dropped_ = false;
    log_.notice("client is up: " + to_string(up.remote) + ", network side " + to_string(options_.gateway));
    stop_network();  // IPCP renegotiated: start the network side afresh for the new peer
    if (!options_.kernel_network) {
        start_user_space_network(up.remote);
        return;
    }
    try {
        tun_ = std::make_unique<TunDevice>(io_, options_.ifname);
        Netlink netlink;
        unsigned lo = Netlink::ifindex("lo");
        netlink.set_link_up(lo, true);
        netlink.set_mtu(tun_->ifindex(), 1500);
        InterfaceAddress address;
        address.ifindex = tun_->ifindex();
        address.local = IpAddress::v4(options_.gateway);
        address.peer = IpAddress::v4(up.remote);
        netlink.add_address(address);
        netlink.set_link_up(tun_->ifindex(), true);
        tun_->async_read_packets(
            [this](ByteView packet) {
                if (!packet.empty()) ip_to_host((packet[0] >> 4) == 6 ? proto::ipv6 : proto::ip, packet);
            },
            [this](std::error_code ec) { log_.warning("sim network: " + ec.message()); },
            // A wake-up's worth of datagrams leaves in one write.
            [this] { flush_delayed(); });
        log_.notice("network side: " + tun_->name() + " " + to_string(options_.gateway) + " peer " + to_string(up.remote));
    } catch (const std::exception& e) {
        log_.warning(std::string("no kernel network behind the simulator (") + e.what() + "); serving it in user space");
        tun_.reset();
        start_user_space_network(up.remote);
    }
}

void SimServer::start_user_space_network(Ipv4 peer) {
    netstack::UserSpaceNetworkConfig config;
    config.address = options_.gateway;
    config.peer = peer;
    config.echo_port = options_.tcp_port;
    try {
        // What the endpoint sends goes to the host like packets read from the TUN would. It runs
        // inside input()/poll(), which are only called with a call up (ppp_ set).
        user_space_ = std::make_unique<netstack::UserSpaceNetwork>(
            config,
            [this](ByteView packet) {
                if (!ppp_ || silent_) return;
                link::LinkEvents events;
                ppp_->link().send_ip(proto::ip, packet, events);
                handle_link(events);
            },
            Clock::now());
        log_.notice("network side: user space " + to_string(options_.gateway) + " peer " + to_string(peer) +
                    ": ICMP echo, TCP echo on port " + std::to_string(options_.tcp_port));
    } catch (const std::exception& e) {
        log_.warning(std::string("no network behind the simulator: ") + e.what());
    }
}

void SimServer::stop_network() {
    tun_.reset();
    user_space_.reset();
}

void SimServer::rearm_timer() {
    std::optional<TimePoint> next;
    if (ppp_) next = ppp_->link().next_timeout();
    next = earliest(next, at_.next_timeout());
    if (user_space_) next = earliest(next, user_space_->next_timeout());  // lwIP keeps timers 100 ms apart at most
    if (running_since_) {
        // Only faults still to come: a past deadline would spin the timer.
        const std::optional<Duration> pending[] = {silent_ ? std::nullopt : options_.silence_after,
                                                   terminated_ ? std::nullopt : options_.terminate_after,
                                                   options_.hangup_after,
                                                   dropped_ ? std::nullopt : options_.no_carrier_after,
                                                   renegotiated_ ? std::nullopt : options_.renegotiate_after};
        for (const auto& fault : pending)
            if (fault) next = earliest(next, *running_since_ + *fault);
    }
    if (!next) return;
    if (armed_deadline_ == next) return;  // unchanged: no timerfd_settime per packet
    armed_deadline_ = next;
    timer_.expires_at(*next);
    timer_.async_wait([this](std::error_code ec) {
        if (ec) return;
        armed_deadline_.reset();
        on_timer();
    });
}

void SimServer::on_timer() {
    const TimePoint now = Clock::now();
    sim::SimOutputs at_out;
    at_.on_timeout(now, at_out);
    handle_at(at_out);
    if (ppp_) {
        link::LinkEvents events;
        ppp_->link().on_timeout(now, events);
        handle_link(events);
    }
    if (user_space_) user_space_->poll(now);  // TCP retransmission, delayed ACKs, lwIP's housekeeping
    if (running_since_ && ppp_) {
        auto due = [&](const std::optional<Duration>& d) { return d && now >= *running_since_ + *d; };
        if (!silent_ && due(options_.silence_after)) {
            log_.notice("fault: falling silent");
            silent_ = true;
        }
        if (!terminated_ && due(options_.terminate_after)) {
            terminated_ = true;  // once per call: the next call is terminated again
            log_.notice("fault: the network terminates the link");
            link::LinkEvents events;
            ppp_->link().close("Network terminated the call", now, events);
            handle_link(events);
        }
        if (!dropped_ && due(options_.no_carrier_after)) {
            dropped_ = true;
            log_.notice("fault: the call drops (NO CARRIER)");
            end_call("radio link lost");
        }
        if (due(options_.hangup_after)) {
            log_.notice("fault: hanging up the pty");
            hung_up_ = true;
            ppp_.reset();
            stop_network();
            std::error_code ignored;
            armed_deadline_.reset();
            timer_.cancel();
            retry_timer_.cancel();
            delay_timer_.cancel();
            master_.close(ignored);
            io_.stop();
            return;
        }
        // Last: it resets running_since_, which the checks above read.
        if (running_since_ && ppp_ && !renegotiated_ && due(options_.renegotiate_after)) {
            renegotiated_ = true;
            const Ipv4 next = options_.renegotiate_address.value_or(Ipv4{options_.plan.client_address.value + 1});
            log_.notice("fault: the network renegotiates PPP, handing out " + to_string(next));
            options_.plan.client_address = next;
            // The new engine starts in Req-Sent with a Configure-Request: the host, Opened, takes
            // it as a renegotiation (this-layer-down, then LCP, CHAP and IPCP again).
            running_since_.reset();
            restart_ppp();
        }
    }
    rearm_timer();
}

}  // namespace ec20ppp::app
