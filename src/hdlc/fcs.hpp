// Frame Check Sequences for PPP in HDLC-like framing (RFC 1662 §3.1, Appendix C).
//
// Both FCSs are the bit-reflected CRCs of RFC 1662 App. C: the register starts at the Init
// value, the transmitter sends its ones-complement least significant octet first, and the
// receiver, running the same computation over the content *including* the received FCS, ends
// with the fixed "good" residue when no bit was corrupted.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"

namespace ec20ppp::hdlc {

enum class FcsKind : std::uint8_t { fcs16, fcs32 };

inline constexpr std::uint16_t kFcs16Init = 0xffff, kFcs16Good = 0xf0b8;        // RFC 1662 App. C.2
inline constexpr std::uint32_t kFcs32Init = 0xffffffff, kFcs32Good = 0xdebb20e3;  // RFC 1662 App. C.3

// Octets the FCS occupies on the wire.
constexpr std::size_t fcs_size(FcsKind kind) { return kind == FcsKind::fcs32 ? 4 : 2; }

// Continues the FCS computation `fcs` over `data`, so a frame may be checked in pieces:
// fcs16(fcs16(kFcs16Init, a), b) == fcs16(kFcs16Init, a ++ b). Table-driven; the tables are
// generated at compile time from the polynomials of App. C.
std::uint16_t fcs16(std::uint16_t fcs, ByteView data) noexcept;
std::uint32_t fcs32(std::uint32_t fcs, ByteView data) noexcept;

}  // namespace ec20ppp::hdlc
