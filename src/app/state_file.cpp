#include "app/state_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <system_error>

#include "app/status.hpp"
#include "netconf/net_config.hpp"
#include "netconf/resolv_conf.hpp"
#include "posix/regular_file.hpp"
#include "serial/uucp_lock.hpp"

namespace ec20ppp::app {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUndoSuffix = ".undo";
constexpr std::string_view kTempMarker = ".tmp-";
// A record holds a few steps and one resolv.conf twice; anything much larger is not ours.
constexpr std::size_t kMaxRecordSize = 1 << 20;

std::string errno_text(int err) { return std::generic_category().message(err); }

std::string mode_text(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

[[noreturn]] void refuse(const std::string& what) { throw StateDirError(what, true); }
[[noreturn]] void cannot(const std::string& what) { throw StateDirError(what, false); }

// The checks that keep others from planting or swapping records: ours, a real directory, and
// writable by nobody else (readable is fine: #9's status files live here too).
void check_safe(const fs::path& dir, const struct stat& st) {
    const std::string hint = " — or choose another --state-dir";
    if (S_ISLNK(st.st_mode)) {
        refuse("state directory " + dir.string() + " is a symlink; undo records are kept only in a real directory: "
               "remove the symlink (rm " + dir.string() + ")" + hint);
    }
    if (!S_ISDIR(st.st_mode)) refuse(dir.string() + " is not a directory: remove it" + hint);
    // Root's directory is as trustworthy as root itself (we then just may not write it).
    if (st.st_uid != ::geteuid() && st.st_uid != 0) {
        refuse("state directory " + dir.string() + " belongs to uid " + std::to_string(st.st_uid) + ", neither us (uid " +
               std::to_string(::geteuid()) + ") nor root, so its owner could plant undo records: chown it or remove it" + hint);
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        refuse("state directory " + dir.string() + " is writable by group or others (mode " + mode_text(st.st_mode) +
               "), so they could plant undo records: chmod 700 " + dir.string() + hint);
    }
}

bool default_pid_alive(pid_t pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

bool default_netns_exists(const NetnsIdentity& id) {
    // Some process in it?
    DIR* proc = ::opendir("/proc");
    if (!proc) return true;  // cannot tell: keep the record
    bool found = false;
    while (const dirent* e = ::readdir(proc)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        struct stat st {};
        const std::string ns = std::string("/proc/") + e->d_name + "/ns/net";
        if (::stat(ns.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_dev) == id.dev &&
            static_cast<std::uint64_t>(st.st_ino) == id.ino) {
            found = true;
            break;
        }
    }
    ::closedir(proc);
    if (found) return true;
    // Bind-mounted (ip netns add NAME: /run/netns/NAME)? mountinfo's 4th field is "net:[INO]".
    std::ifstream mounts("/proc/self/mountinfo");
    if (!mounts) return true;
    const std::string needle = " net:[" + std::to_string(id.ino) + "] ";
    std::string line;
    while (std::getline(mounts, line)) {
        if (line.find(needle) != std::string::npos) return true;
    }
    return false;
}

// "<name>.tmp-<pid>-<n>" left by a writer killed between create and rename.
std::optional<pid_t> temp_owner(std::string_view entry) {
    if (entry.empty() || entry[0] != '.') return std::nullopt;
    const auto at = entry.rfind(kTempMarker);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest = entry.substr(at + kTempMarker.size());
    int pid = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
    if (ec != std::errc{} || ptr == rest.data() || ptr == rest.data() + rest.size() || *ptr != '-' || pid <= 0) {
        return std::nullopt;
    }
    return static_cast<pid_t>(pid);
}

}  // namespace

std::optional<NetnsIdentity> current_netns() {
    struct stat st {};
    if (::stat("/proc/self/ns/net", &st) != 0) return std::nullopt;
    return NetnsIdentity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

std::string undo_file_name(const std::string& device) {
    std::string name = UucpLock::lock_name_for(device).substr(5);  // without "LCK.."
    if (name.empty() || name[0] == '.') name = "_" + name;          // never hidden, never "." or ".."
    return name + std::string(kUndoSuffix);
}

StateDir::StateDir(fs::path dir) : path_(std::move(dir)) {
    struct stat st {};
    if (::lstat(path_.c_str(), &st) != 0) {
        if (errno != ENOENT) cannot("cannot look at the state directory " + path_.string() + ": " + errno_text(errno));
        if (::mkdir(path_.c_str(), 0700) != 0 && errno != EEXIST) {
            const int err = errno;
            cannot("cannot create the state directory " + path_.string() + ": " + errno_text(err) +
                   (err == EACCES || err == EPERM || err == EROFS ? " — run as root or choose a writable --state-dir"
                    : err == ENOENT                               ? " — its parent directory does not exist: create it "
                                                                    "or choose another --state-dir"
                                                                  : " — choose another --state-dir"));
        }
        if (::lstat(path_.c_str(), &st) != 0) {
            cannot("cannot look at the state directory " + path_.string() + ": " + errno_text(errno));
        }
    }
    check_safe(path_, st);
    // O_NOFOLLOW, and the same inode as checked: nobody swapped a symlink in between. All later
    // access is relative to this descriptor.
    fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd_ < 0) {
        const int err = errno;
        if (err == ELOOP || err == ENOTDIR) refuse("state directory " + path_.string() + " was replaced while opening it");
        cannot("cannot open the state directory " + path_.string() + ": " + errno_text(err));
    }
    struct stat opened {};
    if (::fstat(fd_, &opened) != 0 || opened.st_dev != st.st_dev || opened.st_ino != st.st_ino) {
        ::close(fd_);
        fd_ = -1;
        refuse("state directory " + path_.string() + " was replaced while opening it");
    }
    try {
        check_safe(path_, opened);
    } catch (...) {
        ::close(fd_);
        fd_ = -1;
        throw;
    }
}

StateDir::~StateDir() {
    if (fd_ >= 0) ::close(fd_);
}

void StateDir::write(const std::string& name, std::string_view content) {
    static std::atomic<unsigned> counter{0};
    std::string temp;
    int fd = -1;
    for (int attempt = 0; fd < 0; ++attempt) {
        temp = "." + name + std::string(kTempMarker) + std::to_string(::getpid()) + "-" + std::to_string(counter++);
        // O_EXCL|O_NOFOLLOW: something planted at this name (a symlink to /etc/shadow, say) is
        // neither followed nor reused; we just take another name.
        fd = ::openat(fd_, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && (errno != EEXIST || attempt >= 100)) {
            const int err = errno;
            cannot("cannot create a file in " + path_.string() + ": " + errno_text(err) +
                   (err == EACCES || err == EPERM || err == EROFS ? " — run as root or choose a writable --state-dir"
                                                                  : " — check " + path_.string()));
        }
    }
    auto give_up = [&](const std::string& op, int err) {
        ::close(fd);
        ::unlinkat(fd_, temp.c_str(), 0);
        cannot("cannot " + op + " " + (path_ / name).string() + ": " + errno_text(err) +
               (err == ENOSPC || err == EDQUOT ? " — the file system is full: free some space" : ""));
    };
    // The umask must not widen it, and a record says what we changed: nobody else reads it.
    if (::fchmod(fd, 0600) != 0) give_up("set the permissions of", errno);
    std::size_t off = 0;
    while (off < content.size()) {
        const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            give_up("write", errno);
        }
        off += static_cast<std::size_t>(n);
    }
    // Data first, then the rename: a crash leaves the old record or the new one, never an empty one.
    if (::fsync(fd) != 0) give_up("flush", errno);
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlinkat(fd_, temp.c_str(), 0);
        cannot("cannot write " + (path_ / name).string() + ": " + errno_text(err));
    }
    if (::renameat(fd_, temp.c_str(), fd_, name.c_str()) != 0) {
        const int err = errno;
        ::unlinkat(fd_, temp.c_str(), 0);
        cannot("cannot replace " + (path_ / name).string() + ": " + errno_text(err));
    }
    ::fsync(fd_);  // the rename itself; best effort, the content is on disk already
}

bool StateDir::remove(const std::string& name) noexcept {
    if (::unlinkat(fd_, name.c_str(), 0) == 0 || errno == ENOENT) {
        ::fsync(fd_);
        return true;
    }
    return false;
}

std::optional<std::string> StateDir::read(const std::string& name) const {
    // O_NONBLOCK: a FIFO planted under a record's name must not hang the dialer at start.
    const int fd = ::openat(fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        if (err == ENOENT) return std::nullopt;
        if (err == ELOOP) cannot((path_ / name).string() + " is a symlink, not a record ec20ppp wrote: remove it");
        cannot("cannot read " + (path_ / name).string() + ": " + errno_text(err));
    }
    posix::RegularFileRead file = posix::read_regular_file(fd, kMaxRecordSize);
    ::close(fd);
    switch (file.outcome) {
        case posix::RegularFileRead::Outcome::ok: return std::move(file.content);
        case posix::RegularFileRead::Outcome::not_regular:
        case posix::RegularFileRead::Outcome::too_big:
            cannot((path_ / name).string() + " is not a record ec20ppp wrote (not a small regular file): remove it");
        case posix::RegularFileRead::Outcome::failed: break;
    }
    cannot("cannot read " + (path_ / name).string() + ": " + errno_text(file.error));
}

std::vector<std::string> StateDir::entries() const {
    std::vector<std::string> names;
    const int fd = ::openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return names;
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        return names;
    }
    while (const dirent* e = ::readdir(d)) {
        const std::string_view n = e->d_name;
        if (n != "." && n != "..") names.emplace_back(n);
    }
    ::closedir(d);
    return names;
}

RecoveryProbes system_probes() { return RecoveryProbes{default_pid_alive, default_netns_exists}; }

RecoveryResult recover_stale_records(StateDir& dir, Netlink* netlink, const StateLog& log,
                                     const RecoveryProbes& probes) {
    RecoveryResult result;
    auto say = [&](LogLevel level, const std::string& line) noexcept {
        try {
            if (log) log(level, line);
        } catch (...) {
        }
    };
    const auto alive = probes.pid_alive ? probes.pid_alive : default_pid_alive;
    // The record's writer still runs: its pid is in use and, where the record says when its
    // writer started, by a process that started then (not one the pid was given to later).
    auto writer_runs = [&](const UndoRecord& record) {
        return alive(record.pid) && process_started_at(record.pid, record.pid_start.value_or(0));
    };
    const auto ns_exists = probes.netns_exists ? probes.netns_exists : default_netns_exists;
    std::optional<NetnsIdentity> here;
    try {
        here = current_netns();
        for (const std::string& name : dir.entries()) {
            const fs::path where = dir.path() / name;
            if (auto owner = temp_owner(name)) {
                // A half-written record of a writer that died before its rename: never valid.
                if (*owner != ::getpid() && !alive(*owner)) dir.remove(name);
                continue;
            }
            if (!ends_with(name, kUndoSuffix) || name[0] == '.') continue;

            UndoRecord record;
            try {
                auto text = dir.read(name);
                if (!text) continue;  // removed meanwhile by its dialer
                record = UndoRecord::parse(*text);
            } catch (const std::exception& e) {
                say(LogLevel::warning, where.string() + ": " + e.what());
                ++result.kept;
                continue;
            }
            // Our own pid in a record we have not written yet: an earlier process had it.
            if (record.pid != ::getpid() && writer_runs(record)) {
                say(LogLevel::debug, "undo record " + where.string() + " belongs to running pid " +
                                         std::to_string(record.pid) + ": left alone");
                ++result.left_alone;
                continue;
            }
            bool network_steps = true;
            if (record.netns && here && *record.netns != *here) {
                if (ns_exists(*record.netns)) {
                    say(LogLevel::info, "undo record " + where.string() + " of pid " + std::to_string(record.pid) +
                                            " is from another network namespace (" + record.netns->to_string() +
                                            "), which still exists: left for a dialer there");
                    ++result.left_alone;
                    continue;
                }
                // The namespace is gone, and with it every route and address made in it.
                network_steps = false;
            }
            say(LogLevel::notice, "pid " + std::to_string(record.pid) +
                                      " ended without cleaning up (killed?): reverting what it changed, from " +
                                      where.string());
            unsigned problems = 0;
            if (network_steps) {
                for (auto it = record.steps.rbegin(); it != record.steps.rend(); ++it) {
                    std::optional<std::string> problem;
                    if (!netlink) {
                        problem = "no rtnetlink socket";
                    } else {
                        problem = revert_step(*netlink, *it);
                    }
                    if (problem) {
                        ++problems;
                        say(LogLevel::warning, "could not " + describe(*it) + ": " + *problem);
                    } else {
                        say(LogLevel::notice, "reverted: " + describe(*it));
                    }
                }
            } else if (!record.steps.empty()) {
                say(LogLevel::notice, "its network namespace (" + record.netns->to_string() +
                                          ") is gone, and its routes and addresses with it");
            }
            if (record.resolv_conf) {
                const std::string file = record.resolv_conf->path.string();
                try {
                    switch (ResolvConf::restore_backup(*record.resolv_conf)) {
                        case ResolvConf::RestoreResult::restored:
                            say(LogLevel::notice, "reverted: restored " + file);
                            break;
                        case ResolvConf::RestoreResult::nothing_to_do:
                            say(LogLevel::notice, file + " was already as before");
                            break;
                        case ResolvConf::RestoreResult::left_alone:
                            say(LogLevel::notice, file + " was rewritten by another program since; left as it is");
                            break;
                    }
                } catch (const std::exception& e) {
                    ++problems;
                    say(LogLevel::warning, std::string("could not restore ") + file + ": " + e.what());
                }
            }
            if (problems > 0) {
                // Another start (as root, say) may manage; reverting twice is harmless.
                say(LogLevel::warning, "kept " + where.string() + ": " + std::to_string(problems) +
                                           " change(s) could not be reverted; check them by hand and delete the file");
                ++result.kept;
                continue;
            }
            if (!dir.remove(name)) {
                say(LogLevel::warning, "could not remove " + where.string() + ": " + errno_text(errno));
            }
            ++result.reverted;
        }
    } catch (const std::exception& e) {
        say(LogLevel::warning, std::string("recovering undo records: ") + e.what());
    }
    return result;
}

void UndoStateFile::save(UndoRecord record) {
    if (record.empty()) {
        if (!dir_.remove(name_)) {
            cannot("cannot remove " + (dir_.path() / name_).string() + ": " + errno_text(errno));
        }
        return;
    }
    record.pid = ::getpid();
    if (const std::uint64_t start = process_start_time(record.pid)) record.pid_start = start;  // 0: no /proc
    record.netns = current_netns();
    dir_.write(name_, record.serialize());
}

}  // namespace ec20ppp::app
