// `ec20ppp sim`: the simulated EC20 on the master side of a pty. The AT side answers like the
// real modem (src/sim); after CONNECT the network side of PPP is our own engine in the EC20's
// role (src/link presets); behind it, the network: as root a TUN of its own in a network
// namespace of its own, so the kernel answers ping and real tools serve; without root (or when the
// TUN cannot be made) a user-space endpoint on lwIP (src/netstack) at the gateway address that
// answers ICMP echo and serves TCP echo on one port. Fault options make it misbehave on purpose.
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <random>

#include "app/logger.hpp"
#include "link/framed_link.hpp"
#include "link/presets.hpp"
#include "netstack/user_space_network.hpp"
#include "sim/at_responder.hpp"
#include "tun/tun_device.hpp"

namespace ec20ppp::app {

struct SimOptions {
    sim::SimConfig modem;
    link::Ec20NetworkPlan plan;
    Ipv4 gateway{0x0a404040};  // the network side's own address: what the client assumes
    std::string user = "user", password = "passwd";  // the credentials the network accepts
    bool reject_auth = false;
    double corrupt_rate = 0;  // probability of a bit flip per byte sent to the host
    double drop_rate = 0;     // probability of losing a whole frame sent to the host
    Duration latency{0};
    std::optional<Duration> silence_after, terminate_after, hangup_after, no_carrier_after;
    // Fault: the network restarts PPP (an LCP Configure-Request while Opened, RFC 1661 §4.1
    // renegotiation) this long after IP-up, once per call, and then hands out this address
    // (unset: the previous one + 1).
    std::optional<Duration> renegotiate_after;
    std::optional<Ipv4> renegotiate_address;
    std::uint32_t seed = 1;
    bool kernel_network = true;  // a TUN in a namespace (root) instead of the user-space endpoint
    std::uint16_t tcp_port = 5001;  // the user-space endpoint's TCP echo service
    std::string ifname = "sim%d";
    bool debug = false;
};

class SimServer {
public:
    // Takes ownership of `master_fd`.
    SimServer(asio::io_context& io, int master_fd, SimOptions options, const Logger& log);
    ~SimServer();
    void start();
    // Set when the hang-up fault closed the pty: the program should end.
    bool hung_up() const { return hung_up_; }

private:
    void read_host();
    void on_host_bytes(ByteView bytes);
    void on_host_gone();
    void handle_at(sim::SimOutputs& out);
    void start_ppp();
    // A fresh network-side engine on the running call: its Configure-Request renegotiates.
    void restart_ppp();
    void handle_link(link::LinkEvents& events);
    // A datagram from the host to the network behind us (TUN or user space).
    void deliver(std::uint16_t protocol, ByteView packet, TimePoint now);
    // A datagram from the network to the host: framed onto write_batch_ when no fault needs the
    // frame on its own, else through to_host.
    void ip_to_host(std::uint16_t protocol, ByteView packet);
    void end_call(const std::string& why);
    void to_host(Bytes bytes, bool is_frame);
    void flush_delayed();
    void rearm_timer();
    void on_timer();
    void network_up(const link::Ipv4Up& up);
    void start_user_space_network(Ipv4 peer);
    void stop_network();

    asio::io_context& io_;
    asio::posix::stream_descriptor master_;
    SimOptions options_;
    const Logger& log_;
    sim::AtResponder at_;
    std::unique_ptr<link::FramedLink> ppp_;
    std::unique_ptr<TunDevice> tun_;
    std::unique_ptr<netstack::UserSpaceNetwork> user_space_;  // when there is no TUN
    std::array<std::uint8_t, 4096> buffer_{};
    asio::steady_timer timer_, retry_timer_, delay_timer_;
    std::optional<TimePoint> armed_deadline_;  // what timer_ waits for, when rearm_timer armed it
    std::deque<std::pair<TimePoint, Bytes>> delayed_;
    Bytes write_batch_;          // what the next flush writes, in one go (due frames, in order)
    bool flush_posted_ = false;  // a flush is queued for when the current handler returns
    std::mt19937 rng_;
    std::optional<TimePoint> running_since_;
    bool silent_ = false;
    bool terminated_ = false, dropped_ = false;  // faults already applied to this call
    bool renegotiated_ = false;                  // once per call (start_ppp), not per IP-up
    bool hung_up_ = false;
    bool host_present_ = true;
};

}  // namespace ec20ppp::app
