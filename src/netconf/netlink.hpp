// rtnetlink (NETLINK_ROUTE) client over libmnl: interface MTU/state, addresses and routes, with
// every kernel error turned into a sentence. Synchronous: each call waits for the kernel's ACK,
// which arrives within microseconds, so there is no need to route it through the event loop.
#pragma once

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/ip.hpp"

struct mnl_socket;
struct nlmsghdr;

namespace ec20ppp {

// A failed rtnetlink request. what() names the operation, the kernel's reason (including its
// extended-ACK text when it gives one) and what to do.
class NetlinkError : public std::runtime_error {
public:
    NetlinkError(const std::string& message, int error) : std::runtime_error(message), error_(error) {}
    // The errno the kernel answered with (0 for failures not coming from the kernel).
    int error() const { return error_; }

private:
    int error_;
};

// An IPv4 or IPv6 address (family AF_INET / AF_INET6; AF_UNSPEC when empty).
struct IpAddress {
    int family = AF_UNSPEC;
    std::array<std::uint8_t, 16> bytes{};

    static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
    // The protocol engine's host-order IPv4 value (what IPCP negotiated).
    static IpAddress v4(Ipv4 address);
    // From 4 or 16 network-order bytes; anything else gives an empty address.
    static IpAddress from_bytes(ByteView raw);
    // The all-zero address of `family` (the destination of a default route).
    static IpAddress any(int family);
    // Dotted quad or RFC 4291 text; nullopt if it is neither.
    static std::optional<IpAddress> parse(std::string_view text);

    std::size_t size() const { return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0; }
    const std::uint8_t* data() const { return bytes.data(); }
    bool empty() const { return family == AF_UNSPEC; }
    std::string to_string() const;
    bool operator==(const IpAddress&) const = default;
};

// fe80::/64 with the 64-bit interface identifier that IPV6CP negotiated (RFC 5072 §5).
IpAddress ipv6_link_local(const std::array<std::uint8_t, 8>& interface_id);

struct LinkInfo {
    unsigned ifindex = 0;
    std::string name;
    unsigned mtu = 0;
    unsigned flags = 0;  // IFF_UP, IFF_RUNNING, IFF_POINTOPOINT, ...
    bool up() const;
};

// One interface address. For a point-to-point link `peer` is the remote end (IFA_ADDRESS);
// without it IFA_ADDRESS repeats `local`, as for any other interface.
struct InterfaceAddress {
    unsigned ifindex = 0;
    IpAddress local;
    std::optional<IpAddress> peer;
    unsigned prefix_len = 32;
    std::uint32_t flags = 0;  // IFA_F_*: IFA_F_NODAD for addresses that need no DAD
    std::string to_string() const;  // "10.0.0.1 peer 10.0.0.2/32" (ip-addr syntax)

    // What IPCP gives (RFC 1332): our address with the peer's as the other end of a /32.
    static InterfaceAddress ipv4_point_to_point(unsigned ifindex, const IpAddress& local, const IpAddress& peer);
    // What IPV6CP gives (RFC 5072 §5): fe80::<our interface identifier>, /128 towards the peer's
    // link-local address when known, else /64; no duplicate address detection (the identifiers
    // were negotiated unique).
    static InterfaceAddress ipv6_link_local(unsigned ifindex, const IpAddress& local,
                                            const std::optional<IpAddress>& peer);
};

struct Route {
    int family = AF_INET;
    IpAddress dst;  // empty or all-zero with dst_len 0: a default route
    unsigned dst_len = 0;
    std::optional<IpAddress> gateway;
    unsigned oif = 0;      // output interface index, 0 = none given
    std::string oif_name;  // filled in by dumps; lets an undo record find the interface again
    std::optional<std::uint32_t> metric;  // RTA_PRIORITY; unset = kernel default (0, IPv6: 1024)
    std::uint32_t table = RT_TABLE_MAIN;
    std::uint8_t protocol = RTPROT_BOOT;  // what `ip route add` uses
    std::uint8_t scope = RT_SCOPE_UNIVERSE;
    std::uint8_t type = RTN_UNICAST;
    std::uint8_t tos = 0;
    std::optional<IpAddress> prefsrc;
    // The raw RTA_METRICS payload (route MTU, advmss, ...), sent back verbatim when restoring a
    // route we deleted, so the restored route is the same route.
    Bytes metrics;
    // The route has several next hops (RTA_MULTIPATH) or uses a nexthop object (RTA_NH_ID):
    // the fields above cannot recreate it, so replace_default_route refuses to delete it.
    bool complex_nexthop = false;

    // A route out of a point-to-point interface with no gateway (scope link), e.g. our default.
    static Route via_interface(int family, unsigned ifindex, std::optional<std::uint32_t> metric = {},
                               const IpAddress& dst = {}, unsigned dst_len = 0);
    bool is_default() const { return dst_len == 0; }
    // ip-route syntax for messages: "default via 192.168.1.1 dev eth0 metric 100".
    std::string to_string() const;
};

class Netlink {
public:
    // Opens and binds a NETLINK_ROUTE socket. Throws NetlinkError.
    Netlink();
    ~Netlink();
    Netlink(const Netlink&) = delete;
    Netlink& operator=(const Netlink&) = delete;

    // Interface name <-> index. ifindex() throws if there is no such interface; ifname() gives
    // "" for an index that does not exist.
    static unsigned ifindex(const std::string& name);
    static std::string ifname(unsigned ifindex);

    LinkInfo link(unsigned ifindex);
    void set_mtu(unsigned ifindex, unsigned mtu);
    void set_link_up(unsigned ifindex, bool up);
    // Stops the kernel from giving the interface IPv6 addresses of its own (address generation
    // mode "none"): no link-local address, hence no Router Solicitations or MLD reports while
    // IPV6CP is not open, and when it opens only the link-local address built from the
    // negotiated interface identifiers (RFC 5072 §5). Must come before the interface goes up.
    void disable_ipv6_address_generation(unsigned ifindex);

    // Adds `address` (fails with EEXIST if it is already there).
    void add_address(const InterfaceAddress& address);
    // IPv4 local + peer with prefix 32, what IPCP negotiated.
    void add_ipv4_address(unsigned ifindex, const IpAddress& local, const IpAddress& peer);
    // An IPv6 link-local address (fe80::/64 or, with the peer's, /128 + peer), without DAD:
    // IPV6CP already made the interface identifiers unique on this link (RFC 5072 §4.1).
    void add_ipv6_link_local(unsigned ifindex, const IpAddress& local,
                             const std::optional<IpAddress>& peer = std::nullopt);
    void delete_address(const InterfaceAddress& address);
    // The addresses of `family` (AF_UNSPEC: both), of one interface or (ifindex 0) all.
    std::vector<InterfaceAddress> addresses(int family, unsigned ifindex = 0);

    // Adds a route; fails with EEXIST if one with the same key (dst, metric, table) exists.
    void add_route(const Route& route);
    // Adds the route or replaces the one with the same key.
    void replace_route(const Route& route);
    void delete_route(const Route& route);
    // The unicast routes of `family` in `table` (cached clones left out).
    std::vector<Route> routes(int family, std::uint32_t table = RT_TABLE_MAIN);
    // The unicast default routes of `family` in `table`.
    std::vector<Route> default_routes(int family, std::uint32_t table = RT_TABLE_MAIN);

private:
    // Sends `request` and waits for its ACK (or, for a dump, all parts until DONE), passing each
    // data message to `on_message`; `describe_error` turns an errno into the sentence to throw.
    // Returns false if a dump was marked inconsistent (NLM_F_DUMP_INTR).
    bool transact(nlmsghdr* request, const std::function<void(const nlmsghdr*)>& on_message,
                  const std::function<std::string(int)>& describe_error);
    void route_request(const Route& route, std::uint16_t type, std::uint16_t flags, const std::string& op);

    mnl_socket* socket_ = nullptr;
    unsigned portid_ = 0;
    std::uint32_t seq_ = 0;
};

}  // namespace ec20ppp
