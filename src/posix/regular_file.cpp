#include "posix/regular_file.hpp"

#include <unistd.h>

#include <cerrno>

namespace ec20ppp::posix {

RegularFileRead read_regular_file(int fd, std::size_t max_size) {
    RegularFileRead result;
    if (::fstat(fd, &result.status) != 0) {
        result.error = errno;
        return result;
    }
    if (!S_ISREG(result.status.st_mode)) {
        result.outcome = RegularFileRead::Outcome::not_regular;
        return result;
    }
    if (static_cast<std::size_t>(result.status.st_size) > max_size) {
        result.outcome = RegularFileRead::Outcome::too_big;
        return result;
    }
    // Until end of file, not st_size: the file may change between fstat and read.
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            result.content.append(buffer, static_cast<std::size_t>(n));
            if (result.content.size() > max_size) {
                result.content.clear();
                result.outcome = RegularFileRead::Outcome::too_big;
                return result;
            }
            continue;
        }
        if (n == 0) break;
        if (errno == EINTR) continue;
        result.error = errno;
        result.content.clear();
        return result;
    }
    result.outcome = RegularFileRead::Outcome::ok;
    return result;
}

}  // namespace ec20ppp::posix
