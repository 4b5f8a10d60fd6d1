// Helpers shared by the hdlc tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <vector>

#include "common/bytes.hpp"
#include "hdlc/framer.hpp"

namespace ec20ppp::hdlc::test {

// A decoded frame copied out of the deframer (Frame::info is only valid until the next call).
struct Decoded {
    std::uint16_t protocol = 0;
    Bytes info;
    bool operator==(const Decoded&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Decoded& d) {
    return os << "{proto=0x" << std::hex << d.protocol << std::dec << " info=" << to_hex(d.info)
              << "}";
}

inline Bytes bytes(std::initializer_list<std::uint8_t> list) { return Bytes(list); }

inline Bytes encode(const TxConfig& cfg, std::uint16_t protocol, ByteView info) {
    Bytes out;
    encode_frame(cfg, protocol, info, out);
    return out;
}

// Feeds `in` as one read and collects every frame it completes.
inline std::vector<Decoded> decode_all(Deframer& deframer, ByteView in) {
    std::vector<Decoded> frames;
    while (auto frame = deframer.next_frame(in)) {
        frames.push_back({frame->protocol, Bytes(frame->info.begin(), frame->info.end())});
    }
    return frames;
}

inline std::vector<Decoded> decode_all(ByteView in, RxConfig cfg = {}) {
    Deframer deframer(cfg);
    return decode_all(deframer, in);
}

// Bit-at-a-time reference CRCs straight from the polynomials (RFC 1662 App. C), independent of
// the library's tables; return the complemented value that goes on the wire.
inline std::uint16_t reference_fcs16(ByteView data) {
    std::uint16_t fcs = 0xffff;
    for (std::uint8_t octet : data) {
        fcs ^= octet;
        for (int bit = 0; bit < 8; ++bit) {
            fcs = (fcs & 1U) ? static_cast<std::uint16_t>((fcs >> 1) ^ 0x8408)
                             : static_cast<std::uint16_t>(fcs >> 1);
        }
    }
    return static_cast<std::uint16_t>(~fcs);
}
inline std::uint32_t reference_fcs32(ByteView data) {
    std::uint32_t fcs = 0xffffffff;
    for (std::uint8_t octet : data) {
        fcs ^= octet;
        for (int bit = 0; bit < 8; ++bit) fcs = (fcs & 1U) ? (fcs >> 1) ^ 0xedb88320U : fcs >> 1;
    }
    return ~fcs;
}

// Builds a frame by hand, bypassing encode_frame: `content` is address/control/protocol/info as
// they should appear before escaping; the FCS (16- or 32-bit, XORed with `fcs_xor` to spoil it)
// is appended LSB first and every octet < 0x20, 0x7d and 0x7e is escaped.
inline Bytes raw_frame(ByteView content, FcsKind kind = FcsKind::fcs16, std::uint32_t fcs_xor = 0) {
    Bytes plain(content.begin(), content.end());
    if (kind == FcsKind::fcs32) {
        const std::uint32_t fcs = reference_fcs32(content) ^ fcs_xor;
        for (int shift = 0; shift < 32; shift += 8) plain.push_back(static_cast<std::uint8_t>(fcs >> shift));
    } else {
        const auto fcs = static_cast<std::uint16_t>(reference_fcs16(content) ^ fcs_xor);
        plain.push_back(static_cast<std::uint8_t>(fcs));
        plain.push_back(static_cast<std::uint8_t>(fcs >> 8));
    }
    Bytes wire{0x7e};
    for (std::uint8_t octet : plain) {
        if (octet < 0x20 || octet == 0x7d || octet == 0x7e) {
            wire.push_back(0x7d);
            wire.push_back(static_cast<std::uint8_t>(octet ^ 0x20));
        } else {
            wire.push_back(octet);
        }
    }
    wire.push_back(0x7e);
    return wire;
}

inline Bytes concat(std::initializer_list<ByteView> parts) {
    Bytes out;
    for (ByteView part : parts) out.insert(out.end(), part.begin(), part.end());
    return out;
}

}  // namespace ec20ppp::hdlc::test
