// FCS-16 and FCS-32 by carry-less multiplication (PCLMULQDQ), after Gopal et al., "Fast CRC
// Computation for Generic Polynomials Using PCLMULQDQ Instruction" (Intel, 2009). Compiled with
// -mpclmul and called only when CPUID reports PCLMULQDQ (see path.cpp).
//
// Both CRCs are bit-reflected, so a 16-octet block loaded little-endian holds the message
// polynomial bit-reversed (bit 0 of octet 0 is its highest power). Four 128-bit accumulators each
// absorb every fourth block: an accumulator X = H x^64 + L is advanced by F bits as
// H (x^(F+63) mod P) x + L (x^(F-1) mod P) x, two carry-less products of 64 x 32 bits whose
// reflected results already include the factor x. The accumulators are folded into one, the
// remaining whole blocks folded in, and the final 16 octets (plus the tail) go through the
// slicing-by-16 tables with a zero register, which needs no Barrett reduction and works for any
// CRC width up to 32.
#if defined(__x86_64__)

#include <immintrin.h>

#include "hdlc/crc_tables.hpp"

namespace ec20ppp::hdlc::detail {
namespace {

// x^e mod P in normal (non-reflected) form; P includes its x^width term.
constexpr std::uint64_t xpow_mod(unsigned e, std::uint64_t poly, int width) {
    std::uint64_t r = 1;
    for (unsigned i = 0; i < e; ++i) {
        r <<= 1;
        if ((r >> width) & 1U) r ^= poly;
    }
    return r;
}
// A polynomial of degree < width reflected into 64 bits (x^j -> bit 63 - j).
constexpr std::uint64_t reflect64(std::uint64_t k, int width) {
    std::uint64_t out = 0;
    for (int j = 0; j < width; ++j) {
        if ((k >> j) & 1U) out |= std::uint64_t{1} << (63 - j);
    }
    return out;
}

struct FoldConstants {
    std::uint64_t k512_hi, k512_lo, k128_hi, k128_lo;
};
constexpr FoldConstants make_constants(std::uint64_t poly, int width) {
    return {reflect64(xpow_mod(512 + 63, poly, width), width), reflect64(xpow_mod(512 - 1, poly, width), width),
            reflect64(xpow_mod(128 + 63, poly, width), width), reflect64(xpow_mod(128 - 1, poly, width), width)};
}
constexpr FoldConstants kFold16 = make_constants(0x11021, 16);        // x^16 + x^12 + x^5 + 1
constexpr FoldConstants kFold32 = make_constants(0x104c11db7ULL, 32);  // RFC 1662 App. C.3

inline __m128i fold(__m128i x, __m128i k) {
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}
inline __m128i load(const std::uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

template <typename T>
T crc_clmul(T crc, const std::uint8_t* p, std::size_t n, const FoldConstants& c, const SliceTables<T>& tables) {
    if (n < 64) return crc_slice16(crc, p, n, tables);
    const __m128i k512 = _mm_set_epi64x(static_cast<long long>(c.k512_lo), static_cast<long long>(c.k512_hi));
    const __m128i k128 = _mm_set_epi64x(static_cast<long long>(c.k128_lo), static_cast<long long>(c.k128_hi));
    // The register enters as if XORed into the first octets (as the table loop does).
    __m128i x0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(crc)));
    __m128i x1 = load(p + 16), x2 = load(p + 32), x3 = load(p + 48);
    p += 64;
    n -= 64;
    while (n >= 64) {
        x0 = _mm_xor_si128(fold(x0, k512), load(p));
        x1 = _mm_xor_si128(fold(x1, k512), load(p + 16));
        x2 = _mm_xor_si128(fold(x2, k512), load(p + 32));
        x3 = _mm_xor_si128(fold(x3, k512), load(p + 48));
        p += 64;
        n -= 64;
    }
    x1 = _mm_xor_si128(fold(x0, k128), x1);
    x2 = _mm_xor_si128(fold(x1, k128), x2);
    __m128i x = _mm_xor_si128(fold(x2, k128), x3);
    while (n >= 16) {
        x = _mm_xor_si128(fold(x, k128), load(p));
        p += 16;
        n -= 16;
    }
    alignas(16) std::uint8_t last[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(last), x);
    return crc_bytewise(crc_slice16(T{0}, last, 16, tables), p, n, tables);
}

}  // namespace

std::uint16_t fcs16_clmul(std::uint16_t fcs, const std::uint8_t* p, std::size_t n) noexcept {
    return crc_clmul<std::uint16_t>(fcs, p, n, kFold16, kSlice16);
}
std::uint32_t fcs32_clmul(std::uint32_t fcs, const std::uint8_t* p, std::size_t n) noexcept {
    return crc_clmul<std::uint32_t>(fcs, p, n, kFold32, kSlice32);
}

}  // namespace ec20ppp::hdlc::detail

#endif
