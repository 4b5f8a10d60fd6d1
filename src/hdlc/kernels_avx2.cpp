// x86-64 path with AVX2 scanning and PCLMULQDQ CRC folding (crc_clmul.cpp). This file is
// compiled with -mavx2 and its kernels run only when CPUID reports AVX2 (path.cpp); everything
// in it has internal linkage, so no AVX2 code can stand in for a function the rest calls.
#if defined(__x86_64__)

#include <immintrin.h>

#include "hdlc/kernels.hpp"

namespace ec20ppp::hdlc::detail {

std::uint16_t fcs16_clmul(std::uint16_t fcs, const std::uint8_t* p, std::size_t n) noexcept;
std::uint32_t fcs32_clmul(std::uint32_t fcs, const std::uint8_t* p, std::size_t n) noexcept;

namespace {

#include "hdlc/x86_half_vector.inc"

struct V : X86HalfVector {
    using T = __m256i;
    static constexpr std::size_t kWidth = 32;
    static constexpr std::uint32_t kFull = 0xffffffffU;
    static constexpr std::uint32_t kEvenBits = 0x55555555U;
    static T load(const std::uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
    static void store(std::uint8_t* p, T v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
    static T set1(std::uint8_t b) { return _mm256_set1_epi8(static_cast<char>(b)); }
    static T eq(T a, T b) { return _mm256_cmpeq_epi8(a, b); }
    static T or_(T a, T b) { return _mm256_or_si256(a, b); }
    static T xor_(T a, T b) { return _mm256_xor_si256(a, b); }
    static T and_(T a, T b) { return _mm256_and_si256(a, b); }
    // Octet j takes octet j - 1, across the two 128-bit lanes (alignr works per lane, so the
    // low lane's last octet is brought in from a copy moved up one lane).
    static T first_octet(std::uint32_t c) { return _mm256_zextsi128_si256(_mm_cvtsi32_si128(static_cast<int>(c))); }
    static T shift_up1(T v) { return _mm256_alignr_epi8(v, _mm256_permute2x128_si256(v, v, 0x08), 15); }
    static T min_u8(T a, T b) { return _mm256_min_epu8(a, b); }
    static std::uint32_t movemask(T v) { return static_cast<std::uint32_t>(_mm256_movemask_epi8(v)); }
    // 7d, x0^20, 7d, x1^20, ...: 2 * kWidth octets. The unpacks work per 128-bit lane, so the
    // lanes are put back in order afterwards.
    static void store_escaped_pairs(std::uint8_t* p, T v) {
        const T x = _mm256_xor_si256(v, set1(0x20)), e = set1(0x7d);
        const T lo = _mm256_unpacklo_epi8(e, x), hi = _mm256_unpackhi_epi8(e, x);
        store(p, _mm256_permute2x128_si256(lo, hi, 0x20));
        store(p + 32, _mm256_permute2x128_si256(lo, hi, 0x31));
    }
    // Octets 1, 3, ..., 31 XOR 0x20 to p[0..16) (32 octets stored). The pack works per lane:
    // 64-bit words 0 and 2 hold the two halves.
    static void store_odd_octets_xor20(std::uint8_t* p, T v) {
        const T odd = _mm256_srli_epi16(_mm256_xor_si256(v, set1(0x20)), 8);
        store(p, _mm256_permute4x64_epi64(_mm256_packus_epi16(odd, odd), 0x08));
    }

    template <std::size_t K>
    static H octets8(T v) {
        const H lane = K < 2 ? _mm256_castsi256_si128(v) : _mm256_extracti128_si256(v, 1);
        return K % 2 == 0 ? lane : _mm_srli_si128(lane, 8);
    }
};

#include "hdlc/kernels_simd.inc"

}  // namespace

const Kernels kX86Avx2{Path::x86_avx2, fcs16_clmul, fcs32_clmul, escape_simd, unescape_simd};

}  // namespace ec20ppp::hdlc::detail

#endif
