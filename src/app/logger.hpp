// Where log lines go: stderr, one line each, optionally with a timestamp. Protocol code returns
// LogLines; only the app writes them.
#pragma once

#include <string>
#include <string_view>

#include "common/log.hpp"

namespace ec20ppp::app {

// --log-format: pppd-like text lines, or one JSON object per line for log collectors.
enum class LogFormat { text, json };

class Logger {
public:
    explicit Logger(LogLevel max_level = LogLevel::info, std::string prefix = {}) : max_(max_level), prefix_(std::move(prefix)) {}
    void set_level(LogLevel level) { max_ = level; }
    bool enabled(LogLevel level) const { return level <= max_; }
    void log(LogLevel level, std::string_view text) const;
    void log(const LogLine& line) const { log(line.level, line.text); }
    void info(std::string_view text) const { log(LogLevel::info, text); }
    void notice(std::string_view text) const { log(LogLevel::notice, text); }
    void warning(std::string_view text) const { log(LogLevel::warning, text); }
    void error(std::string_view text) const { log(LogLevel::error, text); }
    void debug(std::string_view text) const { log(LogLevel::debug, text); }

private:
    LogLevel max_;
    std::string prefix_;
};

}  // namespace ec20ppp::app
