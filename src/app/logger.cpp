#include "app/logger.hpp"

#include <unistd.h>

#include <cstdio>

namespace ec20ppp::app {

void Logger::log(LogLevel level, std::string_view text) const {
    if (!enabled(level)) return;
    std::string line = prefix_;
    if (level == LogLevel::error) line += "error: ";
    else if (level == LogLevel::warning) line += "warning: ";
    line.append(text);
    line += '\n';
    // One write per line, so lines of the dialer and its simulator child never interleave.
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
}

}  // namespace ec20ppp::app
