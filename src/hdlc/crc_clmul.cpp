// FCS-16 and FCS-32 by carry-less multiplication on x86-64 (PCLMULQDQ); the algorithm is in
// crc_fold.inc. Compiled with -mpclmul and called only when CPUID reports PCLMULQDQ (path.cpp).
#if defined(__x86_64__)

#include <immintrin.h>

#include "hdlc/crc_tables.hpp"

namespace ec20ppp::hdlc::detail {
namespace {

struct C {
    using T = __m128i;
    static T load(const std::uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
    static T xor_(T a, T b) { return _mm_xor_si128(a, b); }
    static std::uint64_t low64(T v) { return static_cast<std::uint64_t>(_mm_cvtsi128_si64(v)); }
    static std::uint64_t high64(T v) { return static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v))); }
    static T with_register(T v, std::uint32_t crc) { return _mm_xor_si128(v, _mm_cvtsi32_si128(static_cast<int>(crc))); }
    static T constants(std::uint64_t lo, std::uint64_t hi) {
        return _mm_set_epi64x(static_cast<long long>(hi), static_cast<long long>(lo));
    }
    static T fold(T x, T k) { return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)); }
};

#include "hdlc/crc_fold.inc"

}  // namespace

std::uint16_t fcs16_clmul(std::uint16_t fcs, const std::uint8_t* p, std::size_t n) noexcept {
    return crc_fold<std::uint16_t>(fcs, p, n, kFold16, kSlice16);
}
std::uint32_t fcs32_clmul(std::uint32_t fcs, const std::uint8_t* p, std::size_t n) noexcept {
    return crc_fold<std::uint32_t>(fcs, p, n, kFold32, kSlice32);
}

}  // namespace ec20ppp::hdlc::detail

#endif
