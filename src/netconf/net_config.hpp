// Interface and route configuration that remembers every change and undoes it, newest first:
// on undo(), on destruction, or (after a crash) in another process from the UndoRecord.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "netconf/netlink.hpp"
#include "netconf/undo_record.hpp"

namespace ec20ppp {

class NetConfig {
public:
    // Receives one line per problem met while undoing. Unset: stderr.
    using Log = std::function<void(std::string_view)>;

    // `netlink` must outlive this object.
    explicit NetConfig(Netlink& netlink, Log log = {});
    // undo(); never throws.
    ~NetConfig();
    NetConfig(const NetConfig&) = delete;
    NetConfig& operator=(const NetConfig&) = delete;

    // Each of these throws NetlinkError and then has recorded nothing.
    void set_mtu(unsigned ifindex, unsigned mtu);  // undo: the MTU found before
    void set_link_up(unsigned ifindex);            // undo: down, if it was down before
    void add_address(const InterfaceAddress& address);
    void add_ipv4_address(unsigned ifindex, const IpAddress& local, const IpAddress& peer);
    void add_ipv6_link_local(unsigned ifindex, const IpAddress& local,
                             const std::optional<IpAddress>& peer = std::nullopt);
    void add_route(const Route& route);
    // Makes `ours` (a default route) the only default route of its family in the main table:
    // the current ones are deleted and restored by undo(). Refuses (before changing anything) if
    // a current default route has several or shared next hops, which could not be restored.
    void replace_default_route(const Route& ours);
    // Adds `ours` (a default route) beside the existing ones; its metric decides who wins.
    void add_default_route(const Route& ours);

    // Reverts everything recorded, newest first, and forgets it. Things that are already gone
    // (e.g. routes that vanished with the closed TUN) count as reverted. Returns one sentence per
    // step that could not be reverted (also sent to the log). Idempotent; never throws.
    std::vector<std::string> undo() noexcept;
    // Forgets the recorded steps without reverting them (another process took over the record).
    void dismiss() noexcept { steps_.clear(); }

    // The steps so far, with this process's pid; add the ResolvConf backup and persist it.
    UndoRecord record() const;
    const std::vector<UndoStep>& steps() const { return steps_; }

private:
    Netlink& netlink_;
    Log log_;
    std::vector<UndoStep> steps_;
};

// Reverts one step. nullopt if done (or nothing was left to revert), else what went wrong.
std::optional<std::string> revert_step(Netlink& netlink, const UndoStep& step) noexcept;

// Reverts a whole record, e.g. one left behind by a killed ec20ppp: its steps newest first, then
// its resolv.conf backup (left alone, silently, if someone rewrote resolv.conf since). Returns
// the sentences for what could not be reverted. Never throws. Running it twice is harmless.
std::vector<std::string> revert_undo_record(Netlink& netlink, const UndoRecord& record) noexcept;

}  // namespace ec20ppp
