#include "app/systemd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <system_error>

#ifdef EC20PPP_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace ec20ppp::app {

bool notify_socket(const std::string& socket_path, std::string_view state) {
    if (socket_path.empty()) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    // sd_notify(3): a path starting with '@' names a socket in the abstract namespace.
    if (socket_path.size() >= sizeof addr.sun_path || (socket_path[0] != '/' && socket_path[0] != '@')) {
        throw std::system_error(EINVAL, std::generic_category(),
                                "NOTIFY_SOCKET=" + socket_path + " is not an absolute path or @abstract name");
    }
    std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
    if (socket_path[0] == '@') addr.sun_path[0] = '\0';
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path.size());

    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket(AF_UNIX) for NOTIFY_SOCKET");
    ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), len);
    int err = errno;
    ::close(fd);
    if (sent < 0) throw std::system_error(err, std::generic_category(), "sending to NOTIFY_SOCKET=" + socket_path);
    return true;
}

bool notify_service_manager(std::string_view state) {
#ifdef EC20PPP_HAVE_SYSTEMD
    int r = sd_notify(0, std::string(state).c_str());
    if (r < 0) throw std::system_error(-r, std::generic_category(), "sd_notify");
    return r > 0;
#else
    const char* path = std::getenv("NOTIFY_SOCKET");
    return path != nullptr && notify_socket(path, state);
#endif
}

std::string tell_service_manager(std::string_view state) {
    try {
        notify_service_manager(state);
        return {};
    } catch (const std::exception& e) {
        return std::string("cannot notify the service manager (NOTIFY_SOCKET): ") + e.what();
    }
}

}  // namespace ec20ppp::app
