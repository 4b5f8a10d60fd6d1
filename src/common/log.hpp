// A log line produced by protocol code. Protocol code never writes to a file: it returns these and
// the app decides where they go (stderr, syslog, JSON).
#pragma once

#include <cstdint>
#include <string>

namespace ec20ppp {

// Same ordering as syslog severities, so the app can map them directly.
enum class LogLevel : std::uint8_t { error, warning, notice, info, debug };

struct LogLine {
    LogLevel level = LogLevel::info;
    std::string text;
};

}  // namespace ec20ppp
