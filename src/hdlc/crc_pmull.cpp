// FCS-16 and FCS-32 by carry-less multiplication on ARMv8 (PMULL, the crypto extension), in
// AArch64 or AArch32 state; the algorithm is in crc_fold.inc. Compiled with the crypto extension
// enabled and called only when the kernel reports PMULL (AT_HWCAP / AT_HWCAP2, path.cpp).
// (ARMv8's CRC32 instructions would cover FCS-32 only; PMULL folding serves both FCSs.)
#if defined(__aarch64__) || defined(__arm__)

#include <arm_neon.h>

#include "hdlc/crc_tables.hpp"

namespace ec20ppp::hdlc::detail {
namespace {

struct C {
    using T = uint8x16_t;
    static T load(const std::uint8_t* p) { return vld1q_u8(p); }
    static T xor_(T a, T b) { return veorq_u8(a, b); }
    static std::uint64_t low64(T v) { return vgetq_lane_u64(vreinterpretq_u64_u8(v), 0); }
    static std::uint64_t high64(T v) { return vgetq_lane_u64(vreinterpretq_u64_u8(v), 1); }
    static T with_register(T v, std::uint32_t crc) {
        return veorq_u8(v, vreinterpretq_u8_u32(vsetq_lane_u32(crc, vdupq_n_u32(0), 0)));
    }
    static T constants(std::uint64_t lo, std::uint64_t hi) {
        return vreinterpretq_u8_u64(vcombine_u64(vcreate_u64(lo), vcreate_u64(hi)));
    }
    static T fold(T x, T k) {
        const uint64x2_t x64 = vreinterpretq_u64_u8(x), k64 = vreinterpretq_u64_u8(k);
        const poly128_t lo = vmull_p64(static_cast<poly64_t>(vgetq_lane_u64(x64, 0)),
                                       static_cast<poly64_t>(vgetq_lane_u64(k64, 0)));
        const poly128_t hi = vmull_p64(static_cast<poly64_t>(vgetq_lane_u64(x64, 1)),
                                       static_cast<poly64_t>(vgetq_lane_u64(k64, 1)));
        return veorq_u8(vreinterpretq_u8_p128(lo), vreinterpretq_u8_p128(hi));
    }
};

#include "hdlc/crc_fold.inc"

}  // namespace

std::uint16_t fcs16_pmull(std::uint16_t fcs, const std::uint8_t* p, std::size_t n) noexcept {
    return crc_fold<std::uint16_t>(fcs, p, n, kFold16, kSlice16);
}
std::uint32_t fcs32_pmull(std::uint32_t fcs, const std::uint8_t* p, std::size_t n) noexcept {
    return crc_fold<std::uint32_t>(fcs, p, n, kFold32, kSlice32);
}

}  // namespace ec20ppp::hdlc::detail

#endif
