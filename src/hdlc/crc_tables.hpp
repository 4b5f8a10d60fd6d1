// Internal: compile-time tables for the bit-reflected CRCs of RFC 1662 App. C, slicing-by-16
// (table k maps an octet to the register after it and k zero octets), and the byte-wise loop.
// The functions are static: this header is also compiled with -mpclmul/-mavx2 (see kernels.hpp).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ec20ppp::hdlc::detail {

//   FCS-16: x^16 + x^12 + x^5 + 1                  -> reflected 0x8408 (RFC 1662 App. C.2)
//   FCS-32: x^32 + x^26 + x^23 + ... + x^2 + x + 1  -> reflected 0xedb88320 (RFC 1662 App. C.3)
inline constexpr std::uint16_t kPoly16 = 0x8408;
inline constexpr std::uint32_t kPoly32 = 0xedb88320;

template <typename T>
using SliceTables = std::array<std::array<T, 256>, 16>;

template <typename T>
constexpr SliceTables<T> make_slice_tables(T poly) {
    SliceTables<T> t{};
    for (unsigned i = 0; i < 256; ++i) {
        T reg = static_cast<T>(i);
        for (int bit = 0; bit < 8; ++bit) reg = (reg & 1U) ? static_cast<T>((reg >> 1) ^ poly) : static_cast<T>(reg >> 1);
        t[0][i] = reg;
    }
    for (std::size_t k = 1; k < 16; ++k) {
        for (unsigned i = 0; i < 256; ++i) {
            const T prev = t[k - 1][i];
            t[k][i] = static_cast<T>((prev >> 8) ^ t[0][prev & 0xff]);
        }
    }
    return t;
}

inline constexpr SliceTables<std::uint16_t> kSlice16 = make_slice_tables<std::uint16_t>(kPoly16);
inline constexpr SliceTables<std::uint32_t> kSlice32 = make_slice_tables<std::uint32_t>(kPoly32);

// Spot checks against the tables printed in RFC 1662 App. C.2 / C.3 (first, second, last).
static_assert(kSlice16[0][0] == 0x0000 && kSlice16[0][1] == 0x1189 && kSlice16[0][255] == 0x0f78);
static_assert(kSlice32[0][0] == 0x00000000 && kSlice32[0][1] == 0x77073096 && kSlice32[0][255] == 0x2d02ef8d);

static inline std::uint64_t load64le(const std::uint8_t* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    return v;
}

static inline std::uint32_t load32le(const std::uint8_t* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
    return v;
}

template <typename T>
static constexpr T crc_bytewise(T crc, const std::uint8_t* p, std::size_t n, const SliceTables<T>& t) noexcept {
    for (std::size_t i = 0; i < n; ++i) crc = static_cast<T>((crc >> 8) ^ t[0][(crc ^ p[i]) & 0xff]);
    return crc;
}

// One 16-octet step of crc_slice16 on octets already in registers (a: octets 0-7, b: 8-15, each
// little-endian): for the folded remainder of crc_fold, which comes out of a vector register and,
// stored and read back an octet at a time, waited for the store on the CPU measured (no
// forwarding from the 16-octet store to octet loads inside it: 64-octet SIMD decode lost 12 %).
template <typename T>
static inline T crc_slice16_words(T crc, std::uint64_t a, std::uint64_t b, const SliceTables<T>& t) noexcept {
    a ^= crc;
    return static_cast<T>(t[15][a & 0xff] ^ t[14][(a >> 8) & 0xff] ^ t[13][(a >> 16) & 0xff] ^
                          t[12][(a >> 24) & 0xff] ^ t[11][(a >> 32) & 0xff] ^ t[10][(a >> 40) & 0xff] ^
                          t[9][(a >> 48) & 0xff] ^ t[8][a >> 56] ^ t[7][b & 0xff] ^ t[6][(b >> 8) & 0xff] ^
                          t[5][(b >> 16) & 0xff] ^ t[4][(b >> 24) & 0xff] ^ t[3][(b >> 32) & 0xff] ^
                          t[2][(b >> 40) & 0xff] ^ t[1][(b >> 48) & 0xff] ^ t[0][b >> 56]);
}

template <typename T>
static inline T crc_slice16(T crc, const std::uint8_t* p, std::size_t n, const SliceTables<T>& t) noexcept {
    while (n >= 16) {
        // The register is XORed into the first four octets (it is at most 32 bits wide), then
        // each of the 16 octets is looked up in the table for its distance from the end of the
        // block. The twelve octets the register does not reach are read one by one from memory
        // rather than shifted out of a word: that moves their extraction from the arithmetic
        // units (the loop's limit: a shift and a zero-extension per octet) to the load units,
        // which had room (fcs16 of 1500 octets 1.7 times as fast on x86-64).
        const T independent = static_cast<T>(t[11][p[4]] ^ t[10][p[5]] ^ t[9][p[6]] ^ t[8][p[7]] ^ t[7][p[8]] ^
                                             t[6][p[9]] ^ t[5][p[10]] ^ t[4][p[11]] ^ t[3][p[12]] ^
                                             t[2][p[13]] ^ t[1][p[14]] ^ t[0][p[15]]);
        const std::uint32_t a = load32le(p) ^ crc;
        crc = static_cast<T>(independent ^ t[15][a & 0xff] ^ t[14][(a >> 8) & 0xff] ^ t[13][(a >> 16) & 0xff] ^
                             t[12][a >> 24]);
        p += 16;
        n -= 16;
    }
    // The last 0..15 octets in steps of 8, 4 and 2 before the byte loop, whose octets each wait
    // for the previous one: a 70-octet frame (64 + header + FCS) would otherwise end with 6 of them.
    if (n >= 8) {
        const std::uint32_t a = load32le(p) ^ crc;
        crc = static_cast<T>(t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^ t[5][(a >> 16) & 0xff] ^ t[4][a >> 24] ^
                             t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]]);
        p += 8;
        n -= 8;
    }
    if (n >= 4) {
        const std::uint32_t a = load32le(p) ^ crc;
        crc = static_cast<T>(t[3][a & 0xff] ^ t[2][(a >> 8) & 0xff] ^ t[1][(a >> 16) & 0xff] ^ t[0][a >> 24]);
        p += 4;
        n -= 4;
    }
    // Two octets in one step: a 70-octet frame (64 + header + FCS-16) ends with two, and each
    // octet of the byte loop waits for the previous one's table load.
    if (n >= 2) {
        const std::uint32_t a = (std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8)) ^ (crc & 0xffffU);
        crc = static_cast<T>((std::uint32_t{crc} >> 16) ^ t[1][a & 0xff] ^ t[0][a >> 8]);
        p += 2;
        n -= 2;
    }
    return crc_bytewise(crc, p, n, t);
}

// The standard "123456789" check values, evaluated by the compiler so a broken table can never
// link (the unit tests check the public functions against the same values).
static constexpr bool check_values_hold() {
    constexpr std::uint8_t digits[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    return static_cast<std::uint16_t>(~crc_bytewise<std::uint16_t>(0xffff, digits, 9, kSlice16)) == 0x906e &&
           ~crc_bytewise<std::uint32_t>(0xffffffff, digits, 9, kSlice32) == 0xcbf43926U;
}
static_assert(check_values_hold());

}  // namespace ec20ppp::hdlc::detail
