// Transmit side of RFC 1662 framing. RFC 1662 §4.2: Flag and Control Escape are always escaped;
// a control character is escaped when the peer's ACCM flags it (§7.1). Octets >= 0x20 other than
// 0x7d/0x7e are sent as is (escaping DEL or 8th-bit control characters is optional and not
// negotiated here). The escaping itself is a kernel chosen at run time (kernels.hpp): runs of
// octets that need none are copied in bulk.
#include <algorithm>
#include <array>

#include "common/packet.hpp"
#include "hdlc/crc_tables.hpp"
#include "hdlc/framer.hpp"
#include "hdlc/kernels.hpp"

namespace ec20ppp::hdlc {
namespace {

// LCP Codes 1..7: Configure-Request/Ack/Nak/Reject, Terminate-Request/Ack, Code-Reject.
constexpr std::uint8_t kLcpFirstLinkCode = 1;
constexpr std::uint8_t kLcpLastLinkCode = 7;

// The FCS register after the header octets, taken from `octets` (octet k in bits 8k..8k+7)
// rather than from memory: read back from the array just filled octet by octet, four of them in
// one load could not be forwarded from those stores and would wait for them to reach the cache.
// Same tables as the portable kernels; the result does not depend on the path.
template <typename T>
T fcs_of_header(T fcs, std::uint32_t octets, std::size_t n, const detail::SliceTables<T>& t) {
    if (n == 4) {
        const std::uint32_t a = octets ^ fcs;
        // Four octets consume the whole register (at most 32 bits), as in crc_slice16's 4-step.
        return static_cast<T>(t[3][a & 0xff] ^ t[2][(a >> 8) & 0xff] ^ t[1][(a >> 16) & 0xff] ^ t[0][a >> 24]);
    }
    for (std::size_t k = 0; k < n; ++k, octets >>= 8) fcs = static_cast<T>((fcs >> 8) ^ t[0][(fcs ^ octets) & 0xff]);
    return fcs;
}

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
    std::uint32_t header_octets = 0;  // the same octets, first in the low bits
    const auto add = [&](std::uint8_t octet) {
        header_octets |= std::uint32_t{octet} << (8 * header_len);
        header[header_len++] = octet;
    };
    if (!acfc) {
        add(kAllStations);
        add(kUi);
    }
    if (!pfc) add(static_cast<std::uint8_t>(protocol >> 8));
    add(static_cast<std::uint8_t>(protocol));
    const ByteView head{header.data(), header_len};

    // The FCS covers address, control, protocol and information before escaping (§3.1) and is
    // sent complemented, least significant octet first (App. C.2/C.3).
    std::array<std::uint8_t, 4> trailer{};
    std::size_t trailer_len = 0;
    if (cfg.fcs == FcsKind::fcs32) {
        const std::uint32_t fcs = ~fcs32(fcs_of_header(kFcs32Init, header_octets, header_len, detail::kSlice32), info);
        for (int shift = 0; shift < 32; shift += 8) {
            trailer[trailer_len++] = static_cast<std::uint8_t>(fcs >> shift);
        }
    } else {
        const auto fcs =
            static_cast<std::uint16_t>(~fcs16(fcs_of_header(kFcs16Init, header_octets, header_len, detail::kSlice16), info));
        trailer[trailer_len++] = static_cast<std::uint8_t>(fcs);
        trailer[trailer_len++] = static_cast<std::uint8_t>(fcs >> 8);
    }

    // Worst case every content octet is escaped, plus the slack the kernels may write past the
    // end. Grow geometrically ourselves: reserve() with an exact size would make appending many
    // frames to one buffer quadratic.
    const std::size_t worst = 2 + 2 * (header_len + info.size() + trailer_len) + detail::kSlack;
    if (out.capacity() - out.size() < worst) {
        out.reserve(std::max(out.size() + worst, 2 * out.capacity()));
    }
    const std::size_t start = out.size();
    out.resize(start + worst);
    std::uint8_t* const begin = out.data() + start;
    std::uint8_t* p = begin;

    // Always open with a flag: RFC 1662 §3.1 only requires one flag between frames, but an
    // opening flag also terminates any line noise the peer may have received in between.
    *p++ = kFlag;
    p = detail::escape_scalar(head.data(), head.size(), p, accm);
    p = detail::kernels().escape(info.data(), info.size(), p, accm);
    p = detail::escape_scalar(trailer.data(), trailer_len, p, accm);
    *p++ = kFlag;
    out.resize(start + static_cast<std::size_t>(p - begin));
}

}  // namespace ec20ppp::hdlc
