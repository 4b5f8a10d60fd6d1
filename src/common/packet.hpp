// What protocol code hands to the layer below: one PPP packet for one protocol number.
#pragma once

#include <cstdint>

#include "common/bytes.hpp"

namespace ec20ppp {

// A packet to transmit: `protocol` is the PPP Protocol field (RFC 1661 §2), `packet` the
// information field (for control protocols: Code, Identifier, Length, Data).
struct SendPacket {
    std::uint16_t protocol = 0;
    Bytes packet;
};

// PPP protocol numbers used here (IANA "PPP DLL Protocol Numbers").
namespace proto {
inline constexpr std::uint16_t ip = 0x0021;
inline constexpr std::uint16_t ipv6 = 0x0057;
inline constexpr std::uint16_t vj_compressed = 0x002d;
inline constexpr std::uint16_t vj_uncompressed = 0x002f;
inline constexpr std::uint16_t ipcp = 0x8021;
inline constexpr std::uint16_t ipv6cp = 0x8057;
inline constexpr std::uint16_t ccp = 0x80fd;
inline constexpr std::uint16_t lcp = 0xc021;
inline constexpr std::uint16_t pap = 0xc023;
inline constexpr std::uint16_t lqr = 0xc025;
inline constexpr std::uint16_t chap = 0xc223;
}  // namespace proto

}  // namespace ec20ppp
