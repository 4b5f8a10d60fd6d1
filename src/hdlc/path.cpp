// Run-time choice of the framing kernels: CPUID on x86-64 (the default build targets the baseline
// ISA; the AVX2 and PCLMULQDQ code sits in files compiled for them and only runs here when the CPU
// has them), overridable with EC20PPP_HDLC_PATH or select_path().
#include <array>
#include <cstdlib>

#include "hdlc/kernels.hpp"

namespace ec20ppp::hdlc {
namespace detail {

std::atomic<const Kernels*> g_kernels{nullptr};

namespace {

const Kernels* kernels_for(Path path) {
    switch (path) {
        case Path::portable: return &kPortable;
#if defined(__x86_64__)
        case Path::x86_sse2: return __builtin_cpu_supports("pclmul") ? &kX86Sse2 : nullptr;
        case Path::x86_avx2:
            return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("avx2") ? &kX86Avx2 : nullptr;
#else
        case Path::x86_sse2:
        case Path::x86_avx2: return nullptr;
#endif
    }
    return nullptr;
}

constexpr std::array<Path, 3> kAll = {Path::portable, Path::x86_sse2, Path::x86_avx2};

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
        case Path::x86_sse2: return "x86_sse2";
        case Path::x86_avx2: return "x86_avx2";
    }
    return "?";
}

std::span<const Path> available_paths() {
    static const auto list = [] {
        struct List {
            std::array<Path, 3> paths{};
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
