// Reading a small file that someone else may control (a lock in the world-writable /run/lock,
// a state record, --config, /etc/resolv.conf) without being fooled by it: the checks are made on
// the open descriptor, so the file judged is the file read. Callers open it themselves, with the
// flags their case needs (O_NOFOLLOW so a planted symlink is not followed, O_NONBLOCK so a
// planted FIFO cannot hang the read), and turn the outcome into their own message.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string>

namespace ec20ppp::posix {

struct RegularFileRead {
    enum class Outcome {
        ok,           // content holds the whole file
        not_regular,  // a directory, FIFO, device, socket...: nothing read
        too_big,      // over the caller's limit (by its size, or it grew while read): content empty
        failed,       // fstat or read failed: error holds errno
    };
    Outcome outcome = Outcome::failed;
    std::string content;
    struct stat status {};  // of the descriptor, when fstat worked
    int error = 0;
};

// Reads all of `fd` if it is a regular file of at most `max_size` octets. Retries EINTR; does
// not close `fd`.
RegularFileRead read_regular_file(int fd, std::size_t max_size);

}  // namespace ec20ppp::posix
