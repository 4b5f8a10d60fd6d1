// A Link over an asynchronous serial line: RFC 1662 HDLC-like framing beneath the link
// controller, using what LCP negotiated (ACCM, ACFC, PFC) once it is Opened. Bytes in from the
// modem; the caller encodes each SendPacket the link emits with encode() and writes the bytes.
// (With /dev/ppp the kernel frames, and the app uses Link directly.)
#pragma once

#include <optional>

#include "hdlc/framer.hpp"
#include "link/link.hpp"

namespace ec20ppp::link {

class FramedLink {
public:
    FramedLink(LinkConfig config, RandomSource random);

    Link& link() { return link_; }
    const Link& link() const { return link_; }

    // Bytes read from the serial line; any number of frames, or part of one.
    void receive_bytes(ByteView bytes, TimePoint now, LinkEvents& out);
    // Appends the frame for one packet the link emitted to `wire`.
    void encode(const SendPacket& packet, Bytes& wire) const;
    // Encodes every SendPacket in `events` into `wire`, in order.
    void encode_all(const LinkEvents& events, Bytes& wire) const;

    // The allocation-free data path (no heap allocation per packet once buffers have grown):
    //
    // next_packet is receive_bytes returning the IP datagrams instead of DeliverPacket events:
    // it consumes `bytes` (advancing the span) until a datagram for the data plane completes and
    // returns a view of it, valid until the next call on this FramedLink; every other packet
    // goes to the link as in receive_bytes (its events appended to `out`). Returns nullopt once
    // `bytes` is used up. Call it until nullopt, then drain `out`:
    //     while (auto ip = framed.next_packet(bytes, now, events)) tun.write(ip->packet);
    struct IpPacketView {
        std::uint16_t protocol;  // 0x0021 or 0x0057
        ByteView packet;
    };
    std::optional<IpPacketView> next_packet(ByteView& bytes, TimePoint now, LinkEvents& out);
    // link().send_ip and encode in one, with no SendPacket in between: frames the datagram
    // straight onto `wire` (append several, then write them at once). False, with nothing
    // appended, when link().send_ip would refuse it.
    bool send_ip(std::uint16_t protocol, ByteView packet, Bytes& wire);

    const hdlc::DeframerStats& rx_stats() const { return deframer_.stats(); }

    // True when `content` (a partial frame) is the modem's "NO CARRIER" result code: the call
    // dropped and the modem is back in command mode (V.250 §6.3.9 / 27.007).
    static bool is_no_carrier(ByteView content);

private:
    void update_rx_config();
    hdlc::TxConfig tx_config() const;
    void check_no_carrier(TimePoint now, LinkEvents& out);

    Link link_;
    hdlc::Deframer deframer_;
    bool rx_negotiated_ = false;
};

}  // namespace ec20ppp::link
