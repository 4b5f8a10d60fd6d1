// ARM paths: NEON (ARMv7, armhf) / Advanced SIMD (AArch64) escape scanning, 16 octets per block,
// with table shuffles (tbl) for mixed blocks; the CRC by slicing-by-16 tables (arm_neon) or by
// PMULL folding (arm_pmull, crc_pmull.cpp). On armhf this file is compiled with -mfpu=neon (the
// Debian armhf baseline has no NEON) and its kernels run only when AT_HWCAP reports NEON
// (path.cpp); everything in it has internal linkage (see kernels.hpp on why). Little-endian only:
// the mask and shuffle layouts assume octet 0 in the low bits.
#if (defined(__aarch64__) || defined(__arm__)) && !defined(__ARM_BIG_ENDIAN)

#include <arm_neon.h>

#include "hdlc/kernels.hpp"

namespace ec20ppp::hdlc::detail {

std::uint16_t fcs16_pmull(std::uint16_t fcs, const std::uint8_t* p, std::size_t n) noexcept;
std::uint32_t fcs32_pmull(std::uint32_t fcs, const std::uint8_t* p, std::size_t n) noexcept;

namespace {

struct V {
    using T = uint8x16_t;
    static constexpr std::size_t kWidth = 16;
    static constexpr std::uint32_t kFull = 0xffff;
    static constexpr std::uint32_t kEvenBits = 0x5555;
    static T load(const std::uint8_t* p) { return vld1q_u8(p); }
    static void store(std::uint8_t* p, T v) { vst1q_u8(p, v); }
    static T set1(std::uint8_t b) { return vdupq_n_u8(b); }
    static T eq(T a, T b) { return vceqq_u8(a, b); }
    static T or_(T a, T b) { return vorrq_u8(a, b); }
    static T xor_(T a, T b) { return veorq_u8(a, b); }
    static T and_(T a, T b) { return vandq_u8(a, b); }
    static T min_u8(T a, T b) { return vminq_u8(a, b); }
    // NEON has no movemask: each all-ones octet keeps the bit of its position in its half, and
    // the halves are summed across (AArch64) or by three pairwise additions (ARMv7).
    static std::uint32_t movemask(T v) {
        static constexpr std::uint8_t kBits[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
        const uint8x16_t bits = vandq_u8(v, vld1q_u8(kBits));
#if defined(__aarch64__)
        return vaddv_u8(vget_low_u8(bits)) | (std::uint32_t{vaddv_u8(vget_high_u8(bits))} << 8);
#else
        uint8x8_t s = vpadd_u8(vget_low_u8(bits), vget_high_u8(bits));
        s = vpadd_u8(s, s);
        s = vpadd_u8(s, s);
        return vget_lane_u16(vreinterpret_u16_u8(s), 0);
#endif
    }
    // 7d, x0^20, 7d, x1^20, ...: 32 octets, by the interleaving store.
    static void store_escaped_pairs(std::uint8_t* p, T v) {
        uint8x16x2_t pairs;
        pairs.val[0] = vdupq_n_u8(0x7d);
        pairs.val[1] = veorq_u8(v, vdupq_n_u8(0x20));
        vst2q_u8(p, pairs);
    }
    // Octets 1, 3, ..., 15 XOR 0x20 to p[0..8): the high octet of each 16-bit lane.
    static void store_odd_octets_xor20(std::uint8_t* p, T v) {
        vst1_u8(p, vshrn_n_u16(vreinterpretq_u16_u8(veorq_u8(v, vdupq_n_u8(0x20))), 8));
    }
    static T first_octet(std::uint32_t c) { return vsetq_lane_u8(static_cast<std::uint8_t>(c), vdupq_n_u8(0), 0); }
    static T shift_up1(T v) { return vextq_u8(vdupq_n_u8(0), v, 15); }

    using H = uint8x16_t;
    static H load8(const std::uint8_t* p) { return vcombine_u8(vld1_u8(p), vdup_n_u8(0)); }
    static H table(const std::uint8_t* p) { return vld1q_u8(p); }
    // Indices >= 16 (AArch64 tbl) or >= 8 (ARMv7 vtbl over one register) give 0, as pshufb's 0x80.
    static H shuffle(H x, H idx) {
#if defined(__aarch64__)
        return vqtbl1q_u8(x, idx);
#else
        const uint8x8_t lo = vget_low_u8(x);
        return vcombine_u8(vtbl1_u8(lo, vget_low_u8(idx)), vtbl1_u8(lo, vget_high_u8(idx)));
#endif
    }
    static H xor_h(H a, H b) { return veorq_u8(a, b); }
    static H add_h(H a, H b) { return vaddq_u8(a, b); }
    static H set1_h(std::uint8_t b) { return vdupq_n_u8(b); }
    static void store_h(std::uint8_t* p, H v) { vst1q_u8(p, v); }
    template <std::size_t K>
    static H octets8(T v) {
        if constexpr (K == 0) {
            return v;
        } else {
            return vextq_u8(v, v, 8);
        }
    }
};

#include "hdlc/kernels_simd.inc"

}  // namespace

const Kernels kArmNeon{Path::arm_neon, fcs16_tables, fcs32_tables, escape_simd, unescape_simd};
const Kernels kArmPmull{Path::arm_pmull, fcs16_pmull, fcs32_pmull, escape_simd, unescape_simd};

}  // namespace ec20ppp::hdlc::detail

#endif
