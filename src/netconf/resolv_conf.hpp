// resolv.conf written atomically (temp file in the same directory, fsync, rename) with what was
// there before — a file, a symlink (systemd-resolved, resolvconf) or nothing — kept for restore().
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "netconf/netlink.hpp"
#include "netconf/undo_record.hpp"

namespace ec20ppp {

// Writing or restoring failed; what() says why and what to do.
class ResolvConfError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ResolvConf {
public:
    enum class RestoreResult {
        nothing_to_do,  // never written, or already restored
        restored,       // the previous state is back
        left_alone,     // someone rewrote the file after us; their version is kept
    };
    using Log = std::function<void(std::string_view)>;

    explicit ResolvConf(std::filesystem::path path = "/etc/resolv.conf", Log log = {});
    // restore(); problems go to the log, never an exception.
    ~ResolvConf();
    ResolvConf(const ResolvConf&) = delete;
    ResolvConf& operator=(const ResolvConf&) = delete;

    const std::filesystem::path& path() const { return path_; }

    // "nameserver <ip>" lines under a comment saying who wrote them.
    static std::string format(const std::vector<IpAddress>& nameservers);

    // Replaces the file with `format(nameservers)`. The state before the *first* write is what
    // restore() brings back. Throws ResolvConfError (also for an empty list).
    void write(const std::vector<IpAddress>& nameservers);
    void write_content(const std::string& content);

    // Puts the previous state back if the file still holds what we wrote. Idempotent. Throws
    // ResolvConfError on I/O errors (and stays ready to retry).
    RestoreResult restore();
    // Forgets the backup without restoring (another process took over the undo record).
    void dismiss() noexcept { backup_.reset(); }

    // The backup for the undo record; nullopt before the first write and after restore().
    const std::optional<ResolvConfBackup>& backup() const { return backup_; }
    // restore() for a backup from an undo record.
    static RestoreResult restore_backup(const ResolvConfBackup& backup);

private:
    std::filesystem::path path_;
    Log log_;
    std::optional<ResolvConfBackup> backup_;
};

}  // namespace ec20ppp
