// A Link over an asynchronous serial line: RFC 1662 HDLC-like framing beneath the link
// controller, using what LCP negotiated (ACCM, ACFC, PFC) once it is Opened. Bytes in from the
// modem; the caller encodes each SendPacket the link emits with encode() and writes the bytes.
// (With /dev/ppp the kernel frames, and the app uses Link directly.)
#pragma once

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

    const hdlc::DeframerStats& rx_stats() const { return deframer_.stats(); }

    // True when `content` (a partial frame) is the modem's "NO CARRIER" result code: the call
    // dropped and the modem is back in command mode (V.250 §6.3.9 / 27.007).
    static bool is_no_carrier(ByteView content);

private:
    void update_rx_config();

    Link link_;
    hdlc::Deframer deframer_;
    bool rx_negotiated_ = false;
};

}  // namespace ec20ppp::link
