// The link controller (RFC 1661 §3.2 phases): joins LCP, authentication, IPCP and IPV6CP into
// one PPP link, in either role:
//   - client: what `ec20ppp dial` is; authenticates itself and takes an address and DNS;
//   - network: what the simulated EC20 is; asks for CHAP, assigns the address and DNS.
// Sans-IO: packets and time in, LinkEvents out. It never sees a file descriptor or a clock.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "chap/auth_events.hpp"
#include "chap/chap.hpp"
#include "chap/pap.hpp"
#include "common/ip.hpp"
#include "common/log.hpp"
#include "common/packet.hpp"
#include "common/random.hpp"
#include "common/time.hpp"
#include "ipcp/ipcp.hpp"
#include "ipcp/ipv6cp.hpp"
#include "lcp/lcp.hpp"
#include "ppp/option_fsm.hpp"

namespace ec20ppp::link {

enum class Role : std::uint8_t { client, network };

// RFC 1661 §3.2, with "Running" for the network phase once an NCP is Opened.
enum class Phase : std::uint8_t { dead, establish, authenticate, network, running, terminate };
std::string_view to_string(Phase p);

// Why the link ended; the app maps these to pppd's exit codes.
enum class EndReason : std::uint8_t {
    none,
    local_request,           // we closed it (signal, hang-up)      pppd exit 5 / 0
    peer_terminated,         // the peer sent Terminate-Request      pppd exit 16 (modem hung up)
    negotiation_failed,      // LCP or the NCPs did not converge     pppd exit 10
    we_failed_auth,          // the peer rejected our credentials    pppd exit 19
    peer_failed_auth,        // the peer failed our authentication   pppd exit 11
    echo_timeout,            // no answer to LCP Echo-Requests       pppd exit 15
    looped_back,             // our magic number came back           pppd exit 17
    lower_layer_down,        // the serial line/carrier went away    pppd exit 16
};
std::string_view to_string(EndReason r);

struct LinkConfig {
    Role role = Role::client;
    lcp::LcpConfig lcp;
    ipcp::IpcpConfig ipcp;
    bool enable_ipcp = true;
    bool enable_ipv6cp = false;
    ipcp::Ipv6cpConfig ipv6cp;
    ppp::FsmConfig fsm;
    chap::AuthTimers auth_timers;
    // Client: the credentials we present (quectel-pppd.sh's defaults).
    std::string user = "user";
    std::string password = "passwd";
    // Network side: our CHAP name and the secrets we accept.
    std::string auth_name = "UMTS_CHAP_SRVR";
    chap::SecretLookup secrets;
    // Network side: the EC20 sends an LCP Discard-Request right after LCP opens.
    bool send_discard_after_open = false;
    // Keepalive (pppd's lcp-echo-interval / lcp-echo-failure); zero interval disables it. An
    // Echo-Request is sent only when nothing arrived during the interval.
    Duration echo_interval{0};
    int echo_failure = 4;
    // Network side: re-authenticate the peer this often (RFC 1994 §4.1); zero disables it.
    Duration rechallenge_interval{0};
};

// --- events -------------------------------------------------------------------------------
// IPCP reached Opened: the data plane can carry IPv4.
struct Ipv4Up {
    Ipv4 local{};
    Ipv4 remote{};
    bool remote_assumed = false;  // the peer gave none; 10.64.64.64 assumed as pppd does
    std::optional<Ipv4> dns1, dns2;
};
struct Ipv4Down {};
struct Ipv6Up {
    std::uint64_t local_id = 0;
    std::uint64_t peer_id = 0;
};
struct Ipv6Down {};
// Authentication outcome in either direction.
struct AuthResult {
    bool ok = false;
    bool we_were_authenticated = false;  // true: our credentials; false: the peer's
    std::string detail;                  // peer name on success, the reason on failure
};
// The link went back to Dead.
struct LinkEnded {
    EndReason reason = EndReason::none;
    std::string detail;
};
// An IP datagram from the peer for the data plane (protocol 0x0021 or 0x0057).
struct DeliverPacket {
    std::uint16_t protocol = 0;
    Bytes packet;
};

// A control packet (LCP, IPCP, IPV6CP, CHAP, PAP, ...) as it arrived from the peer, for captures
// (--pcap records both directions). Data packets are reported as DeliverPacket instead.
struct ControlReceived {
    std::uint16_t protocol = 0;
    Bytes packet;
};

using LinkEvent = std::variant<SendPacket, LogLine, Ipv4Up, Ipv4Down, Ipv6Up, Ipv6Down, AuthResult,
                               LinkEnded, DeliverPacket, ControlReceived>;
using LinkEvents = std::vector<LinkEvent>;

struct LinkStats {
    std::uint64_t packets_in = 0, packets_out = 0;  // IP datagrams
    std::uint64_t bytes_in = 0, bytes_out = 0;
    std::uint64_t dropped_not_running = 0;  // IP data while IPCP/IPV6CP was not Opened
    std::uint64_t protocol_rejects_sent = 0;
};

class Link {
public:
    Link(LinkConfig config, RandomSource random);
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    // The serial connection exists (CONNECT seen): RFC 1661 §3.2 Dead -> Establish.
    void lower_up(TimePoint now, LinkEvents& out);
    // Carrier lost / port gone: everything goes down without packets. `why` becomes the
    // LinkEnded detail.
    void lower_down(TimePoint now, LinkEvents& out, std::string_view why = "the serial line went down");
    // Administrative close: LCP Terminate-Request (RFC 1661 §3.2 Termination phase).
    void close(std::string_view reason, TimePoint now, LinkEvents& out);

    // One packet from the peer: the PPP Protocol field and the information field.
    void receive(std::uint16_t protocol, ByteView info, TimePoint now, LinkEvents& out);
    // An IP datagram from the data plane; false (and counted) when the NCP is not Opened, false
    // for an empty one.
    bool send_ip(std::uint16_t protocol, ByteView packet, LinkEvents& out);
    // The allocation-free data plane (FramedLink::next_packet / send_ip use these instead of
    // DeliverPacket and SendPacket, which copy each datagram into a Bytes):
    //  - take_ip: an IP datagram from the peer that the running NCP accepts is counted (and the
    //    keepalive told) and true returned: the caller delivers `info` itself. Anything else
    //    returns false untouched: pass it to receive(), which logs, drops or rejects it as usual.
    //  - accept_ip_out: what send_ip checks and counts, without emitting a SendPacket; true when
    //    the caller may frame and send the datagram itself.
    bool take_ip(std::uint16_t protocol, ByteView info, TimePoint now);
    bool accept_ip_out(std::uint16_t protocol, ByteView packet);

    std::optional<TimePoint> next_timeout() const;
    void on_timeout(TimePoint now, LinkEvents& out);

    Phase phase() const { return phase_; }
    Role role() const { return config_.role; }
    const LinkConfig& config() const { return config_; }
    const lcp::LcpResult& lcp_result() const { return lcp_handler_.result(); }
    bool lcp_opened() const { return lcp_.state() == ppp::FsmState::opened; }
    ppp::FsmState lcp_state() const { return lcp_.state(); }
    ppp::FsmState ipcp_state() const { return ipcp_.state(); }
    const LinkStats& stats() const { return stats_; }

    // pppd's readable text of any packet we send or receive (without "sent [" / "]").
    std::string describe(std::uint16_t protocol, ByteView info) const;

private:
    void run_lcp(ppp::FsmOutputs& fsm_out, TimePoint now, LinkEvents& out);
    void run_ncp(ppp::OptionFsm& fsm, ppp::FsmOutputs& fsm_out, TimePoint now, LinkEvents& out);
    void run_auth(chap::AuthOutputs& auth_out, bool we_are_authenticated, TimePoint now, LinkEvents& out);
    void emit_send(SendPacket packet, LinkEvents& out);
    void log(LogLevel level, std::string text, LinkEvents& out) const;

    void on_lcp_up(TimePoint now, LinkEvents& out);
    void on_lcp_down(TimePoint now, LinkEvents& out);
    void on_lcp_finished(LinkEvents& out);
    void start_authentication(TimePoint now, LinkEvents& out);
    void maybe_enter_network(TimePoint now, LinkEvents& out);
    void ncp_finished(TimePoint now, LinkEvents& out);
    void fail(EndReason reason, std::string detail, TimePoint now, LinkEvents& out);
    void reset_auth();
    void send_protocol_reject(std::uint16_t protocol, ByteView info, LinkEvents& out);
    void echo_tick(TimePoint now, LinkEvents& out);
    void send_echo(TimePoint now, LinkEvents& out);

    LinkConfig config_;
    RandomSource random_;
    lcp::LcpHandler lcp_handler_;
    ipcp::IpcpHandler ipcp_handler_;
    ipcp::Ipv6cpHandler ipv6cp_handler_;
    ppp::OptionFsm lcp_;
    ppp::OptionFsm ipcp_;
    ppp::OptionFsm ipv6cp_;

    std::unique_ptr<chap::ChapClient> chap_client_;
    std::unique_ptr<chap::PapClient> pap_client_;
    std::unique_ptr<chap::ChapAuthenticator> chap_server_;
    std::unique_ptr<chap::PapAuthenticator> pap_server_;
    bool we_must_authenticate_ = false, peer_must_authenticate_ = false;
    bool we_authenticated_ = false, peer_authenticated_ = false;

    Phase phase_ = Phase::dead;
    EndReason end_reason_ = EndReason::none;
    std::string end_detail_;
    bool ipv4_up_ = false, ipv6_up_ = false;

    // Keepalive state.
    std::optional<TimePoint> echo_deadline_;
    std::optional<TimePoint> rechallenge_deadline_;
    std::optional<TimePoint> last_received_;  // set while keepalive runs
    int echoes_outstanding_ = 0;
    std::uint8_t echo_id_ = 0;

    LinkStats stats_;
};

}  // namespace ec20ppp::link
