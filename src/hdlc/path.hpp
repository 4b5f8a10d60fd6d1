// Which implementation of the framing kernels runs (FCS, escaping, unescaping). The fastest one
// the CPU supports is chosen at the first use, unless the environment variable
// EC20PPP_HDLC_PATH names another (e.g. EC20PPP_HDLC_PATH=portable); select_path() changes it at
// run time (benchmarks and the equivalence tests use it). Every path gives bit-identical results.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace ec20ppp::hdlc {

enum class Path : std::uint8_t {
    portable,  // plain C++: slicing-by-16 CRC tables, 8 octets at a time escape scanning (SWAR)
    x86_ssse3,  // x86-64 SSE2 scanning with SSSE3 shuffles, slicing-by-16 CRC tables (no PCLMULQDQ)
    x86_sse2,  // x86-64 SSE2 scanning with SSSE3 shuffles, CRC by PCLMULQDQ folding (needs both)
    x86_avx2,  // AVX2 scanning, CRC by PCLMULQDQ folding
    arm_neon,   // ARM NEON / AArch64 Advanced SIMD scanning, slicing-by-16 CRC tables
    arm_pmull,  // NEON scanning, CRC by PMULL folding (ARMv8 crypto extension, AArch64 or AArch32)
};

std::string_view to_string(Path path);

// The paths this CPU can run, slowest first (portable is always there).
std::span<const Path> available_paths();

// The path in use (resolving the default on the first call).
Path active_path();

// Switches to `path`; false (nothing changes) when this CPU cannot run it. Not meant to be called
// while another thread frames: switch before, or between, runs.
bool select_path(Path path);
// By name ("portable", "x86_ssse3", "x86_sse2", "x86_avx2", "arm_neon", "arm_pmull"); false when
// unknown or unavailable.
bool select_path(std::string_view name);

}  // namespace ec20ppp::hdlc
