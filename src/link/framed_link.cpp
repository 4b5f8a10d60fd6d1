#include "link/framed_link.hpp"

#include <algorithm>

namespace ec20ppp::link {

FramedLink::FramedLink(LinkConfig config, RandomSource random) : link_(std::move(config), std::move(random)) {}

void FramedLink::update_rx_config() {
    // RFC 1662 §7.1: until LCP is Opened the receive ACCM is all ones; afterwards it is what we
    // asked for and the peer acknowledged. RFC 1661 §6.1: keep accepting 1500 octets whatever
    // MRU was negotiated.
    bool negotiated = link_.lcp_opened();
    if (negotiated == rx_negotiated_) return;
    rx_negotiated_ = negotiated;
    hdlc::RxConfig rx;
    if (negotiated) {
        rx.accm = link_.lcp_result().rx_accm;
        rx.mru = std::max<std::size_t>(link_.lcp_result().our_mru, 1500);
    }
    deframer_.set_config(rx);
}

bool FramedLink::is_no_carrier(ByteView content) {
    // The modem frames result codes with CR LF; before LCP has set the receive ACCM to 0 the
    // deframer drops them as control characters, so they are optional here. No PPP frame can
    // start this way: 0x0d would be a one-octet protocol that does not exist, and "NO" = 0x4e4f
    // is not an assigned protocol.
    std::size_t i = 0;
    while (i < content.size() && (content[i] == '\r' || content[i] == '\n')) ++i;
    static constexpr std::string_view text = "NO CARRIER";
    if (content.size() - i < text.size()) return false;
    return std::equal(text.begin(), text.end(), content.begin() + static_cast<std::ptrdiff_t>(i));
}

void FramedLink::check_no_carrier(TimePoint now, LinkEvents& out) {
    if (link_.phase() != Phase::dead && is_no_carrier(deframer_.partial())) {
        deframer_.reset();
        link_.lower_down(now, out, "the modem said NO CARRIER: the call was dropped");
    }
}

void FramedLink::receive_bytes(ByteView bytes, TimePoint now, LinkEvents& out) {
    while (auto frame = deframer_.next_frame(bytes)) {
        link_.receive(frame->protocol, frame->info, now, out);
        update_rx_config();
    }
    check_no_carrier(now, out);
}

std::optional<FramedLink::IpPacketView> FramedLink::next_packet(ByteView& bytes, TimePoint now, LinkEvents& out) {
    while (auto frame = deframer_.next_frame(bytes)) {
        if (link_.take_ip(frame->protocol, frame->info, now)) return IpPacketView{frame->protocol, frame->info};
        link_.receive(frame->protocol, frame->info, now, out);
        update_rx_config();
    }
    check_no_carrier(now, out);
    return std::nullopt;
}

hdlc::TxConfig FramedLink::tx_config() const {
    hdlc::TxConfig tx;  // link defaults until LCP is Opened
    if (link_.lcp_opened()) {
        const auto& r = link_.lcp_result();
        tx.accm = r.tx_accm;
        tx.acfc = r.tx_acfc;
        tx.pfc = r.tx_pfc;
    }
    return tx;
}

void FramedLink::encode(const SendPacket& packet, Bytes& wire) const {
    // encode_frame itself keeps LCP frames uncompressed and Configure-* fully escaped.
    hdlc::encode_frame(tx_config(), packet.protocol, packet.packet, wire);
}

bool FramedLink::send_ip(std::uint16_t protocol, ByteView packet, Bytes& wire) {
    if (!link_.accept_ip_out(protocol, packet)) return false;
    hdlc::encode_frame(tx_config(), protocol, packet, wire);
    return true;
}

void FramedLink::encode_all(const LinkEvents& events, Bytes& wire) const {
    for (const auto& event : events) {
        if (const auto* send = std::get_if<SendPacket>(&event)) encode(*send, wire);
    }
}

}  // namespace ec20ppp::link
