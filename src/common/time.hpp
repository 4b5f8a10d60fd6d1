// Time as a value. Protocol code never reads a clock: callers pass `now` in and ask for the next
// deadline (the ngtcp2 pattern), so every timer path is testable with fake time.
#pragma once

#include <chrono>
#include <optional>

namespace ec20ppp {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

// The earlier of two optional deadlines; nullopt means "no deadline".
inline std::optional<TimePoint> earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
    if (!a) return b;
    if (!b) return a;
    return *a < *b ? a : b;
}

}  // namespace ec20ppp
