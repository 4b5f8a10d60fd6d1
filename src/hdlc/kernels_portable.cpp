// The portable path: plain C++ for any CPU (what an ARMv7 board without CLMUL runs).
// CRC by slicing-by-16 tables; escape scanning 8 octets at a time in a 64-bit word (SWAR), with
// clean words copied whole and the octet-by-octet loop only for words that need it.
#include <algorithm>
#include <bit>
#include <cstring>

#include "hdlc/crc_tables.hpp"
#include "hdlc/kernels.hpp"

namespace ec20ppp::hdlc::detail {
namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;

// High bit of each octet set where the octet equals c (exact: no carries between octets).
inline std::uint64_t swar_eq(std::uint64_t x, std::uint8_t c) {
    const std::uint64_t y = x ^ (kOnes * c);
    return ~(((y & kLow7) + kLow7) | y) & kHigh;
}
// High bit of each octet set where the octet is < 0x20 (exact).
inline std::uint64_t swar_lt20(std::uint64_t x) { return ~(((x & kLow7) + kOnes * (0x80 - 0x20)) | x) & kHigh; }

// Octets that may need attention: 0x7d, 0x7e, and (when any ACCM bit is set) every control
// character; the exact ACCM test is left to the octet loop.
inline std::uint64_t swar_special(std::uint64_t x, bool controls) {
    std::uint64_t m = swar_eq(x, 0x7d) | swar_eq(x, 0x7e);
    if (controls) m |= swar_lt20(x);
    return m;
}

std::uint16_t fcs16_portable(std::uint16_t fcs, const std::uint8_t* p, std::size_t n) noexcept {
    return crc_slice16(fcs, p, n, kSlice16);
}
std::uint32_t fcs32_portable(std::uint32_t fcs, const std::uint8_t* p, std::size_t n) noexcept {
    return crc_slice16(fcs, p, n, kSlice32);
}

std::uint8_t* escape_portable(const std::uint8_t* src, std::size_t n, std::uint8_t* dst, std::uint32_t accm) noexcept {
    const bool controls = accm != 0;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t x;
        std::memcpy(&x, src + i, 8);
        if (swar_special(x, controls) == 0) {
            std::memcpy(dst, &x, 8);
            dst += 8;
        } else {
            dst = escape_scalar(src + i, 8, dst, accm);
        }
    }
    return escape_scalar(src + i, n - i, dst, accm);
}

std::size_t unescape_portable(const std::uint8_t* src, std::size_t n, std::uint8_t* dst, std::size_t room,
                              const std::uint8_t* cls, std::uint32_t accm, std::size_t& produced) noexcept {
    const bool controls = accm != 0;
    std::size_t i = 0, o = 0;
    while (n - i >= 8 && room - o >= 8) {
        std::uint64_t x;
        std::memcpy(&x, src + i, 8);
        const std::uint64_t special = swar_special(x, controls);
        if (special == 0) {
            std::memcpy(dst + o, &x, 8);
            i += 8;
            o += 8;
            continue;
        }
        // Every octet of the word escaped (7d X 7d X ...), the receive side of a worst case.
        constexpr std::uint64_t kEvenOctets =
            std::endian::native == std::endian::little ? 0x0080008000800080ULL : 0x8000800080008000ULL;
        if (special == kEvenOctets && swar_eq(x, 0x7d) == kEvenOctets) {
            for (std::size_t k = 0; k < 4; ++k) dst[o + k] = static_cast<std::uint8_t>(src[i + 2 * k + 1] ^ 0x20);
            i += 8;
            o += 4;
            continue;
        }
        // Octet by octet through this word (one more octet so an escape at its end can pair).
        const std::size_t block_end = i + 8;
        std::size_t out = 0;
        const std::size_t stop = unescape_scalar(src, std::min(n, block_end + 1), dst, room, cls, i, o, out);
        o = out;
        if (stop < block_end) {
            produced = o;
            return stop;
        }
        i = stop;
    }
    return unescape_scalar(src, n, dst, room, cls, i, o, produced);
}

}  // namespace

const Kernels kPortable{Path::portable, fcs16_portable, fcs32_portable, escape_portable, unescape_portable};

}  // namespace ec20ppp::hdlc::detail
