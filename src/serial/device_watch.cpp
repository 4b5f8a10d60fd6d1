#include "serial/device_watch.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <array>

namespace ec20ppp {

bool wait_for_path(const std::filesystem::path& path, Duration timeout, const volatile bool* should_stop) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return true;
    const TimePoint deadline = Clock::now() + timeout;
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd >= 0) {
        // The parent may itself be missing for a while (/dev/serial/by-id is created with the
        // first USB serial device): watch the nearest existing ancestor.
        auto dir = path.parent_path();
        while (!dir.empty() && !std::filesystem::exists(dir, ec)) dir = dir.parent_path();
        if (!dir.empty()) ::inotify_add_watch(fd, dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_ATTRIB);
    }
    bool found = false;
    while (!found) {
        if (should_stop && *should_stop) break;
        const TimePoint now = Clock::now();
        if (now >= deadline) break;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
        int wait_ms = static_cast<int>(std::min<long long>(left, should_stop ? 100 : 500));
        if (fd >= 0) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, wait_ms) > 0) {
                std::array<char, 4096> events;
                while (::read(fd, events.data(), events.size()) > 0) {
                }
            }
        } else {
            ::usleep(static_cast<useconds_t>(wait_ms) * 1000);
        }
        found = std::filesystem::exists(path, ec);
    }
    if (fd >= 0) ::close(fd);
    return found;
}

}  // namespace ec20ppp
