// Where log lines go: stderr, one line each: pppd-like text, or (--log-format json) one JSON
// object per line for journald/log collectors. Protocol code returns LogLines; only the app
// writes them.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/log.hpp"

namespace ec20ppp::app {

// --log-format: pppd-like text lines, or one JSON object per line for log collectors.
enum class LogFormat { text, json };

// One log event as a JSON object on one line: {"time": "2026-11-25T17:52:15.123Z", "level":
// "notice", "message": ..., "direction": "tx"|"rx" for a packet line ("sent [LCP ...]"),
// "source": the prefix's name ("sim") when there is one}.
std::string log_line_json(LogLevel level, std::string_view text, std::string_view prefix,
                          std::chrono::system_clock::time_point time);
std::string_view to_string(LogLevel level);

class Logger {
public:
    explicit Logger(LogLevel max_level = LogLevel::info, std::string prefix = {}) : max_(max_level), prefix_(std::move(prefix)) {}
    void set_level(LogLevel level) { max_ = level; }
    void set_format(LogFormat format) { format_ = format; }
    bool enabled(LogLevel level) const { return level <= max_; }
    void log(LogLevel level, std::string_view text) const;
    void log(const LogLine& line) const { log(line.level, line.text); }
    void info(std::string_view text) const { log(LogLevel::info, text); }
    void notice(std::string_view text) const { log(LogLevel::notice, text); }
    void warning(std::string_view text) const { log(LogLevel::warning, text); }
    void error(std::string_view text) const { log(LogLevel::error, text); }
    void debug(std::string_view text) const { log(LogLevel::debug, text); }
    // The last error logged (whatever the level filter): the status file's "last failure".
    const std::string& last_error() const { return last_error_; }
    // How many errors were logged so far: tells whether last_error() is from this attempt.
    std::uint64_t error_count() const { return errors_; }

private:
    LogLevel max_;
    std::string prefix_;
    LogFormat format_ = LogFormat::text;
    mutable std::string last_error_;
    mutable std::uint64_t errors_ = 0;
};

}  // namespace ec20ppp::app
