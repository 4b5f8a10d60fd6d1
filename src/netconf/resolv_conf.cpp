#include "netconf/resolv_conf.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <iostream>
#include <system_error>

#include "posix/regular_file.hpp"

namespace ec20ppp {
namespace {

namespace fs = std::filesystem;
using Before = ResolvConfBackup::Before;

// A resolv.conf is a few hundred octets; past this something else is in its place.
constexpr std::size_t kMaxResolvConfSize = 1 << 20;

std::string errno_text(int err) { return std::generic_category().message(err); }

fs::path dir_of(const fs::path& p) {
    fs::path d = p.parent_path();
    return d.empty() ? fs::path(".") : d;
}

std::string io_hint(int err, const fs::path& path) {
    const std::string dir = dir_of(path).string();
    switch (err) {
        case EACCES:
        case EPERM:
            return "run as root (or make " + dir + " writable)";
        case EROFS:
            return "the file system is read-only: remount it read-write or point ec20ppp at a writable resolv.conf";
        case ENOSPC:
        case EDQUOT:
            return "the disk is full: free some space";
        case ENOENT:
        case ENOTDIR:
            return "the directory " + dir + " does not exist: create it or choose another path";
        case EBUSY:
        case EXDEV:
            return path.string() + " is a mount point (a container's bind mount?): configure DNS outside the "
                                   "container or choose another path";
        default:
            return "check " + dir;
    }
}

[[noreturn]] void io_fail(const std::string& op, const fs::path& path, int err) {
    throw ResolvConfError("cannot " + op + ": " + errno_text(err) + " — " + io_hint(err, path));
}

// Makes the rename itself durable; best effort, since the content is already on disk.
void fsync_dir(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

// Temp file in the same directory (rename is only atomic within one file system), fsync'd before
// the rename so a crash leaves either the old or the new file, never an empty one.
void atomic_write(const fs::path& path, const std::string& content, unsigned mode,
                  std::optional<std::pair<uid_t, gid_t>> owner) {
    std::string temp = (dir_of(path) / ("." + path.filename().string() + ".ec20ppp-XXXXXX")).string();
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) io_fail("create a temporary file next to " + path.string(), path, errno);
    auto give_up = [&](const std::string& op, int err) {
        ::close(fd);
        ::unlink(temp.c_str());
        io_fail(op, path, err);
    };
    std::size_t off = 0;
    while (off < content.size()) {
        const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            give_up("write " + temp, errno);
        }
        off += static_cast<std::size_t>(n);
    }
    // mkostemp creates 0600; resolv.conf must be world-readable for every resolver user.
    if (::fchmod(fd, mode) != 0) give_up("set the permissions of " + temp, errno);
    if (owner && (owner->first != ::geteuid() || owner->second != ::getegid())) {
        // Keeping the previous owner is nice to have; without privileges we cannot and need not.
        if (::fchown(fd, owner->first, owner->second) != 0 && errno != EPERM) {
            give_up("set the owner of " + temp, errno);
        }
    }
    if (::fsync(fd) != 0) give_up("flush " + temp + " to disk", errno);
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        io_fail("write " + temp, path, err);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        io_fail("replace " + path.string(), path, err);
    }
    fsync_dir(dir_of(path));
}

void atomic_symlink(const fs::path& path, const std::string& target) {
    static std::atomic<unsigned> counter{0};
    fs::path temp;
    for (int attempt = 0;; ++attempt) {
        temp = dir_of(path) / ("." + path.filename().string() + ".ec20ppp-" + std::to_string(::getpid()) + "-" +
                               std::to_string(counter++));
        if (::symlink(target.c_str(), temp.c_str()) == 0) break;
        if (errno == EEXIST && attempt < 100) continue;
        io_fail("create a symlink next to " + path.string(), path, errno);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(temp.c_str());
        io_fail("put the symlink " + path.string() + " -> " + target + " back", path, err);
    }
    fsync_dir(dir_of(path));
}

struct Current {
    Before kind = Before::absent;
    std::string content;
    std::string target;
    unsigned mode = 0644;
    uid_t uid = 0;
    gid_t gid = 0;
};

Current inspect(const fs::path& path) {
    Current cur;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return cur;
        io_fail("look at " + path.string(), path, errno);
    }
    if (S_ISLNK(st.st_mode)) {
        cur.kind = Before::symlink;
        std::string buf(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 255) + 1, '\0');
        for (;;) {
            const ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
            if (n < 0) io_fail("read the symlink " + path.string(), path, errno);
            if (static_cast<std::size_t>(n) < buf.size()) {
                buf.resize(static_cast<std::size_t>(n));
                break;
            }
            buf.resize(buf.size() * 2);  // the link grew in between
        }
        cur.target = std::move(buf);
        return cur;
    }
    if (!S_ISREG(st.st_mode)) {
        throw ResolvConfError(path.string() +
                              " is neither a regular file nor a symlink — remove it or choose another path");
    }
    cur.kind = Before::file;
    cur.mode = st.st_mode & 07777;
    cur.uid = st.st_uid;
    cur.gid = st.st_gid;
    // Swapped for a symlink or a FIFO since the lstat: not followed (O_NOFOLLOW), no read that
    // blocks forever (O_NONBLOCK), and refused below.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) io_fail("read " + path.string(), path, errno);
    posix::RegularFileRead file = posix::read_regular_file(fd, kMaxResolvConfSize);
    ::close(fd);
    switch (file.outcome) {
        case posix::RegularFileRead::Outcome::ok: break;
        case posix::RegularFileRead::Outcome::not_regular:
            throw ResolvConfError(path.string() + " changed while ec20ppp read it (it is no longer a regular file) — check it and try again");
        case posix::RegularFileRead::Outcome::too_big:
            throw ResolvConfError(path.string() + " is over 1 MiB, too big to be a resolver configuration — check what wrote it");
        case posix::RegularFileRead::Outcome::failed: io_fail("read " + path.string(), path, file.error);
    }
    cur.content = std::move(file.content);
    return cur;
}

bool matches_before(const Current& cur, const ResolvConfBackup& b) {
    if (cur.kind != b.before) return false;
    switch (b.before) {
        case Before::absent: return true;
        case Before::file: return cur.content == b.content;
        case Before::symlink: return cur.target == b.link_target;
    }
    return false;
}

void emit(const ResolvConf::Log& log, std::string_view line) noexcept {
    try {
        if (log) {
            log(line);
        } else {
            std::cerr << "ec20ppp: " << line << '\n';
        }
    } catch (...) {
        // Logging must not turn a restore into a crash.
    }
}

}  // namespace

ResolvConf::ResolvConf(std::filesystem::path path, Log log) : path_(std::move(path)), log_(std::move(log)) {}

ResolvConf::~ResolvConf() {
    try {
        restore();
    } catch (const std::exception& e) {
        emit(log_, e.what());
    } catch (...) {
        emit(log_, "cannot restore " + path_.string() + ": unknown error — check the file by hand");
    }
}

std::string ResolvConf::format(const std::vector<IpAddress>& nameservers) {
    std::string out = "# Written by ec20ppp for the mobile data connection; the previous file comes back when it ends.\n";
    for (const auto& ns : nameservers) out += "nameserver " + ns.to_string() + '\n';
    return out;
}

void ResolvConf::write(const std::vector<IpAddress>& nameservers) {
    if (nameservers.empty()) {
        throw ResolvConfError("no nameservers to write to " + path_.string() +
                              " — the network offered none: keep the existing DNS configuration or set "
                              "nameservers by hand");
    }
    for (const auto& ns : nameservers) {
        if (ns.empty()) {
            throw ResolvConfError("cannot write an empty nameserver address to " + path_.string() +
                                  " — this is a bug in the caller");
        }
    }
    write_content(format(nameservers));
}

void ResolvConf::write_content(const std::string& content) {
    std::optional<ResolvConfBackup> fresh;
    if (!backup_) {
        const Current cur = inspect(path_);
        ResolvConfBackup b;
        b.path = path_;
        b.before = cur.kind;
        b.content = cur.content;
        b.link_target = cur.target;
        b.mode = cur.mode;
        b.uid = cur.uid;
        b.gid = cur.gid;
        fresh = std::move(b);
    }
    const ResolvConfBackup& b = backup_ ? *backup_ : *fresh;
    // Replacing a symlink puts a plain file in its place: the link's target (e.g.
    // systemd-resolved's stub file) is never written to.
    const bool was_file = b.before == Before::file;
    atomic_write(path_, content, was_file ? b.mode : 0644,
                 was_file ? std::optional(std::pair(b.uid, b.gid)) : std::nullopt);
    if (fresh) backup_ = std::move(fresh);
    backup_->ours = content;
}

ResolvConf::RestoreResult ResolvConf::restore() {
    if (!backup_) return RestoreResult::nothing_to_do;
    const RestoreResult result = restore_backup(*backup_);
    if (result == RestoreResult::left_alone) {
        emit(log_, path_.string() + " was changed by another program after ec20ppp wrote it; leaving it as it is");
    }
    backup_.reset();
    return result;
}

ResolvConf::RestoreResult ResolvConf::restore_backup(const ResolvConfBackup& b) {
    const Current cur = inspect(b.path);
    const bool still_ours = cur.kind == Before::file && cur.content == b.ours;
    if (!still_ours) {
        // Already back as it was (e.g. restored just before a crash): fine.
        return matches_before(cur, b) ? RestoreResult::nothing_to_do : RestoreResult::left_alone;
    }
    switch (b.before) {
        case Before::absent:
            if (::unlink(b.path.c_str()) != 0 && errno != ENOENT) io_fail("remove " + b.path.string(), b.path, errno);
            fsync_dir(dir_of(b.path));
            break;
        case Before::file:
            atomic_write(b.path, b.content, b.mode, std::pair(b.uid, b.gid));
            break;
        case Before::symlink:
            atomic_symlink(b.path, b.link_target);
            break;
    }
    return RestoreResult::restored;
}

}  // namespace ec20ppp
