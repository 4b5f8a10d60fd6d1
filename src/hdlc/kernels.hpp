// Internal: the per-path kernels behind fcs16/fcs32, encode_frame and Deframer. Not installed,
// not used outside src/hdlc (tests and benchmarks go through the public API and path.hpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "hdlc/path.hpp"

namespace ec20ppp::hdlc::detail {

// Output slack the kernels may scribble on past what they report as written.
inline constexpr std::size_t kSlack = 64;

// Classes of received octets (Deframer's table): 0 data, 1 flag, 2 escape, 3 DCE-inserted (drop).
enum RxClass : std::uint8_t { kRxData = 0, kRxFlag = 1, kRxEscape = 2, kRxDrop = 3 };

struct Kernels {
    Path path;
    std::uint16_t (*fcs16)(std::uint16_t fcs, const std::uint8_t* p, std::size_t n) noexcept;
    std::uint32_t (*fcs32)(std::uint32_t fcs, const std::uint8_t* p, std::size_t n) noexcept;
    // Writes `src` octet-stuffed under `accm` (0x7d, 0x7e always escaped; octets < 0x20 whose ACCM
    // bit is set) to `dst`, which has room for 2 * n + kSlack octets; returns the end of what it wrote.
    std::uint8_t* (*escape)(const std::uint8_t* src, std::size_t n, std::uint8_t* dst, std::uint32_t accm) noexcept;
    // Receive side, in the middle of a frame with no escape pending: copies data octets and
    // "7d X" pairs (X a data octet, written as X ^ 0x20) from `src` to `dst`, producing at most
    // `room` octets (dst has kSlack more to scribble on). Stops before the first octet it does not
    // handle: a flag, a DCE octet, an escape not followed by a data octet within `src`, or a data
    // octet that would exceed `room`. `cls` is the Deframer's class table, `accm` its receive ACCM.
    // Returns the octets consumed; `produced` receives the octets written.
    std::size_t (*unescape)(const std::uint8_t* src, std::size_t n, std::uint8_t* dst, std::size_t room,
                            const std::uint8_t* cls, std::uint32_t accm, std::size_t& produced) noexcept;
};

// The FCS by slicing-by-16 tables (crc_tables.hpp), compiled for the baseline ISA in
// kernels_portable.cpp: the portable path's, and that of the SIMD paths for CPUs without a
// carry-less multiply (x86_ssse3, arm_neon).
std::uint16_t fcs16_tables(std::uint16_t fcs, const std::uint8_t* p, std::size_t n) noexcept;
std::uint32_t fcs32_tables(std::uint32_t fcs, const std::uint8_t* p, std::size_t n) noexcept;

extern const Kernels kPortable;
#if defined(__x86_64__)
extern const Kernels kX86Ssse3;
extern const Kernels kX86Sse2;
extern const Kernels kX86Avx2;
#endif
#if (defined(__aarch64__) || defined(__arm__)) && !defined(__ARM_BIG_ENDIAN)
extern const Kernels kArmNeon;
extern const Kernels kArmPmull;
#endif

extern std::atomic<const Kernels*> g_kernels;
const Kernels& resolve_kernels() noexcept;

inline const Kernels& kernels() noexcept {
    const Kernels* k = g_kernels.load(std::memory_order_relaxed);
    return k != nullptr ? *k : resolve_kernels();
}

// Scalar building blocks shared by the paths (tails, dense blocks). Static: some paths are
// compiled with -mavx2 etc., and an inline function with external linkage could be merged by the
// linker into the copy built for a newer CPU.
static inline bool tx_needs_escape(std::uint8_t octet, std::uint32_t accm) {
    if (octet < 0x20) return ((accm >> octet) & 1U) != 0;
    return octet == 0x7d || octet == 0x7e;
}

static inline std::uint8_t* escape_scalar(const std::uint8_t* src, std::size_t n, std::uint8_t* dst,
                                   std::uint32_t accm) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t b = src[i];
        const bool e = tx_needs_escape(b, accm);
        // Branch-free: both octets are stored, the pointer moves by one or two.
        dst[0] = e ? std::uint8_t{0x7d} : b;
        dst[1] = static_cast<std::uint8_t>(b ^ 0x20);
        dst += 1 + static_cast<std::size_t>(e);
    }
    return dst;
}

// The receive loop octet by octet (same contract as Kernels::unescape), from position i/o.
static inline std::size_t unescape_scalar(const std::uint8_t* src, std::size_t n, std::uint8_t* dst, std::size_t room,
                                   const std::uint8_t* cls, std::size_t i, std::size_t o,
                                   std::size_t& produced) noexcept {
    while (i < n) {
        const std::uint8_t c = cls[src[i]];
        if (c == kRxData) {
            if (o == room) break;
            dst[o++] = src[i++];
        } else if (c == kRxEscape && i + 1 < n && cls[src[i + 1]] == kRxData) {
            if (o == room) break;
            dst[o++] = static_cast<std::uint8_t>(src[i + 1] ^ 0x20);
            i += 2;
        } else {
            break;
        }
    }
    produced = o;
    return i;
}

}  // namespace ec20ppp::hdlc::detail
