#include "netconf/net_config.hpp"

#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>

#include "netconf/resolv_conf.hpp"

namespace ec20ppp {
namespace {

void emit(const NetConfig::Log& log, std::string_view line) noexcept {
    try {
        if (log) {
            log(line);
        } else {
            std::cerr << "ec20ppp: " << line << '\n';
        }
    } catch (...) {
        // Logging must not turn an undo into a crash.
    }
}

// The interface a step means: the recorded index while it still has the recorded name, else
// whatever index that name has now (re-created interface); 0 when it no longer exists.
unsigned resolve(unsigned ifindex, const std::string& name) {
    if (name.empty()) return Netlink::ifname(ifindex).empty() ? 0 : ifindex;
    if (ifindex != 0 && Netlink::ifname(ifindex) == name) return ifindex;
    return ::if_nametoindex(name.c_str());
}

bool names_interface(unsigned ifindex, const std::string& name) { return ifindex != 0 || !name.empty(); }

std::string by_hand(const Route& r) {
    return std::string(r.family == AF_INET6 ? "ip -6 route add " : "ip route add ") + r.to_string();
}

struct Reverter {
    Netlink& nl;

    std::optional<std::string> operator()(const undo::DeleteRoute& s) const {
        Route r = s.route;
        if (names_interface(r.oif, r.oif_name)) {
            r.oif = resolve(r.oif, r.oif_name);
            if (r.oif == 0) return std::nullopt;  // the route went away with its interface
        }
        try {
            nl.delete_route(r);
        } catch (const NetlinkError& e) {
            if (e.error() == ESRCH || e.error() == ENOENT || e.error() == ENODEV) return std::nullopt;
            return std::string(e.what());
        }
        return std::nullopt;
    }

    std::optional<std::string> operator()(const undo::RestoreRoute& s) const {
        Route r = s.route;
        if (names_interface(r.oif, r.oif_name)) {
            r.oif = resolve(r.oif, r.oif_name);
            if (r.oif == 0) {
                return "cannot restore route " + s.route.to_string() + ": interface " +
                       (s.route.oif_name.empty() ? "#" + std::to_string(s.route.oif) : s.route.oif_name) +
                       " no longer exists — once it is back, restore the route by hand: " + by_hand(s.route);
            }
        }
        try {
            nl.add_route(r);
        } catch (const NetlinkError& e) {
            if (e.error() == EEXIST) return std::nullopt;  // already back (e.g. re-added by DHCP)
            return std::string(e.what()) + "; to restore it by hand: " + by_hand(s.route);
        }
        return std::nullopt;
    }

    std::optional<std::string> operator()(const undo::DeleteAddress& s) const {
        InterfaceAddress a = s.address;
        a.ifindex = resolve(a.ifindex, s.ifname);
        if (a.ifindex == 0) return std::nullopt;
        try {
            nl.delete_address(a);
        } catch (const NetlinkError& e) {
            if (e.error() == EADDRNOTAVAIL || e.error() == ENODEV || e.error() == ENOENT) return std::nullopt;
            return std::string(e.what());
        }
        return std::nullopt;
    }

    std::optional<std::string> operator()(const undo::RestoreMtu& s) const {
        const unsigned index = resolve(s.ifindex, s.ifname);
        if (index == 0) return std::nullopt;
        try {
            nl.set_mtu(index, s.mtu);
        } catch (const NetlinkError& e) {
            if (e.error() == ENODEV) return std::nullopt;
            return std::string(e.what());
        }
        return std::nullopt;
    }

    std::optional<std::string> operator()(const undo::SetLinkDown& s) const {
        const unsigned index = resolve(s.ifindex, s.ifname);
        if (index == 0) return std::nullopt;
        try {
            nl.set_link_up(index, false);
        } catch (const NetlinkError& e) {
            if (e.error() == ENODEV) return std::nullopt;
            return std::string(e.what());
        }
        return std::nullopt;
    }
};

Route with_name(const Route& r) {
    Route out = r;
    if (out.oif != 0 && out.oif_name.empty()) out.oif_name = Netlink::ifname(out.oif);
    if (out.dst.empty()) out.dst = IpAddress::any(out.family);
    return out;
}

}  // namespace

std::optional<std::string> revert_step(Netlink& netlink, const UndoStep& step) noexcept {
    try {
        return std::visit(Reverter{netlink}, step);
    } catch (const std::exception& e) {
        try {
            return "cannot " + describe(step) + ": " + e.what();
        } catch (...) {
            return std::nullopt;  // out of memory even for the message: nothing sensible left
        }
    } catch (...) {
        return std::nullopt;
    }
}

std::vector<std::string> revert_undo_record(Netlink& netlink, const UndoRecord& record) noexcept {
    std::vector<std::string> problems;
    try {
        for (auto it = record.steps.rbegin(); it != record.steps.rend(); ++it) {
            if (auto p = revert_step(netlink, *it)) problems.push_back(std::move(*p));
        }
        if (record.resolv_conf) {
            try {
                ResolvConf::restore_backup(*record.resolv_conf);
            } catch (const std::exception& e) {
                problems.emplace_back(e.what());
            }
        }
    } catch (...) {
        // Only allocation failures get here; report what was collected.
    }
    return problems;
}

NetConfig::NetConfig(Netlink& netlink, Log log) : netlink_(netlink), log_(std::move(log)) {}

NetConfig::~NetConfig() { undo(); }

void NetConfig::set_mtu(unsigned ifindex, unsigned mtu) {
    const LinkInfo before = netlink_.link(ifindex);
    if (before.mtu == mtu) return;
    netlink_.set_mtu(ifindex, mtu);
    steps_.push_back(undo::RestoreMtu{ifindex, before.name, before.mtu});
}

void NetConfig::set_link_up(unsigned ifindex) {
    const LinkInfo before = netlink_.link(ifindex);
    if (before.up()) return;  // it was up already: leave it up afterwards too
    netlink_.set_link_up(ifindex, true);
    steps_.push_back(undo::SetLinkDown{ifindex, before.name});
}

void NetConfig::add_address(const InterfaceAddress& address) {
    netlink_.add_address(address);
    steps_.push_back(undo::DeleteAddress{address, Netlink::ifname(address.ifindex)});
}

void NetConfig::add_ipv4_address(unsigned ifindex, const IpAddress& local, const IpAddress& peer) {
    add_address(InterfaceAddress::ipv4_point_to_point(ifindex, local, peer));
}

void NetConfig::add_ipv6_link_local(unsigned ifindex, const IpAddress& local, const std::optional<IpAddress>& peer) {
    add_address(InterfaceAddress::ipv6_link_local(ifindex, local, peer));
}

void NetConfig::add_route(const Route& route) {
    const Route r = with_name(route);
    netlink_.add_route(r);
    steps_.push_back(undo::DeleteRoute{r});
}

void NetConfig::replace_default_route(const Route& ours_in) {
    const Route ours = with_name(ours_in);
    if (!ours.is_default()) {
        throw NetlinkError("cannot make " + ours.to_string() + " the default route: it is not a default route — "
                           "this is a bug in the caller",
                           0);
    }
    const std::vector<Route> current = netlink_.default_routes(ours.family, ours.table);
    // Check all before deleting any: a half-done replace is worse than none.
    for (const auto& r : current) {
        if (r.complex_nexthop) {
            throw NetlinkError("cannot replace the default route " + r.to_string() +
                                   ": it has several or shared next hops, which ec20ppp could not restore "
                                   "afterwards — add ours beside it with a lower metric instead",
                               0);
        }
    }
    const std::size_t mark = steps_.size();
    try {
        for (const auto& r : current) {
            try {
                netlink_.delete_route(r);
            } catch (const NetlinkError& e) {
                if (e.error() == ESRCH) continue;  // vanished meanwhile: nothing to restore
                throw;
            }
            steps_.push_back(undo::RestoreRoute{r});
        }
        netlink_.add_route(ours);
        steps_.push_back(undo::DeleteRoute{ours});
    } catch (...) {
        // Put back what this call removed, so a failed replace leaves the routes as they were.
        while (steps_.size() > mark) {
            if (auto p = revert_step(netlink_, steps_.back())) emit(log_, *p);
            steps_.pop_back();
        }
        throw;
    }
}

void NetConfig::add_default_route(const Route& ours) {
    if (!ours.is_default()) {
        throw NetlinkError("cannot add " + ours.to_string() + " as a default route: it is not one — "
                           "this is a bug in the caller",
                           0);
    }
    add_route(ours);
}

std::vector<std::string> NetConfig::undo() noexcept {
    std::vector<std::string> problems;
    try {
        while (!steps_.empty()) {
            const UndoStep step = std::move(steps_.back());
            steps_.pop_back();
            if (auto p = revert_step(netlink_, step)) {
                emit(log_, *p);
                problems.push_back(std::move(*p));
            }
        }
    } catch (...) {
        // Only allocation failures get here.
    }
    return problems;
}

UndoRecord NetConfig::record() const {
    UndoRecord r;
    r.pid = ::getpid();
    r.steps = steps_;
    return r;
}

}  // namespace ec20ppp
