// Transmit side of RFC 1662 framing.
#include <algorithm>
#include <array>

#include "common/packet.hpp"
#include "hdlc/framer.hpp"

namespace ec20ppp::hdlc {
namespace {

// RFC 1662 §4.2: Flag and Control Escape are always escaped; a control character is escaped
// when the peer's ACCM flags it (§7.1). Octets >= 0x20 other than 0x7d/0x7e are sent as is
// (escaping DEL or 8th-bit control characters is optional and not negotiated here).
inline bool needs_escape(std::uint8_t octet, std::uint32_t accm) {
    if (octet < 0x20) return ((accm >> octet) & 1U) != 0;
    return octet == kFlag || octet == kEscape;
}

inline void put_escaped(Bytes& out, std::uint8_t octet, std::uint32_t accm) {
    if (needs_escape(octet, accm)) {
        out.push_back(kEscape);
        out.push_back(static_cast<std::uint8_t>(octet ^ kEscapeXor));
    } else {
        out.push_back(octet);
    }
}

inline void put_escaped(Bytes& out, ByteView octets, std::uint32_t accm) {
    for (std::uint8_t octet : octets) put_escaped(out, octet, accm);
}

// LCP Codes 1..7: Configure-Request/Ack/Nak/Reject, Terminate-Request/Ack, Code-Reject.
constexpr std::uint8_t kLcpFirstLinkCode = 1;
constexpr std::uint8_t kLcpLastLinkCode = 7;

}  // namespace

void encode_frame(const TxConfig& cfg, std::uint16_t protocol, ByteView info, Bytes& out) {
    const bool lcp = protocol == proto::lcp;
    // RFC 1661 §5: Link Configuration, Link Termination and Code-Reject packets are always sent
    // as if no options were negotiated, so a peer that wrongly believes the link is still up
    // (and expects default framing) can still read them.
    const bool lcp_link_packet =
        lcp && !info.empty() && info[0] >= kLcpFirstLinkCode && info[0] <= kLcpLastLinkCode;
    const std::uint32_t accm = lcp_link_packet ? 0xffffffffU : cfg.accm;
    // RFC 1661 §6.6: Address and Control MUST NOT be compressed on any LCP packet.
    const bool acfc = cfg.acfc && !lcp;
    // RFC 1661 §6.5: only protocol numbers 0x0000-0x00ff have a one-octet form.
    const bool pfc = cfg.pfc && protocol < 0x100;

    std::array<std::uint8_t, 4> header{};
    std::size_t header_len = 0;
    if (!acfc) {
        header[header_len++] = kAllStations;
        header[header_len++] = kUi;
    }
    if (!pfc) header[header_len++] = static_cast<std::uint8_t>(protocol >> 8);
    header[header_len++] = static_cast<std::uint8_t>(protocol);
    const ByteView head{header.data(), header_len};

    // The FCS covers address, control, protocol and information before escaping (§3.1) and is
    // sent complemented, least significant octet first (App. C.2/C.3).
    std::array<std::uint8_t, 4> trailer{};
    std::size_t trailer_len = 0;
    if (cfg.fcs == FcsKind::fcs32) {
        const std::uint32_t fcs = ~fcs32(fcs32(kFcs32Init, head), info);
        for (int shift = 0; shift < 32; shift += 8) {
            trailer[trailer_len++] = static_cast<std::uint8_t>(fcs >> shift);
        }
    } else {
        const auto fcs = static_cast<std::uint16_t>(~fcs16(fcs16(kFcs16Init, head), info));
        trailer[trailer_len++] = static_cast<std::uint8_t>(fcs);
        trailer[trailer_len++] = static_cast<std::uint8_t>(fcs >> 8);
    }

    // Worst case every content octet is escaped. Grow geometrically ourselves: reserve() with an
    // exact size would make appending many frames to one buffer quadratic.
    const std::size_t worst = 2 + 2 * (header_len + info.size() + trailer_len);
    if (out.capacity() - out.size() < worst) {
        out.reserve(std::max(out.size() + worst, 2 * out.capacity()));
    }

    // Always open with a flag: RFC 1662 §3.1 only requires one flag between frames, but an
    // opening flag also terminates any line noise the peer may have received in between.
    out.push_back(kFlag);
    put_escaped(out, head, accm);
    put_escaped(out, info, accm);
    put_escaped(out, ByteView{trailer.data(), trailer_len}, accm);
    out.push_back(kFlag);
}

}  // namespace ec20ppp::hdlc
