// Randomness is injected: protocol code asks the caller for random bytes, so tests can be
// deterministic and the core never opens /dev/urandom itself.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

namespace ec20ppp {

using RandomSource = std::function<void(std::span<std::uint8_t>)>;

inline std::uint32_t random_u32(const RandomSource& random) {
    std::uint8_t b[4];
    random(b);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}

}  // namespace ec20ppp
