#include "app/logger.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace ec20ppp::app {

std::string_view to_string(LogLevel level) {
    switch (level) {
        case LogLevel::error: return "error";
        case LogLevel::warning: return "warning";
        case LogLevel::notice: return "notice";
        case LogLevel::info: return "info";
        case LogLevel::debug: return "debug";
    }
    return "info";
}

std::string log_line_json(LogLevel level, std::string_view text, std::string_view prefix,
                          std::chrono::system_clock::time_point time) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char stamp[40];
    const std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", static_cast<int>(ms % 1000));
    nlohmann::json j;
    j["time"] = stamp;
    j["level"] = to_string(level);
    // Peer text can hold any bytes: replace what is not UTF-8 rather than fail to log.
    j["message"] = std::string(text);
    // pppd's packet lines: "sent [LCP ConfReq ...]", "rcvd [...]".
    if (text.starts_with("sent [")) j["direction"] = "tx";
    else if (text.starts_with("rcvd [")) j["direction"] = "rx";
    std::string_view source = prefix;
    while (!source.empty() && (source.back() == ' ' || source.back() == ':')) source.remove_suffix(1);
    if (!source.empty()) j["source"] = source;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Logger::log(LogLevel level, std::string_view text) const {
    if (level == LogLevel::error) {
        last_error_ = std::string(text);
        ++errors_;
    }
    if (!enabled(level)) return;
    std::string line;
    if (format_ == LogFormat::json) {
        line = log_line_json(level, text, prefix_, std::chrono::system_clock::now());
    } else {
        line = prefix_;
        if (level == LogLevel::error) line += "error: ";
        else if (level == LogLevel::warning) line += "warning: ";
        line.append(text);
    }
    line += '\n';
    // One write per line, so lines of the dialer and its simulator child never interleave.
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
}

}  // namespace ec20ppp::app
