// Run-time choice of the framing kernels: CPUID on x86-64, the kernel's hardware capability words
// (getauxval AT_HWCAP/AT_HWCAP2) on ARM. The default build targets the baseline ISA; the AVX2,
// PCLMULQDQ, NEON (armhf) and PMULL code sits in files compiled for them and only runs here when
// the CPU has them. Overridable with EC20PPP_HDLC_PATH or select_path().
#include <array>
#include <cstdlib>

#if defined(__aarch64__) || defined(__arm__)
#include <sys/auxv.h>
#endif

#include "hdlc/kernels.hpp"

namespace ec20ppp::hdlc {
namespace detail {

std::atomic<const Kernels*> g_kernels{nullptr};

namespace {

#if (defined(__aarch64__) || defined(__arm__)) && !defined(__ARM_BIG_ENDIAN)
// The bits of the Linux ABI (arch/arm64/include/uapi/asm/hwcap.h, arch/arm/include/uapi/asm/
// hwcap.h), spelled out: glibc's and the kernel's headers name them differently per architecture.
#if defined(__aarch64__)
constexpr unsigned long kHwcapPmull = 1UL << 4;  // AT_HWCAP HWCAP_PMULL
bool cpu_has_neon() { return true; }             // Advanced SIMD is part of AArch64
bool cpu_has_pmull() { return (getauxval(AT_HWCAP) & kHwcapPmull) != 0; }
#else
constexpr unsigned long kHwcapNeon = 1UL << 12;  // AT_HWCAP HWCAP_NEON
constexpr unsigned long kHwcap2Pmull = 1UL << 1; // AT_HWCAP2 HWCAP2_PMULL (ARMv8 in AArch32 state)
bool cpu_has_neon() { return (getauxval(AT_HWCAP) & kHwcapNeon) != 0; }
bool cpu_has_pmull() { return cpu_has_neon() && (getauxval(AT_HWCAP2) & kHwcap2Pmull) != 0; }
#endif
#endif

const Kernels* kernels_for(Path path) {
    switch (path) {
        case Path::portable: return &kPortable;
#if defined(__x86_64__)
        case Path::x86_ssse3: return __builtin_cpu_supports("ssse3") ? &kX86Ssse3 : nullptr;
        case Path::x86_sse2:
            return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("ssse3") ? &kX86Sse2 : nullptr;
        case Path::x86_avx2:
            return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("avx2") ? &kX86Avx2 : nullptr;
#else
        case Path::x86_ssse3:
        case Path::x86_sse2:
        case Path::x86_avx2: return nullptr;
#endif
#if (defined(__aarch64__) || defined(__arm__)) && !defined(__ARM_BIG_ENDIAN)
        case Path::arm_neon: return cpu_has_neon() ? &kArmNeon : nullptr;
        case Path::arm_pmull: return cpu_has_pmull() ? &kArmPmull : nullptr;
#else
        case Path::arm_neon:
        case Path::arm_pmull: return nullptr;
#endif
    }
    return nullptr;
}

// Slowest first within each architecture (a CPU runs the paths of one architecture only).
constexpr std::array<Path, 6> kAll = {Path::portable, Path::x86_ssse3, Path::x86_sse2,
                                      Path::x86_avx2, Path::arm_neon,  Path::arm_pmull};

}  // namespace

const Kernels& resolve_kernels() noexcept {
    const Kernels* chosen = nullptr;
    if (const char* env = std::getenv("EC20PPP_HDLC_PATH"); env != nullptr) {
        for (Path p : kAll) {
            if (to_string(p) == env) chosen = kernels_for(p);
        }
    }
    if (chosen == nullptr) {
        for (Path p : kAll) {
            if (const Kernels* k = kernels_for(p)) chosen = k;  // the last available is the fastest
        }
    }
    const Kernels* expected = nullptr;
    // Another thread may have resolved (or selected) first; keep what it stored.
    if (!g_kernels.compare_exchange_strong(expected, chosen, std::memory_order_relaxed)) return *expected;
    return *chosen;
}

}  // namespace detail

std::string_view to_string(Path path) {
    switch (path) {
        case Path::portable: return "portable";
        case Path::x86_ssse3: return "x86_ssse3";
        case Path::x86_sse2: return "x86_sse2";
        case Path::x86_avx2: return "x86_avx2";
        case Path::arm_neon: return "arm_neon";
        case Path::arm_pmull: return "arm_pmull";
    }
    return "?";
}

std::span<const Path> available_paths() {
    static const auto list = [] {
        struct List {
            std::array<Path, detail::kAll.size()> paths{};
            std::size_t size = 0;
        } l;
        for (Path p : detail::kAll) {
            if (detail::kernels_for(p) != nullptr) l.paths[l.size++] = p;
        }
        return l;
    }();
    return {list.paths.data(), list.size};
}

Path active_path() { return detail::kernels().path; }

bool select_path(Path path) {
    const detail::Kernels* k = detail::kernels_for(path);
    if (k == nullptr) return false;
    detail::g_kernels.store(k, std::memory_order_relaxed);
    return true;
}

bool select_path(std::string_view name) {
    for (Path p : detail::kAll) {
        if (to_string(p) == name) return select_path(p);
    }
    return false;
}

}  // namespace ec20ppp::hdlc
