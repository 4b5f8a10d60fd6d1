#include "serial/uucp_lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
#include <thread>

#include "posix/regular_file.hpp"

namespace ec20ppp {
namespace {

std::string errno_text(int err) { return std::generic_category().message(err); }

// HDB UUCP format: the pid as ten ASCII characters, right-aligned, then a newline.
std::string format_lock_content(pid_t pid) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%10d\n", static_cast<int>(pid));
    return buf;
}

// Accepts the HDB text format (leading blanks, digits, optional newline) and, for old V2 UUCP
// programs, a raw 4-byte binary pid. Anything else is garbage: nullopt.
std::optional<pid_t> parse_lock_content(const std::string& content) {
    std::size_t i = 0;
    while (i < content.size() && content[i] == ' ') ++i;
    std::size_t end = content.size();
    if (end > i && content[end - 1] == '\n') --end;
    if (end > i) {
        long value = 0;
        const auto* first = content.data() + i;
        const auto* last = content.data() + end;
        auto [ptr, ec] = std::from_chars(first, last, value);
        if (ec == std::errc{} && ptr == last && value > 0 && value <= 0x3fffffff) {
            return static_cast<pid_t>(value);
        }
    }
    if (content.size() == sizeof(std::int32_t)) {
        std::int32_t value = 0;
        std::memcpy(&value, content.data(), sizeof value);
        if (value > 0) return static_cast<pid_t>(value);
    }
    return std::nullopt;
}

// nullopt if the file does not exist (any more). Whatever is not a regular file - a symlink or
// a FIFO someone planted in the world-writable /run/lock - reads as garbage: never followed, and
// (O_NONBLOCK) never a read that hangs.
std::optional<std::string> read_small_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        return std::string{};  // unreadable counts as garbage
    }
    // A lock file is 11 octets: one of more than 4 KiB is not worth reading, and garbage.
    posix::RegularFileRead file = posix::read_regular_file(fd, 4096);
    ::close(fd);
    return std::move(file.content);  // empty (garbage) unless it was read whole
}

// Lock files this process holds. A lock naming our own pid that is not in here was left by an
// earlier process that had the same pid (a container's pid 1 with a persistent /var/lock): stale.
std::mutex held_mutex;
std::set<std::string>& held_paths() {
    static std::set<std::string> paths;
    return paths;
}
bool held_by_this_process(const std::filesystem::path& p) {
    std::lock_guard lock(held_mutex);
    return held_paths().count(p.string()) != 0;
}
void set_held(const std::filesystem::path& p, bool held) {
    std::lock_guard lock(held_mutex);
    if (held) {
        held_paths().insert(p.string());
    } else {
        held_paths().erase(p.string());
    }
}

bool process_alive(pid_t pid) {
    // EPERM: it exists but belongs to someone else, which is just as alive.
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

std::string process_comm(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::string comm;
    std::getline(in, comm);
    return comm;
}

void write_all(int fd, const std::string& data, const std::filesystem::path& what) {
    std::size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            throw LockError("cannot write " + what.string() + ": " + errno_text(err) +
                            " — check free space and permissions of the lock directory");
        }
        off += static_cast<std::size_t>(n);
    }
}

}  // namespace

std::string UucpLock::lock_name_for(const std::string& device_path) {
    std::error_code ec;
    const auto canonical = std::filesystem::canonical(device_path, ec);
    std::string p = ec ? device_path : canonical.string();
    std::string name;
    if (p.rfind("/dev/", 0) == 0) {
        name = p.substr(5);
    } else {
        name = std::filesystem::path(p).filename().string();
    }
    for (char& c : name) {
        if (c == '/') c = '_';
    }
    return "LCK.." + name;
}

UucpLock::UucpLock(const std::string& device_path, Options options) : device_(device_path) {
    auto log = options.log ? options.log
                           : [](std::string_view line) { std::cerr << "ec20ppp: " << line << '\n'; };
    const auto& dir = options.lock_dir;
    path_ = dir / lock_name_for(device_path);
    pid_ = ::getpid();

    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw LockError("lock directory " + dir.string() + " does not exist — create it (mkdir -p " +
                        dir.string() + ") or configure another lock directory");
    }

    // Write the complete content under a private name, then link() it to the lock name: link
    // fails with EEXIST if the lock exists and otherwise makes it appear atomically with the full
    // pid in it, so no reader ever sees a half-written lock from us (and NFS-safe, unlike O_EXCL).
    static std::atomic<unsigned> counter{0};
    std::filesystem::path temp;
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
        temp = dir / (".LTMP." + std::to_string(pid_) + "." + std::to_string(counter++));
        // O_EXCL|O_NOFOLLOW: a symlink (or anything) planted at this predictable name is neither
        // followed nor reused; another name is tried instead.
        fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) {
        const int err = errno;
        throw LockError("cannot create a lock file in " + dir.string() + ": " + errno_text(err) +
                        (err == EACCES || err == EPERM || err == EROFS
                             ? " — run as root or make the directory writable"
                             : " — check the lock directory"));
    }
    try {
        ::fchmod(fd, 0644);  // umask must not make the lock unreadable to other programs
        write_all(fd, format_lock_content(pid_), temp);
    } catch (...) {
        ::close(fd);
        ::unlink(temp.c_str());
        throw;
    }
    ::close(fd);

    struct RemoveTemp {
        const std::filesystem::path& p;
        ~RemoveTemp() { ::unlink(p.c_str()); }
    } remove_temp{temp};

    // A few rounds: each stale-lock removal may race with another taker.
    for (int attempt = 0; attempt < 8; ++attempt) {
        if (::link(temp.c_str(), path_.c_str()) == 0) {
            held_ = true;
            set_held(path_, true);
            return;
        }
        if (errno != EEXIST) {
            const int err = errno;
            throw LockError("cannot create lock file " + path_.string() + ": " + errno_text(err) +
                            " — check permissions of " + dir.string());
        }

        auto content = read_small_file(path_);
        if (!content) continue;  // vanished in between: just try again
        auto holder = parse_lock_content(*content);
        // Programs that create the lock with open(O_EXCL) and then write have a moment where it
        // is empty; give such a writer a little time before calling the lock garbage.
        for (int wait = 0; !holder && wait < 3; ++wait) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            content = read_small_file(path_);
            if (!content) break;
            holder = parse_lock_content(*content);
        }
        if (!content) continue;

        const bool alive = holder && (*holder == pid_ ? held_by_this_process(path_) : process_alive(*holder));
        if (alive) {
            const std::string comm = process_comm(*holder);
            throw PortInUseError(device_path + " is in use by pid " + std::to_string(*holder) +
                                     (comm.empty() ? "" : " (" + comm + ")") +
                                     ": stop it first (lock file " + path_.string() + ")",
                                 *holder, comm);
        }
        if (holder && *holder == pid_) {
            log("taking over stale lock " + path_.string() + " left by an earlier process with our pid " +
                std::to_string(*holder));
        } else if (holder) {
            log("taking over stale lock " + path_.string() + " of pid " + std::to_string(*holder) +
                ", which is no longer running");
        } else {
            log("taking over lock " + path_.string() + " with unreadable content (not an HDB UUCP pid)");
        }
        // Only remove what we judged stale: if someone replaced it meanwhile, re-evaluate.
        auto again = read_small_file(path_);
        if (again && *again == *content) ::unlink(path_.c_str());
    }
    throw LockError("cannot take lock " + path_.string() +
                    ": it keeps reappearing — another program is fighting over " + device_path +
                    "; stop it first");
}

UucpLock::~UucpLock() { release(); }

void UucpLock::release() noexcept {
    if (!held_) return;
    held_ = false;
    // A fork()ed child inherits this object but must not remove its parent's lock.
    if (::getpid() != pid_) return;
    try {
        set_held(path_, false);
        auto content = read_small_file(path_);
        if (content && parse_lock_content(*content) == pid_) ::unlink(path_.c_str());
    } catch (...) {
        // Releasing is best effort; a leftover lock is stale and will be taken over next time.
    }
}

}  // namespace ec20ppp
