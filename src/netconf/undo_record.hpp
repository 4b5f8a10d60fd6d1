// What ec20ppp changed in the system, as data: NetConfig and ResolvConf fill it in, it is
// written to /run/ec20ppp/ as plain key=value text, and after a SIGKILL the next run parses it
// and reverts the changes (revert_undo_record in net_config.hpp).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "netconf/netlink.hpp"

namespace ec20ppp {

// How to put resolv.conf back as it was before ec20ppp wrote it.
struct ResolvConfBackup {
    enum class Before { absent, file, symlink };
    std::filesystem::path path;
    Before before = Before::absent;
    std::string content;      // Before::file: its bytes
    std::string link_target;  // Before::symlink: the link's text, verbatim (often relative)
    unsigned mode = 0644;     // Before::file: permission bits
    uid_t uid = 0;            // Before::file: owner
    gid_t gid = 0;
    // What ec20ppp wrote. The restore happens only while the file still holds exactly this, so
    // a resolv.conf that someone rewrote after us is not clobbered.
    std::string ours;
    bool operator==(const ResolvConfBackup&) const = default;
};

// The undo steps. Interfaces are kept by index *and* name: the name finds the interface again in
// a later process even if it was re-created with another index.
namespace undo {
struct DeleteRoute {  // we added this route
    Route route;
};
struct RestoreRoute {  // we deleted this route (the previous default)
    Route route;
};
struct DeleteAddress {  // we added this address
    InterfaceAddress address;
    std::string ifname;
};
struct RestoreMtu {  // we changed the MTU from this value
    unsigned ifindex = 0;
    std::string ifname;
    unsigned mtu = 0;
};
struct SetLinkDown {  // we brought the interface up
    unsigned ifindex = 0;
    std::string ifname;
};
}  // namespace undo

using UndoStep = std::variant<undo::DeleteRoute, undo::RestoreRoute, undo::DeleteAddress, undo::RestoreMtu,
                              undo::SetLinkDown>;

// A malformed undo record; what() names the line and what is wrong with it.
class UndoRecordError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Which network namespace a record's changes were made in: st_dev/st_ino of /proc/self/ns/net
// (two namespaces are the same exactly when both are equal).
struct NetnsIdentity {
    std::uint64_t dev = 0;
    std::uint64_t ino = 0;
    bool operator==(const NetnsIdentity&) const = default;
    std::string to_string() const { return std::to_string(dev) + ":" + std::to_string(ino); }
};

struct UndoRecord {
    // The process that made the changes; recovery should only revert if it is no longer running.
    pid_t pid = 0;
    // When that process started (clock ticks after boot, field 22 of /proc/PID/stat): a pid the
    // kernel has since given to another process shows a different start, so a crashed dialer's
    // record is not mistaken for a running one's. Absent in records written without it
    // ("pid-start=" is optional), which recovery then judges by the pid alone.
    std::optional<std::uint64_t> pid_start;
    // The network namespace the steps apply in: routes and addresses of another namespace cannot
    // be reverted (nor even seen) from here. Absent in records written without it ("netns=" is
    // optional in the format), which recovery treats as "this namespace".
    std::optional<NetnsIdentity> netns;
    // In the order the changes were made; reverting walks them backwards.
    std::vector<UndoStep> steps;
    std::optional<ResolvConfBackup> resolv_conf;

    bool empty() const { return steps.empty() && !resolv_conf; }

    // Plain text: a "format=ec20ppp-undo/1" line, then key=value lines ("pid=", "pid-start=",
    // "netns=<dev>:<ino>",
    // "step=<kind> k=v k=v ..."
    // for steps, "resolv.<field>=..." for the resolv.conf backup). Values are percent-escaped
    // wherever they hold bytes other than printable non-space ASCII, '%' or '='.
    std::string serialize() const;
    // The inverse of serialize(). Throws UndoRecordError naming the offending line.
    static UndoRecord parse(std::string_view text);
};

// One line of text for logs: "delete route default dev ec20 metric 0", ...
std::string describe(const UndoStep& step);

}  // namespace ec20ppp
