// The simulator's "network behind the modem" when it has no TUN (no root, or --user-space): a
// user-space IPv4 endpoint built on Debian's lwIP (liblwip-dev). It owns one point-to-point lwIP
// netif with the network side's address (the sim's gateway, 10.64.64.64) and:
//   - answers ICMP echo sent to that address (lwIP's own ICMP);
//   - serves TCP echo on one port (default 5001): every byte a client sends comes back on the same
//     connection, in order; when the client shuts down its sending side, the endpoint finishes
//     echoing what it has and closes too. Flow control is end to end: the endpoint only opens its
//     receive window as the echoed bytes fit into its send buffer, so a client that does not read
//     its echo is throttled instead of making the endpoint buffer without bound;
//   - answers anything else as a host would: RST for TCP to other ports, ICMP port unreachable for
//     UDP. Packets to other addresses are dropped (nothing is routed beyond this endpoint).
//
// Sans-IO like the rest of the protocol code: IP packets go in through input(), come out through
// the Output callback, and time is a value the caller passes in (input/poll take `now`;
// next_timeout() says when poll() is due). lwIP reads its clock through sys_now(), which this
// library defines to return the last `now` it was given, so tests drive lwIP's timers (TCP
// retransmission, delayed ACK) with fake time and the simulator with the steady clock.
//
// lwIP keeps its state in process globals, so at most one UserSpaceNetwork may exist at a time
// (the constructor throws std::logic_error otherwise), lwIP is initialised once per process, and
// every call must come from the same thread. Nothing else in the process may use lwIP: in
// particular nobody may start lwIP's tcpip thread (tcpip_init), which would turn on the core
// locking checks in Debian's build and make the calls made here abort.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/time.hpp"

namespace ec20ppp::netstack {

struct UserSpaceNetworkConfig {
    Ipv4 address{0x0a404040};      // the endpoint's own address: 10.64.64.64, the sim's gateway
    Ipv4 peer{};                   // the client at the far end of the PPP link (replies route to it)
    std::uint16_t echo_port = 5001;  // the TCP echo service
    std::uint16_t mtu = 1500;        // largest IP packet handed to Output; the TCP MSS follows (mtu - 40)
};

struct UserSpaceNetworkStats {
    std::uint64_t packets_in = 0;         // IPv4 packets given to lwIP
    std::uint64_t packets_out = 0;        // IP packets handed to Output
    std::uint64_t packets_refused = 0;    // not IPv4, malformed, or an address lwIP must not see
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_open = 0;   // echo connections not yet closed or reset
    std::uint64_t bytes_echoed = 0;       // bytes queued back to clients
};

class UserSpaceNetwork {
public:
    // Called with every IP packet the endpoint sends (the simulator hands them to PPP). Called
    // from inside input() and poll(), after lwIP has returned, so it may call input() again; it
    // must not destroy this object.
    using Output = std::function<void(ByteView ip_packet)>;

    // Throws std::logic_error if another instance exists, std::runtime_error if lwIP refuses the
    // interface or the listening socket.
    UserSpaceNetwork(const UserSpaceNetworkConfig& config, Output output, TimePoint now);
    // Resets every open echo connection without telling the peer (the link is going away).
    ~UserSpaceNetwork();
    UserSpaceNetwork(const UserSpaceNetwork&) = delete;
    UserSpaceNetwork& operator=(const UserSpaceNetwork&) = delete;

    // One IP packet from the link. IPv6 and malformed packets are counted and dropped.
    void input(ByteView ip_packet, TimePoint now);
    // Runs lwIP's timers that are due at `now`.
    void poll(TimePoint now);
    // When poll() is next due. lwIP keeps cyclic timers running (IGMP and MLD at 100 ms, ARP, ND6
    // and reassembly at 1 s), so this is never more than 100 ms ahead.
    std::optional<TimePoint> next_timeout() const;

    const UserSpaceNetworkStats& stats() const;
    const UserSpaceNetworkConfig& config() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ec20ppp::netstack
