// x86-64 paths with SSE2 scanning and SSSE3's pshufb for the table shuffles:
// - x86_sse2: CRC by PCLMULQDQ folding (crc_clmul.cpp). Chosen when the CPU has PCLMULQDQ but not
//   AVX2 (Westmere to Ivy Bridge, Atom/Celeron of the Silvermont and Goldmont lines, AMD Jaguar...).
// - x86_ssse3: CRC by slicing-by-16 tables, for CPUs with SSSE3 but no PCLMULQDQ (Core 2, the
//   first Atoms: Bonnell and Saltwell, still in industrial boxes). It is also, on any x86-64, the
//   shape of what an ARMv7 board with NEON runs (arm_neon: SIMD scanning, table CRC).
// This file is compiled with -mssse3 and its kernels run only when CPUID reports SSSE3 (every CPU
// with PCLMULQDQ has it); everything in it has internal linkage (see kernels.hpp on why).
#if defined(__x86_64__)

#include <tmmintrin.h>

#include "hdlc/kernels.hpp"

namespace ec20ppp::hdlc::detail {

std::uint16_t fcs16_clmul(std::uint16_t fcs, const std::uint8_t* p, std::size_t n) noexcept;
std::uint32_t fcs32_clmul(std::uint32_t fcs, const std::uint8_t* p, std::size_t n) noexcept;

namespace {

#include "hdlc/x86_half_vector.inc"

struct V : X86HalfVector {
    using T = __m128i;
    static constexpr std::size_t kWidth = 16;
    static constexpr std::uint32_t kFull = 0xffff;
    static constexpr std::uint32_t kEvenBits = 0x5555;
    static T load(const std::uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
    static void store(std::uint8_t* p, T v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
    static T set1(std::uint8_t b) { return _mm_set1_epi8(static_cast<char>(b)); }
    static T eq(T a, T b) { return _mm_cmpeq_epi8(a, b); }
    static T or_(T a, T b) { return _mm_or_si128(a, b); }
    static T xor_(T a, T b) { return _mm_xor_si128(a, b); }
    static T and_(T a, T b) { return _mm_and_si128(a, b); }
    static T shift_up1(T v) { return _mm_slli_si128(v, 1); }
    static T first_octet(std::uint32_t c) { return _mm_cvtsi32_si128(static_cast<int>(c)); }
    static T min_u8(T a, T b) { return _mm_min_epu8(a, b); }
    static std::uint32_t movemask(T v) { return static_cast<std::uint32_t>(_mm_movemask_epi8(v)); }
    // 7d, x0^20, 7d, x1^20, ...: 2 * kWidth octets.
    static void store_escaped_pairs(std::uint8_t* p, T v) {
        const T x = _mm_xor_si128(v, set1(0x20)), e = set1(0x7d);
        store(p, _mm_unpacklo_epi8(e, x));
        store(p + 16, _mm_unpackhi_epi8(e, x));
    }
    // Octets 1, 3, ..., 15 XOR 0x20 to p[0..8) (16 octets stored).
    static void store_odd_octets_xor20(std::uint8_t* p, T v) {
        const T odd = _mm_srli_epi16(_mm_xor_si128(v, set1(0x20)), 8);
        store(p, _mm_packus_epi16(odd, odd));
    }

    template <std::size_t K>
    static H octets8(T v) {
        if constexpr (K == 0) {
            return v;
        } else {
            return _mm_srli_si128(v, 8);
        }
    }
};

#include "hdlc/kernels_simd.inc"

}  // namespace

const Kernels kX86Ssse3{Path::x86_ssse3, fcs16_tables, fcs32_tables, escape_simd, unescape_simd};
const Kernels kX86Sse2{Path::x86_sse2, fcs16_clmul, fcs32_clmul, escape_simd, unescape_simd};

}  // namespace ec20ppp::hdlc::detail

#endif
