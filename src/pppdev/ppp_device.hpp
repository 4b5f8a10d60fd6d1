// The kernel's PPP data plane, as pppd uses it: the serial line's line discipline becomes N_PPP
// (ppp_async does the RFC 1662 framing in the kernel), its PPP channel is attached through one
// /dev/ppp descriptor and a new PPP unit (the pppN interface) through another. IP packets then
// never leave the kernel; the control protocols (LCP, authentication, IPCP, IPV6CP) are read and
// written here as PPP packets: a 2-octet protocol field, then the information field (no address
// and control field, no FCS, no escaping). I/O adapter: uses Asio and syscalls.
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "common/bytes.hpp"

namespace ec20ppp {

// Setup failure; what() says what was wrong and what to do.
class PppDeviceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct PppDeviceStats {
    std::uint64_t packets_in = 0, packets_out = 0;  // control packets through us
    std::uint64_t writes_dropped = 0;               // the kernel refused or had no room
    int last_write_error = 0;                       // errno of the last refused write
};

class PppDevice {
public:
    // One control packet from the peer; the view is valid only during the call.
    using PacketHandler = std::function<void(std::uint16_t protocol, ByteView info)>;
    // Called once when the channel ends (the tty hung up) or reading fails.
    using ErrorHandler = std::function<void(std::error_code ec)>;

    // Whether this kernel offers the PPP data plane: nullopt if `device` opens, else why not.
    static std::optional<std::string> probe(const std::string& device = "/dev/ppp");

    // Puts `tty_fd` (still owned by the caller) into N_PPP, attaches its channel and a new unit
    // and connects them. `ifname`: a name for the interface, or a pattern with %d to keep the
    // kernel's pppN. Throws PppDeviceError; on failure the tty is back in N_TTY.
    PppDevice(asio::io_context& io, int tty_fd, const std::string& ifname = "ppp%d",
              const std::string& device = "/dev/ppp");
    ~PppDevice();
    PppDevice(const PppDevice&) = delete;
    PppDevice& operator=(const PppDevice&) = delete;

    const std::string& name() const { return name_; }
    unsigned ifindex() const { return ifindex_; }
    int unit() const { return unit_; }
    const PppDeviceStats& stats() const { return stats_; }

    // Reads control packets from the channel (LCP, PAP, CHAP) and the unit (IPCP, IPV6CP)
    // until close(); `on_error` when the line goes away.
    void async_read_packets(PacketHandler on_packet, ErrorHandler on_error);

    // Sends one control packet without blocking; false if the kernel did not take it (the
    // protocol's restart timer retransmits).
    bool send(std::uint16_t protocol, ByteView info);

    // What LCP negotiated. Transmit: the peer's ACCM and whether it takes compressed protocol
    // and address/control fields from us. Receive: our acknowledged ACCM and MRU.
    void set_tx_config(std::uint32_t accm, bool pfc, bool acfc);
    void set_rx_config(std::uint32_t accm, std::uint16_t mru);

    // Disconnects the channel, destroys the unit (the interface goes with its addresses and
    // routes) and gives the tty back to N_TTY for the hang-up. Idempotent; never throws.
    void close() noexcept;

private:
    void arm(asio::posix::stream_descriptor& fd);
    void on_readable(asio::posix::stream_descriptor& fd, std::error_code ec);
    void fail(std::error_code ec);

    int tty_fd_ = -1;
    asio::posix::stream_descriptor channel_;
    asio::posix::stream_descriptor unit_fd_;
    int unit_ = -1;
    std::string name_;
    unsigned ifindex_ = 0;
    PppDeviceStats stats_;
    std::vector<std::uint8_t> buffer_;
    PacketHandler on_packet_;
    ErrorHandler on_error_;
    std::shared_ptr<bool> alive_;
};

}  // namespace ec20ppp
