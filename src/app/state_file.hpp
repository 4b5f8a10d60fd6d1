// The dialer's state directory (/run/ec20ppp): one undo record per dialer, so that changes a
// SIGKILLed dialer left behind (a replaced default route, a rewritten resolv.conf) are put back by
// the next `ec20ppp dial`. Records are written atomically (temp file created O_EXCL|O_NOFOLLOW
// 0600 in the same directory, fsync, rename); the directory is refused when others could plant or
// swap records in it (a symlink, another owner, group/other-writable).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "netconf/netlink.hpp"
#include "netconf/undo_record.hpp"

namespace ec20ppp::app {

// The state directory cannot be used. unsafe(): it exists but others could tamper with it (the
// dialer refuses to run); otherwise it could not be created or written (e.g. not root).
class StateDirError : public std::runtime_error {
public:
    StateDirError(const std::string& message, bool unsafe) : std::runtime_error(message), unsafe_(unsafe) {}
    bool unsafe() const { return unsafe_; }

private:
    bool unsafe_;
};

// This process's network namespace (st_dev/st_ino of /proc/self/ns/net); nullopt without /proc.
std::optional<NetnsIdentity> current_netns();

// "ttyUSB2.undo" for /dev/ttyUSB2: the UUCP lock's name for the port (symlinks resolved, so every
// name of one tty shares one record), without "LCK..".
std::string undo_file_name(const std::string& device);

class StateDir {
public:
    // Opens `dir`, creating it with mode 0700 if it is missing (its parent must exist). Throws
    // StateDirError naming what is wrong and what to do.
    explicit StateDir(std::filesystem::path dir);
    ~StateDir();
    StateDir(const StateDir&) = delete;
    StateDir& operator=(const StateDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

    // Replaces `name` with `content`, atomically: readers see the old or the new file, never a
    // part; a planted file or symlink at the temporary name is never followed or reused.
    // Mode 0600. Throws StateDirError.
    void write(const std::string& name, std::string_view content);
    // Removes `name`; false if it could not be removed (absent counts as removed). Never throws.
    bool remove(const std::string& name) noexcept;
    // The content of `name` (a regular file, not followed if a symlink); nullopt if absent.
    // Throws StateDirError for anything that is not a small regular file.
    std::optional<std::string> read(const std::string& name) const;
    // Names of the entries, without "." and "..".
    std::vector<std::string> entries() const;

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

// Injectable for tests; the defaults ask the kernel.
struct RecoveryProbes {
    // Whether a process with this pid runs (kill(pid, 0); EPERM counts as running).
    std::function<bool(pid_t)> pid_alive;
    // Whether a network namespace still exists: some process is in it or it is bind-mounted
    // (ip netns). When in doubt (no /proc), true.
    std::function<bool(const NetnsIdentity&)> netns_exists;
};
RecoveryProbes system_probes();

struct RecoveryResult {
    unsigned reverted = 0;    // records of dead dialers put back and removed
    unsigned left_alone = 0;  // records of running dialers, or of other live network namespaces
    unsigned kept = 0;        // records that could not be (fully) reverted or read: kept for a human
};

using StateLog = std::function<void(LogLevel, std::string_view)>;

// At start: every "*.undo" record in `dir` whose writer is no longer running is reverted (its
// steps newest first, then resolv.conf), each step logged, and the file removed. Records of
// running dialers are left alone, and so are records from another network namespace that still
// exists; if that namespace is gone, its routes and addresses went with it and only resolv.conf
// is restored. `netlink` may be null when no record has network steps to revert. Never throws.
RecoveryResult recover_stale_records(StateDir& dir, Netlink* netlink, const StateLog& log,
                                     const RecoveryProbes& probes = system_probes());

// One dialer's record file in the state directory.
class UndoStateFile {
public:
    UndoStateFile(StateDir& dir, std::string name) : dir_(dir), name_(std::move(name)) {}
    const std::string& name() const { return name_; }
    // Stamps our pid and network namespace and writes `record`; an empty record removes the file
    // (nothing left to undo). Throws StateDirError.
    void save(UndoRecord record);
    void remove() noexcept { dir_.remove(name_); }

private:
    StateDir& dir_;
    std::string name_;
};

}  // namespace ec20ppp::app
