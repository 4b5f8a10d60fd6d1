// HDB UUCP lock file (/var/lock/LCK..ttyUSB2): the convention pppd, minicom, ModemManager's
// friends and lockdev use to keep two programs off one serial port.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ec20ppp {

// Any lock failure other than "someone alive holds it": lock dir missing, permissions, I/O.
class LockError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A live process holds the lock. A distinct type so the app can exit with its own code (6).
class PortInUseError : public LockError {
public:
    PortInUseError(const std::string& message, pid_t holder, std::string holder_comm)
        : LockError(message), pid_(holder), comm_(std::move(holder_comm)) {}
    pid_t holder_pid() const { return pid_; }
    // /proc/<pid>/comm of the holder, or "" if it could not be read.
    const std::string& holder_comm() const { return comm_; }

private:
    pid_t pid_;
    std::string comm_;
};

// Outside UucpLock so it can be a defaulted constructor argument (a nested class with member
// initialisers is incomplete inside its enclosing class).
struct UucpLockOptions {
    std::filesystem::path lock_dir = "/var/lock";
    // Receives one line per noteworthy event (stale lock taken over). Unset: stderr.
    std::function<void(std::string_view)> log;
};

class UucpLock {
public:
    using Options = UucpLockOptions;

    // "LCK..ttyUSB2" for "/dev/ttyUSB2": symlinks (/dev/serial/by-id/...) are resolved first so
    // every name of one tty maps to one lock; the part below /dev/ is used with '/' → '_'
    // ("/dev/pts/3" → "LCK..pts_3"), as pppd does.
    static std::string lock_name_for(const std::string& device_path);

    // Takes the lock for `device_path`, taking over stale locks (dead pid or unreadable
    // content). Throws PortInUseError if a live process holds it, LockError otherwise.
    explicit UucpLock(const std::string& device_path, Options options = {});
    ~UucpLock();  // release()

    UucpLock(const UucpLock&) = delete;
    UucpLock& operator=(const UucpLock&) = delete;

    const std::filesystem::path& path() const { return path_; }
    bool held() const { return held_; }

    // Removes the lock file if it still holds our pid (so a fork()ed child, or a process that
    // had its stale lock taken over, never deletes someone else's lock). Idempotent; never throws.
    void release() noexcept;

private:
    std::string device_;
    std::filesystem::path path_;
    pid_t pid_ = 0;
    bool held_ = false;
};

}  // namespace ec20ppp
