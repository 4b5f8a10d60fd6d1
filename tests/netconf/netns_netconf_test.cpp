// Netlink and NetConfig against the real kernel, each test inside its own fresh network
// namespace (see netns_sandbox.hpp): MTU, addresses, link state, default-route replacement and
// restore, recovery from an undo record after SIGKILL, and the error sentences.
#include <libmnl/libmnl.h>
#include <net/if.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include "netconf/net_config.hpp"
#include "netconf/netlink.hpp"
#include "netconf/netns_sandbox.hpp"
#include "tun/tun_device.hpp"

namespace ec20ppp {
namespace {

const IpAddress local = IpAddress::v4(10, 64, 0, 1);
const IpAddress peer = IpAddress::v4(10, 64, 0, 2);
// The fake "previous" uplink: another TUN with a gateway behind it, all inside the namespace.
const IpAddress upstream_local = IpAddress::v4(198, 51, 100, 1);
const IpAddress upstream_gateway = IpAddress::v4(198, 51, 100, 254);

std::string show(const std::vector<Route>& routes) {
    std::string s;
    for (const auto& r : routes) s += "[" + r.to_string() + " proto " + std::to_string(r.protocol) + "] ";
    return s.empty() ? "(none)" : s;
}

const Route* find_route(const std::vector<Route>& routes, unsigned oif, std::optional<std::uint32_t> metric) {
    for (const auto& r : routes) {
        if (r.oif == oif && r.metric == metric) return &r;
    }
    return nullptr;
}

// Brings `tun` up with an address, the way the app will, but without recording.
void bring_up(Netlink& nl, const TunDevice& tun, const IpAddress& l, const IpAddress& p) {
    nl.add_ipv4_address(tun.ifindex(), l, p);
    nl.set_link_up(tun.ifindex(), true);
}

// The "previous" default route as a DHCP client would have set it, with a route MTU metric so
// the test sees that RTA_METRICS survive the restore.
Route upstream_default(unsigned oif, std::uint32_t metric) {
    Route r;
    r.family = AF_INET;
    r.dst = IpAddress::any(AF_INET);
    r.gateway = upstream_gateway;
    r.oif = oif;
    r.metric = metric;
    r.protocol = RTPROT_DHCP;
    // struct rtattr {len 8, type RTAX_MTU} + u32 1400, host byte order as the kernel expects.
    r.metrics = {8, 0, RTAX_MTU, 0, 0x78, 0x05, 0, 0};
    return r;
}

TEST(netconf_netns, sets_mtu_addresses_and_link_state_and_undoes_them) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        TunDevice tun(io, "ec20t%d");
        Netlink nl;
        const unsigned idx = tun.ifindex();
        const LinkInfo before = nl.link(idx);
        NS_CHECK_EQ(before.name, tun.name());
        NS_CHECK(!before.up());

        const IpAddress ll_local = ipv6_link_local({0, 0, 0, 0, 0, 0, 0, 1});
        const IpAddress ll_peer = ipv6_link_local({0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55});
        {
            NetConfig cfg(nl, [](std::string_view line) { throw sandbox::CheckFailed("undo problem: " + std::string(line)); });
            cfg.set_mtu(idx, 1400);
            cfg.add_ipv4_address(idx, local, peer);
            cfg.set_link_up(idx);
            cfg.add_ipv6_link_local(idx, ll_local, ll_peer);
            cfg.add_route(Route::via_interface(AF_INET, idx, 30, IpAddress::v4(10, 99, 0, 0), 16));
            NS_CHECK_EQ(cfg.steps().size(), 5u);

            const LinkInfo after = nl.link(idx);
            NS_CHECK_EQ(after.mtu, 1400u);
            NS_CHECK(after.up());
            NS_CHECK((after.flags & IFF_POINTOPOINT) != 0);

            const auto v4 = nl.addresses(AF_INET, idx);
            NS_CHECK_EQ(v4.size(), 1u);
            NS_CHECK_MSG(v4[0].local == local && v4[0].peer == peer && v4[0].prefix_len == 32, v4[0].to_string());
            const auto v6 = nl.addresses(AF_INET6, idx);
            const bool have_ll = std::any_of(v6.begin(), v6.end(), [&](const InterfaceAddress& a) {
                return a.local == ll_local && a.peer == ll_peer && a.prefix_len == 128 && (a.flags & 0x02);
            });
            NS_CHECK_MSG(have_ll, "no fe80::1 peer fe80::211:22ff:fe33:4455/128 nodad among " << v6.size());

            // The peer's /32 host route comes from the kernel, ours from add_route.
            const auto routes = nl.routes(AF_INET);
            NS_CHECK_MSG(std::any_of(routes.begin(), routes.end(),
                                     [&](const Route& r) { return r.dst == peer && r.dst_len == 32 && r.oif == idx; }),
                         show(routes));
            const Route* added = nullptr;
            for (const auto& r : routes) {
                if (r.dst == IpAddress::v4(10, 99, 0, 0) && r.dst_len == 16) added = &r;
            }
            NS_CHECK_MSG(added && added->metric == 30u && added->scope == RT_SCOPE_LINK, show(routes));

            // Independent view of the same state, from iproute2 where it is installed.
            if (auto out = sandbox::ip_output("-j addr show dev " + tun.name())) {
                NS_CHECK_MSG(out->find("\"mtu\":1400") != std::string::npos, *out);
                NS_CHECK_MSG(out->find("\"local\":\"10.64.0.1\"") != std::string::npos, *out);
                NS_CHECK_MSG(out->find("\"address\":\"10.64.0.2\"") != std::string::npos, *out);
                NS_CHECK_MSG(out->find("\"prefixlen\":32") != std::string::npos, *out);
                NS_CHECK_MSG(out->find("\"local\":\"fe80::1\"") != std::string::npos, *out);
            }

            NS_CHECK(cfg.undo().empty());
            NS_CHECK(cfg.steps().empty());
            NS_CHECK(cfg.undo().empty());  // idempotent
        }
        const LinkInfo undone = nl.link(idx);
        NS_CHECK_EQ(undone.mtu, before.mtu);
        NS_CHECK(!undone.up());
        NS_CHECK(nl.addresses(AF_INET, idx).empty());
        for (const auto& a : nl.addresses(AF_INET6, idx)) NS_CHECK_MSG(!(a.local == ll_local), "fe80::1 still there");
        for (const auto& r : nl.routes(AF_INET)) NS_CHECK_MSG(r.oif != idx, "left behind: " << r.to_string());
    });
}

TEST(netconf_netns, replaces_the_default_route_and_restores_the_previous_ones) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        nl.set_link_up(Netlink::ifindex("lo"), true);
        TunDevice upstream(io, "up%d");
        bring_up(nl, upstream, upstream_local, upstream_gateway);
        nl.add_route(upstream_default(upstream.ifindex(), 100));
        Route backup_default = Route::via_interface(AF_INET, upstream.ifindex(), 200);
        nl.add_route(backup_default);
        const auto previous = nl.default_routes(AF_INET);
        NS_CHECK_MSG(previous.size() == 2, show(previous));

        TunDevice tun(io, "ec20t%d");
        bring_up(nl, tun, local, peer);
        {
            NetConfig cfg(nl);
            cfg.replace_default_route(Route::via_interface(AF_INET, tun.ifindex(), 0));
            const auto now = nl.default_routes(AF_INET);
            NS_CHECK_MSG(now.size() == 1 && now[0].oif == tun.ifindex() && now[0].metric == 0u &&
                             !now[0].gateway && now[0].scope == RT_SCOPE_LINK,
                         show(now));
            const UndoRecord rec = cfg.record();
            NS_CHECK_EQ(rec.steps.size(), 3u);
            NS_CHECK(std::holds_alternative<undo::DeleteRoute>(rec.steps.back()));

            if (auto out = sandbox::ip_output("-j route show default")) {
                NS_CHECK_MSG(out->find("\"dev\":\"" + tun.name() + "\"") != std::string::npos, *out);
                NS_CHECK_MSG(out->find(upstream.name()) == std::string::npos, *out);
            }
            NS_CHECK(cfg.undo().empty());
        }
        const auto restored = nl.default_routes(AF_INET);
        NS_CHECK_MSG(restored.size() == 2, show(restored));
        const Route* dhcp = find_route(restored, upstream.ifindex(), 100);
        NS_CHECK_MSG(dhcp && dhcp->gateway == upstream_gateway && dhcp->protocol == RTPROT_DHCP, show(restored));
        NS_CHECK_MSG(dhcp->metrics == upstream_default(0, 0).metrics, "route MTU metric lost");
        const Route* second = find_route(restored, upstream.ifindex(), 200);
        NS_CHECK_MSG(second && !second->gateway && second->scope == RT_SCOPE_LINK, show(restored));
        if (auto out = sandbox::ip_output("route show default")) {
            NS_CHECK_MSG(out->find("default via 198.51.100.254 dev " + upstream.name() + " proto dhcp metric 100 mtu 1400") !=
                             std::string::npos,
                         *out);
        }
    });
}

TEST(netconf_netns, adds_a_default_route_beside_the_existing_one) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        TunDevice upstream(io, "up%d");
        bring_up(nl, upstream, upstream_local, upstream_gateway);
        nl.add_route(upstream_default(upstream.ifindex(), 100));
        TunDevice tun(io, "ec20t%d");
        bring_up(nl, tun, local, peer);

        NetConfig cfg(nl);
        cfg.add_default_route(Route::via_interface(AF_INET, tun.ifindex(), 50));
        auto now = nl.default_routes(AF_INET);
        NS_CHECK_MSG(now.size() == 2 && find_route(now, tun.ifindex(), 50) && find_route(now, upstream.ifindex(), 100),
                     show(now));

        // Same metric again: a clear refusal, and nothing recorded for it.
        NS_CHECK_THROWS(cfg.add_default_route(Route::via_interface(AF_INET, tun.ifindex(), 50)), NetlinkError,
                        "already exists: choose another metric");
        NS_CHECK_EQ(cfg.steps().size(), 1u);
        NS_CHECK_THROWS(cfg.add_default_route(Route::via_interface(AF_INET, tun.ifindex(), 50, IpAddress::v4(10, 1, 0, 0), 16)),
                        NetlinkError, "not one");

        NS_CHECK(cfg.undo().empty());
        now = nl.default_routes(AF_INET);
        NS_CHECK_MSG(now.size() == 1 && find_route(now, upstream.ifindex(), 100), show(now));
    });
}

TEST(netconf_netns, undo_after_the_tun_is_gone_restores_quietly) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        TunDevice upstream(io, "up%d");
        bring_up(nl, upstream, upstream_local, upstream_gateway);
        nl.add_route(upstream_default(upstream.ifindex(), 100));

        std::vector<std::string> log;
        NetConfig cfg(nl, [&](std::string_view line) { log.emplace_back(line); });
        {
            TunDevice tun(io, "ec20t%d");
            cfg.set_mtu(tun.ifindex(), 1280);
            cfg.add_ipv4_address(tun.ifindex(), local, peer);
            cfg.set_link_up(tun.ifindex());
            cfg.replace_default_route(Route::via_interface(AF_INET, tun.ifindex(), 0));
        }  // the TUN closes: its addresses and routes vanish with it
        const auto problems = cfg.undo();
        NS_CHECK_MSG(problems.empty(), problems.front());
        NS_CHECK(log.empty());
        const auto now = nl.default_routes(AF_INET);
        NS_CHECK_MSG(now.size() == 1 && find_route(now, upstream.ifindex(), 100), show(now));
    });
}

TEST(netconf_netns, a_failed_replace_puts_the_previous_default_back) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        TunDevice upstream(io, "up%d");
        bring_up(nl, upstream, upstream_local, upstream_gateway);
        nl.add_route(upstream_default(upstream.ifindex(), 100));

        NetConfig cfg(nl);
        // A gateway nobody can reach: the kernel refuses our route after the old one was deleted.
        Route bad = Route::via_interface(AF_INET, upstream.ifindex(), 0);
        bad.gateway = IpAddress::v4(203, 0, 113, 9);
        bad.scope = RT_SCOPE_UNIVERSE;
        NS_CHECK_THROWS(cfg.replace_default_route(bad), NetlinkError, "cannot add route default via 203.0.113.9");
        NS_CHECK(cfg.steps().empty());
        const auto now = nl.default_routes(AF_INET);
        NS_CHECK_MSG(now.size() == 1 && find_route(now, upstream.ifindex(), 100), show(now));
    });
}

// Builds "default nexthop dev a nexthop dev b metric 300" by hand: Netlink itself never makes one.
void add_multipath_default(unsigned a, unsigned b) {
    mnl_socket* s = mnl_socket_open(NETLINK_ROUTE);
    NS_CHECK(s && mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == 0);
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = RTM_NEWROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    nlh->nlmsg_seq = 1;
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = AF_INET;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_scope = RT_SCOPE_UNIVERSE;
    rtm->rtm_type = RTN_UNICAST;
    mnl_attr_put_u32(nlh, RTA_PRIORITY, 300);
    nlattr* mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
    for (unsigned ifindex : {a, b}) {
        rtnexthop nh{};
        nh.rtnh_len = sizeof nh;
        nh.rtnh_ifindex = static_cast<int>(ifindex);
        std::memcpy(static_cast<char*>(mnl_nlmsg_get_payload_tail(nlh)), &nh, sizeof nh);
        nlh->nlmsg_len += MNL_ALIGN(sizeof nh);
    }
    mnl_attr_nest_end(nlh, mp);
    NS_CHECK(mnl_socket_sendto(s, nlh, nlh->nlmsg_len) >= 0);
    const ssize_t n = mnl_socket_recvfrom(s, buf.data(), buf.size());
    const int ret = n > 0 ? mnl_cb_run(buf.data(), static_cast<std::size_t>(n), 1, mnl_socket_get_portid(s), nullptr, nullptr) : -1;
    const int err = errno;
    mnl_socket_close(s);
    NS_CHECK_MSG(ret >= 0, "adding the multipath route failed: " << std::strerror(err));
}

TEST(netconf_netns, refuses_to_replace_a_multipath_default_before_changing_anything) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        TunDevice a(io, "up%d");
        TunDevice b(io, "up%d");
        bring_up(nl, a, upstream_local, upstream_gateway);
        bring_up(nl, b, IpAddress::v4(198, 18, 0, 1), IpAddress::v4(198, 18, 0, 2));
        add_multipath_default(a.ifindex(), b.ifindex());
        const auto before = nl.default_routes(AF_INET);
        NS_CHECK_MSG(before.size() == 1 && before[0].complex_nexthop, show(before));

        TunDevice tun(io, "ec20t%d");
        bring_up(nl, tun, local, peer);
        NetConfig cfg(nl);
        NS_CHECK_THROWS(cfg.replace_default_route(Route::via_interface(AF_INET, tun.ifindex(), 0)), NetlinkError,
                        "several or shared next hops");
        NS_CHECK(cfg.steps().empty());
        NS_CHECK_EQ(nl.default_routes(AF_INET).size(), 1u);
        // The metric mode still works beside it.
        cfg.add_default_route(Route::via_interface(AF_INET, tun.ifindex(), 10));
        NS_CHECK_EQ(nl.default_routes(AF_INET).size(), 2u);
    });
}

TEST(netconf_netns, recovers_from_the_undo_record_of_a_killed_process) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        TunDevice upstream(io, "up%d");
        bring_up(nl, upstream, upstream_local, upstream_gateway);
        nl.add_route(upstream_default(upstream.ifindex(), 100));

        int fds[2];
        NS_CHECK(::pipe(fds) == 0);
        const pid_t dialer = ::fork();
        NS_CHECK(dialer >= 0);
        if (dialer == 0) {
            // The "dialer": takes over the default route, persists its record, and is SIGKILLed.
            try {
                asio::io_context io2;
                Netlink nl2;
                TunDevice tun(io2, "ec20t%d");
                NetConfig cfg(nl2);
                cfg.add_ipv4_address(tun.ifindex(), local, peer);
                cfg.set_link_up(tun.ifindex());
                cfg.replace_default_route(Route::via_interface(AF_INET, tun.ifindex(), 0));
                const std::string text = cfg.record().serialize();
                if (::write(fds[1], text.data(), text.size()) != static_cast<ssize_t>(text.size())) ::_exit(1);
                ::close(fds[1]);
                ::raise(SIGKILL);  // inside the scope: no destructor gets to undo anything
            } catch (...) {
            }
            ::_exit(1);
        }
        ::close(fds[1]);
        std::string text;
        char buf[4096];
        for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
        ::close(fds[0]);
        int status = 0;
        NS_CHECK(::waitpid(dialer, &status, 0) == dialer);
        NS_CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the dialer did not die as planned");

        // Its TUN died with it, and the default route it deleted is missing now.
        NS_CHECK_MSG(nl.default_routes(AF_INET).empty(), show(nl.default_routes(AF_INET)));

        const UndoRecord rec = UndoRecord::parse(text);
        NS_CHECK_EQ(rec.pid, dialer);
        const auto problems = revert_undo_record(nl, rec);
        NS_CHECK_MSG(problems.empty(), problems.front());
        const auto now = nl.default_routes(AF_INET);
        const Route* back = find_route(now, upstream.ifindex(), 100);
        NS_CHECK_MSG(now.size() == 1 && back && back->gateway == upstream_gateway, show(now));
        NS_CHECK(revert_undo_record(nl, rec).empty());  // a second recovery changes nothing
        NS_CHECK_EQ(nl.default_routes(AF_INET).size(), 1u);
    });
}

TEST(netconf_netns, reports_kernel_errors_as_sentences) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        TunDevice tun(io, "ec20t%d");
        const unsigned idx = tun.ifindex();

        NS_CHECK_THROWS(nl.set_mtu(9999, 1500), NetlinkError,
                        "cannot set the MTU of interface #9999 to 1500: No such device — the interface no longer exists");
        // The kernel's extended ACK text is quoted where it gives one.
        NS_CHECK_THROWS(nl.set_mtu(idx, 10), NetlinkError, "Invalid argument (kernel: ");
        NS_CHECK_THROWS(nl.set_mtu(idx, 10), NetlinkError, "does not accept that MTU");
        NS_CHECK_THROWS(Netlink::ifindex("nosuchif0"), NetlinkError, "there is no network interface named \"nosuchif0\"");

        nl.add_ipv4_address(idx, local, peer);
        NS_CHECK_THROWS(nl.add_ipv4_address(idx, local, peer), NetlinkError,
                        "cannot add address 10.64.0.1 peer 10.64.0.2/32 to " + tun.name() + ": File exists");
        NS_CHECK_THROWS(nl.add_ipv4_address(idx, local, peer), NetlinkError,
                        "— the address is already configured there");
        nl.set_link_up(idx, true);
        NS_CHECK_THROWS(nl.delete_route(Route::via_interface(AF_INET, idx, 77)), NetlinkError,
                        "there is no such route");
        InterfaceAddress missing;
        missing.ifindex = idx;
        missing.local = IpAddress::v4(10, 9, 9, 9);
        NS_CHECK_THROWS(nl.delete_address(missing), NetlinkError, "it is not configured there");
        Route mixed = Route::via_interface(AF_INET, idx, 1);
        mixed.gateway = *IpAddress::parse("fe80::1");
        NS_CHECK_THROWS(nl.add_route(mixed), NetlinkError, "mixes IPv4 and IPv6");
    });
}

TEST(netconf_netns, ipv6_default_route_replace_and_restore) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        TunDevice upstream(io, "up%d");
        nl.set_link_up(upstream.ifindex(), true);
        nl.add_ipv6_link_local(upstream.ifindex(), ipv6_link_local({0, 0, 0, 0, 0, 0, 0, 1}));
        Route previous = Route::via_interface(AF_INET6, upstream.ifindex(), 1024);
        previous.gateway = *IpAddress::parse("fe80::fe");
        previous.scope = RT_SCOPE_UNIVERSE;
        nl.add_route(previous);

        TunDevice tun(io, "ec20t%d");
        nl.set_link_up(tun.ifindex(), true);
        {
            NetConfig cfg(nl);
            cfg.replace_default_route(Route::via_interface(AF_INET6, tun.ifindex(), 1));
            const auto now = nl.default_routes(AF_INET6);
            NS_CHECK_MSG(now.size() == 1 && now[0].oif == tun.ifindex(), show(now));
        }
        const auto now = nl.default_routes(AF_INET6);
        NS_CHECK_MSG(now.size() == 1 && now[0].oif == upstream.ifindex() && now[0].gateway == previous.gateway &&
                         now[0].metric == 1024u,
                     show(now));
    });
}

}  // namespace
}  // namespace ec20ppp
