#include "netconf/netlink.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <system_error>

namespace ec20ppp {
namespace {

std::string errno_text(int err) { return std::generic_category().message(err); }

// Dumps of a busy routing table come in multi-message datagrams of up to 32 KiB; a smaller
// buffer would make recvmsg truncate them (libmnl then fails with ENOSPC).
constexpr std::size_t receive_buffer_size = 32768;
constexpr std::size_t request_buffer_size = 8192;
// A dump interrupted by a concurrent change (NLM_F_DUMP_INTR) may miss entries, e.g. the very
// default route we must restore later; ask again a few times.
constexpr int dump_attempts = 3;

// One rtnetlink request being built (RFC 3549 §2.3.2: a netlink header, the family's header,
// then attributes; libmnl lays them out in the buffer).
class Request {
public:
    Request(std::uint16_t type, std::uint16_t flags) : buffer_(request_buffer_size) {
        header_ = mnl_nlmsg_put_header(buffer_.data());
        header_->nlmsg_type = type;
        header_->nlmsg_flags = flags;
    }
    nlmsghdr* header() const { return header_; }
    // The family's header (ifinfomsg, ifaddrmsg, rtmsg) right after the netlink one, zeroed.
    template <typename FamilyHeader>
    FamilyHeader& family_header() {
        return *static_cast<FamilyHeader*>(mnl_nlmsg_put_extra_header(header_, sizeof(FamilyHeader)));
    }

private:
    std::vector<char> buffer_;
    nlmsghdr* header_;
};

// A request about interface `index` (RTM_GETLINK, RTM_NEWLINK).
Request link_request(std::uint16_t type, unsigned index) {
    Request request(type, NLM_F_REQUEST | NLM_F_ACK);
    auto& ifi = request.family_header<ifinfomsg>();
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = static_cast<int>(index);
    return request;
}

// What to tell the operator for errors that mean the same whatever the request was.
std::string generic_hint(int err) {
    switch (err) {
        case EPERM:
        case EACCES:
            return "run as root or give ec20ppp CAP_NET_ADMIN";
        case ENODEV:
            return "the interface no longer exists (modem unplugged or TUN closed): reconnect";
        case ENETUNREACH:
            return "the gateway is not reachable through that interface: check that it is up and "
                   "has an address on the gateway's network";
        case ENOBUFS:
        case ENOMEM:
            return "the kernel is short of memory: retry later";
        case EAGAIN:
            return "no answer from the kernel within 5 s: retry; if it persists, check the system load";
        default:
            return "this is unexpected: report it together with this message";
    }
}

struct Transaction {
    const std::function<void(const nlmsghdr*)>* on_message = nullptr;
    int error = 0;
    std::string kernel_message;
    std::exception_ptr exception;  // thrown by on_message; must not unwind through libmnl's C code
    bool interrupted = false;      // NLM_F_DUMP_INTR: the table changed while it was being dumped
};

int data_cb(const nlmsghdr* nlh, void* data) {
    auto* t = static_cast<Transaction*>(data);
    if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) t->interrupted = true;
    if (t->exception || !t->on_message || !*t->on_message) return MNL_CB_OK;
    try {
        (*t->on_message)(nlh);
    } catch (...) {
        // Keep reading to the end of the answer so no leftovers confuse the next request.
        t->exception = std::current_exception();
    }
    return MNL_CB_OK;
}

// The kernel's extended ACK (NETLINK_EXT_ACK) carries a human-readable reason such as
// "Nexthop device is not up"; it is worth showing next to the bare errno.
void parse_extended_ack(const nlmsghdr* nlh, const nlmsgerr* err, Transaction* t) {
    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return;
    std::size_t offset = sizeof(nlmsgerr);
    // Without NLM_F_CAPPED the whole original request is echoed before the attributes.
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
    if (offset >= mnl_nlmsg_get_payload_len(nlh)) return;
    mnl_attr_parse(
        nlh, static_cast<unsigned>(offset),
        [](const nlattr* attr, void* data) -> int {
            if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
                mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
                static_cast<Transaction*>(data)->kernel_message = mnl_attr_get_str(attr);
            }
            return MNL_CB_OK;
        },
        t);
}

int error_cb(const nlmsghdr* nlh, void* data) {
    auto* t = static_cast<Transaction*>(data);
    if (mnl_nlmsg_get_payload_len(nlh) < sizeof(nlmsgerr)) {
        t->error = EBADMSG;
        return MNL_CB_ERROR;
    }
    const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
    if (err->error == 0) return MNL_CB_STOP;  // the ACK
    t->error = -err->error;
    parse_extended_ack(nlh, err, t);
    return MNL_CB_ERROR;
}

// NLMSG_DONE ends a dump; it carries an error code when the dump itself failed.
int done_cb(const nlmsghdr* nlh, void* data) {
    auto* t = static_cast<Transaction*>(data);
    if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
        int code = 0;
        std::memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof code);
        if (code < 0) {
            t->error = -code;
            return MNL_CB_ERROR;
        }
    }
    return MNL_CB_STOP;
}

void put_address(nlmsghdr* nlh, std::uint16_t type, const IpAddress& a) {
    mnl_attr_put(nlh, type, a.size(), a.data());
}

// Validates and reads an address attribute of the expected family.
std::optional<IpAddress> get_address(const nlattr* attr, int family) {
    const auto len = mnl_attr_get_payload_len(attr);
    if ((family == AF_INET && len != 4) || (family == AF_INET6 && len != 16)) return std::nullopt;
    return IpAddress::from_bytes(ByteView(static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr)), len));
}

std::optional<std::uint32_t> get_u32(const nlattr* attr) {
    if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0) return std::nullopt;
    return mnl_attr_get_u32(attr);
}

std::string label(unsigned ifindex) {
    const std::string name = Netlink::ifname(ifindex);
    return name.empty() ? "interface #" + std::to_string(ifindex) : name;
}

void check_family(const IpAddress& a, int family, const std::string& op) {
    if (!a.empty() && a.family != family) {
        throw NetlinkError("cannot " + op + ": it mixes IPv4 and IPv6 addresses — this is a bug in the caller", 0);
    }
}

}  // namespace

// ---- IpAddress --------------------------------------------------------------------------------

IpAddress IpAddress::v4(Ipv4 address) {
    const std::uint32_t v = address.value;
    return v4(static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
              static_cast<std::uint8_t>(v));
}

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddress r;
    r.family = AF_INET;
    r.bytes = {a, b, c, d};
    return r;
}

IpAddress IpAddress::from_bytes(ByteView raw) {
    IpAddress r;
    if (raw.size() == 4) {
        r.family = AF_INET;
    } else if (raw.size() == 16) {
        r.family = AF_INET6;
    } else {
        return r;
    }
    std::memcpy(r.bytes.data(), raw.data(), raw.size());
    return r;
}

IpAddress IpAddress::any(int family) {
    IpAddress r;
    r.family = family;
    return r;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    const std::string s(text);
    IpAddress r;
    if (::inet_pton(AF_INET, s.c_str(), r.bytes.data()) == 1) {
        r.family = AF_INET;
        return r;
    }
    if (::inet_pton(AF_INET6, s.c_str(), r.bytes.data()) == 1) {
        r.family = AF_INET6;
        return r;
    }
    return std::nullopt;
}

std::string IpAddress::to_string() const {
    if (empty()) return "(none)";
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(family, bytes.data(), buf, sizeof buf);
    return buf;
}

IpAddress ipv6_link_local(const std::array<std::uint8_t, 8>& interface_id) {
    IpAddress r;
    r.family = AF_INET6;
    r.bytes[0] = 0xfe;
    r.bytes[1] = 0x80;
    std::memcpy(r.bytes.data() + 8, interface_id.data(), interface_id.size());
    return r;
}

bool LinkInfo::up() const { return (flags & IFF_UP) != 0; }

std::string InterfaceAddress::to_string() const {
    std::string s = local.to_string();
    if (peer) s += " peer " + peer->to_string();
    return s + "/" + std::to_string(prefix_len);
}

// ---- Route ------------------------------------------------------------------------------------

Route Route::via_interface(int family, unsigned ifindex, std::optional<std::uint32_t> metric,
                           const IpAddress& dst, unsigned dst_len) {
    Route r;
    r.family = family;
    r.dst = dst.empty() ? IpAddress::any(family) : dst;
    r.dst_len = dst_len;
    r.oif = ifindex;
    r.oif_name = Netlink::ifname(ifindex);
    r.metric = metric;
    // No gateway on a point-to-point link: everything goes straight to the peer.
    r.scope = RT_SCOPE_LINK;
    return r;
}

std::string Route::to_string() const {
    std::string s = dst_len == 0 ? std::string("default") : dst.to_string() + "/" + std::to_string(dst_len);
    if (gateway) s += " via " + gateway->to_string();
    if (oif != 0 || !oif_name.empty()) s += " dev " + (oif_name.empty() ? label(oif) : oif_name);
    if (metric) s += " metric " + std::to_string(*metric);
    if (table != RT_TABLE_MAIN) s += " table " + std::to_string(table);
    if (prefsrc) s += " src " + prefsrc->to_string();
    return s;
}

// ---- Netlink ----------------------------------------------------------------------------------

Netlink::Netlink() {
    socket_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!socket_) {
        const int err = errno;
        throw NetlinkError("cannot open a NETLINK_ROUTE socket: " + errno_text(err) + " — " +
                               (err == EAFNOSUPPORT ? "the kernel lacks netlink support" : generic_hint(err)),
                           err);
    }
    if (mnl_socket_bind(socket_, 0, MNL_SOCKET_AUTOPID) < 0) {
        const int err = errno;
        mnl_socket_close(socket_);
        throw NetlinkError("cannot bind the NETLINK_ROUTE socket: " + errno_text(err) + " — " + generic_hint(err), err);
    }
    portid_ = mnl_socket_get_portid(socket_);
    // Ask for the kernel's reason text, and not to echo our whole request back in error ACKs.
    // Both are optional (older kernels lack them): failure only costs detail in messages.
    int on = 1;
    mnl_socket_setsockopt(socket_, NETLINK_EXT_ACK, &on, sizeof on);
    mnl_socket_setsockopt(socket_, NETLINK_CAP_ACK, &on, sizeof on);
    // The kernel always answers, but a bug there must not hang the dialer forever.
    timeval timeout{5, 0};
    ::setsockopt(mnl_socket_get_fd(socket_), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    // Start sequence numbers away from 0 so replies to another process's socket never match.
    seq_ = static_cast<std::uint32_t>(::time(nullptr));
}

Netlink::~Netlink() {
    if (socket_) mnl_socket_close(socket_);
}

unsigned Netlink::ifindex(const std::string& name) {
    const unsigned index = ::if_nametoindex(name.c_str());
    if (index == 0) {
        const int err = errno;
        throw NetlinkError("there is no network interface named \"" + name + "\" — check the name (ip link)", err);
    }
    return index;
}

std::string Netlink::ifname(unsigned index) {
    char buf[IF_NAMESIZE] = {};
    if (index == 0 || !::if_indextoname(index, buf)) return {};
    return buf;
}

bool Netlink::transact(nlmsghdr* request, const std::function<void(const nlmsghdr*)>& on_message,
                       const std::function<std::string(int)>& describe_error) {
    request->nlmsg_seq = ++seq_;
    const std::uint32_t seq = request->nlmsg_seq;
    auto fail = [&](int err, const std::string& kernel_message) {
        std::string msg = describe_error(err);
        // describe_error gives "cannot X: <reason> — <hint>"; put the kernel's words after the reason.
        if (!kernel_message.empty()) {
            const auto dash = msg.find(" — ");
            const std::string note = " (kernel: " + kernel_message + ")";
            if (dash == std::string::npos) {
                msg += note;
            } else {
                msg.insert(dash, note);
            }
        }
        throw NetlinkError(msg, err);
    };

    if (mnl_socket_sendto(socket_, request, request->nlmsg_len) < 0) fail(errno, {});

    std::vector<char> buf(receive_buffer_size);
    Transaction t;
    t.on_message = &on_message;
    mnl_cb_t control[NLMSG_MIN_TYPE] = {};
    control[NLMSG_ERROR] = error_cb;
    control[NLMSG_DONE] = done_cb;
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(socket_, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(errno == EWOULDBLOCK ? EAGAIN : errno, {});
        }
        const int ret = mnl_cb_run2(buf.data(), static_cast<std::size_t>(n), seq, portid_, data_cb, &t,
                                    control, NLMSG_MIN_TYPE);
        if (ret == MNL_CB_ERROR) {
            if (t.error != 0) fail(t.error, t.kernel_message);
            // A late answer to an earlier request that timed out: not ours, skip it.
            if (errno == ESRCH || errno == EPROTO) continue;
            fail(errno, {});
        }
        if (ret == MNL_CB_STOP) break;
    }
    if (t.exception) std::rethrow_exception(t.exception);
    return !t.interrupted;
}

LinkInfo Netlink::link(unsigned index) {
    Request request = link_request(RTM_GETLINK, index);
    nlmsghdr* nlh = request.header();

    LinkInfo info;
    bool found = false;
    transact(
        nlh,
        [&](const nlmsghdr* msg) {
            if (msg->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(msg) < sizeof(ifinfomsg)) return;
            const auto* reply = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(msg));
            info.ifindex = static_cast<unsigned>(reply->ifi_index);
            info.flags = reply->ifi_flags;
            mnl_attr_parse(
                msg, sizeof(ifinfomsg),
                [](const nlattr* attr, void* data) -> int {
                    auto* out = static_cast<LinkInfo*>(data);
                    if (mnl_attr_get_type(attr) == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
                        out->name = mnl_attr_get_str(attr);
                    } else if (mnl_attr_get_type(attr) == IFLA_MTU) {
                        if (auto v = get_u32(attr)) out->mtu = *v;
                    }
                    return MNL_CB_OK;
                },
                &info);
            found = true;
        },
        [&](int err) {
            return "cannot read the state of interface #" + std::to_string(index) + ": " + errno_text(err) + " — " +
                   generic_hint(err);
        });
    if (!found) {
        throw NetlinkError("cannot read the state of interface #" + std::to_string(index) +
                               ": the kernel sent no answer — report this as a bug",
                           0);
    }
    return info;
}

void Netlink::set_mtu(unsigned index, unsigned mtu) {
    Request request = link_request(RTM_NEWLINK, index);
    nlmsghdr* nlh = request.header();
    mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
    transact(nlh, {}, [&](int err) {
        return "cannot set the MTU of " + label(index) + " to " + std::to_string(mtu) + ": " + errno_text(err) +
               " — " +
               (err == EINVAL ? std::string("the interface does not accept that MTU (IPv4 needs at least 68, "
                                            "IPv6 1280; a TUN allows at most 65535): use a value in range")
                              : generic_hint(err));
    });
}

void Netlink::set_link_up(unsigned index, bool up) {
    Request request = link_request(RTM_NEWLINK, index);
    nlmsghdr* nlh = request.header();
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
    // ifi_change selects which flag bits to touch; leave all others (e.g. NOARP) alone.
    ifi->ifi_flags = up ? IFF_UP : 0;
    ifi->ifi_change = IFF_UP;
    transact(nlh, {}, [&](int err) {
        return "cannot bring " + label(index) + (up ? " up: " : " down: ") + errno_text(err) + " — " +
               generic_hint(err);
    });
}

void Netlink::disable_ipv6_address_generation(unsigned index) {
    Request request = link_request(RTM_NEWLINK, index);
    nlmsghdr* nlh = request.header();
    nlattr* af_spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
    nlattr* inet6 = mnl_attr_nest_start(nlh, AF_INET6);
    mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
    mnl_attr_nest_end(nlh, inet6);
    mnl_attr_nest_end(nlh, af_spec);
    transact(nlh, {}, [&](int err) {
        return "cannot turn off the kernel's own IPv6 addresses on " + label(index) + ": " + errno_text(err) + " — " +
               (err == EAFNOSUPPORT || err == EOPNOTSUPP ? std::string("this kernel has no IPv6")
                                                         : generic_hint(err));
    });
}

namespace {

void address_request(nlmsghdr* nlh, const InterfaceAddress& a) {
    auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
    ifa->ifa_family = static_cast<std::uint8_t>(a.local.family);
    ifa->ifa_prefixlen = static_cast<std::uint8_t>(a.prefix_len);
    ifa->ifa_flags = static_cast<std::uint8_t>(a.flags & 0xff);
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;  // IPv6 derives the scope itself; IPv4 uses this
    ifa->ifa_index = a.ifindex;
    // IFA_LOCAL is our address; IFA_ADDRESS is the far end on a point-to-point link.
    put_address(nlh, IFA_LOCAL, a.local);
    put_address(nlh, IFA_ADDRESS, a.peer ? *a.peer : a.local);
    if (a.flags > 0xff) mnl_attr_put_u32(nlh, IFA_FLAGS, a.flags);
}

}  // namespace

void Netlink::add_address(const InterfaceAddress& a) {
    const std::string op = "add address " + a.to_string() + " to " + label(a.ifindex);
    if (a.local.empty()) throw NetlinkError("cannot " + op + ": no local address given — this is a bug in the caller", 0);
    if (a.peer) check_family(*a.peer, a.local.family, op);
    Request request(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    nlmsghdr* nlh = request.header();
    address_request(nlh, a);
    transact(nlh, {}, [&](int err) {
        std::string hint;
        if (err == EEXIST) {
            hint = "the address is already configured there: remove it (ip addr del " + a.to_string() + " dev " +
                   label(a.ifindex) + ") or reconnect to recreate the interface";
        } else if (err == EINVAL) {
            hint = "the kernel rejected the address: check the prefix length and that the address is usable";
        } else if (err == EACCES && a.local.family == AF_INET6) {
            hint = "IPv6 is disabled on this interface (sysctl net.ipv6.conf.<if>.disable_ipv6=0) or run as root";
        } else {
            hint = generic_hint(err);
        }
        return "cannot " + op + ": " + errno_text(err) + " — " + hint;
    });
}

InterfaceAddress InterfaceAddress::ipv4_point_to_point(unsigned ifindex, const IpAddress& local, const IpAddress& peer) {
    InterfaceAddress a;
    a.ifindex = ifindex;
    a.local = local;
    a.peer = peer;
    a.prefix_len = 32;
    return a;
}

InterfaceAddress InterfaceAddress::ipv6_link_local(unsigned ifindex, const IpAddress& local,
                                                   const std::optional<IpAddress>& peer) {
    InterfaceAddress a;
    a.ifindex = ifindex;
    a.local = local;
    a.peer = peer;
    a.prefix_len = peer ? 128 : 64;
    a.flags = IFA_F_NODAD;
    return a;
}

void Netlink::add_ipv4_address(unsigned index, const IpAddress& local, const IpAddress& peer) {
    add_address(InterfaceAddress::ipv4_point_to_point(index, local, peer));
}

void Netlink::add_ipv6_link_local(unsigned index, const IpAddress& local, const std::optional<IpAddress>& peer) {
    add_address(InterfaceAddress::ipv6_link_local(index, local, peer));
}

void Netlink::delete_address(const InterfaceAddress& a) {
    Request request(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK);
    nlmsghdr* nlh = request.header();
    address_request(nlh, a);
    transact(nlh, {}, [&](int err) {
        return "cannot remove address " + a.to_string() + " from " + label(a.ifindex) + ": " + errno_text(err) +
               " — " +
               (err == EADDRNOTAVAIL ? std::string("it is not configured there (already removed?)")
                                     : generic_hint(err));
    });
}

std::vector<InterfaceAddress> Netlink::addresses(int family, unsigned index) {
    Request request(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
    nlmsghdr* nlh = request.header();
    request.family_header<ifaddrmsg>().ifa_family = static_cast<std::uint8_t>(family);

    struct Parsed {
        int family;
        std::optional<IpAddress> local, address;
        std::optional<std::uint32_t> flags;
    };
    std::vector<InterfaceAddress> out;
    for (int attempt = 0; attempt < dump_attempts; ++attempt) {
        out.clear();
        const bool consistent = transact(
            nlh,
            [&](const nlmsghdr* msg) {
                if (msg->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(msg) < sizeof(ifaddrmsg)) return;
                const auto* reply = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(msg));
                if (index != 0 && reply->ifa_index != index) return;
                Parsed p{reply->ifa_family, {}, {}, {}};
                mnl_attr_parse(
                    msg, sizeof(ifaddrmsg),
                    [](const nlattr* attr, void* data) -> int {
                        auto* q = static_cast<Parsed*>(data);
                        switch (mnl_attr_get_type(attr)) {
                            case IFA_LOCAL: q->local = get_address(attr, q->family); break;
                            case IFA_ADDRESS: q->address = get_address(attr, q->family); break;
                            case IFA_FLAGS: q->flags = get_u32(attr); break;
                            default: break;
                        }
                        return MNL_CB_OK;
                    },
                    &p);
                InterfaceAddress a;
                a.ifindex = reply->ifa_index;
                a.prefix_len = reply->ifa_prefixlen;
                a.flags = p.flags ? *p.flags : reply->ifa_flags;
                // IFA_LOCAL present: it is ours and a different IFA_ADDRESS is the peer.
                if (p.local) {
                    a.local = *p.local;
                    if (p.address && !(*p.address == *p.local)) a.peer = *p.address;
                } else if (p.address) {
                    a.local = *p.address;
                } else {
                    return;
                }
                out.push_back(std::move(a));
            },
            [&](int err) { return "cannot list interface addresses: " + errno_text(err) + " — " + generic_hint(err); });
        if (consistent) break;
    }
    return out;
}

void Netlink::route_request(const Route& r, std::uint16_t type, std::uint16_t flags, const std::string& op) {
    check_family(r.dst, r.family, op);
    if (r.gateway) check_family(*r.gateway, r.family, op);
    if (r.prefsrc) check_family(*r.prefsrc, r.family, op);
    if (r.complex_nexthop && type != RTM_DELROUTE) {
        throw NetlinkError("cannot " + op + ": it has several or shared next hops, which ec20ppp cannot recreate — "
                           "set that route up by hand",
                           0);
    }
    Request request(type, static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags));
    nlmsghdr* nlh = request.header();
    auto* rtm = &request.family_header<rtmsg>();
    rtm->rtm_family = static_cast<std::uint8_t>(r.family);
    rtm->rtm_dst_len = static_cast<std::uint8_t>(r.dst_len);
    rtm->rtm_tos = r.tos;
    // Tables above 255 only fit in RTA_TABLE; sending it always is simplest.
    rtm->rtm_table = static_cast<std::uint8_t>(r.table < 256 ? r.table : std::uint32_t{RT_TABLE_UNSPEC});
    rtm->rtm_protocol = r.protocol;
    // RT_SCOPE_NOWHERE in a delete means "any scope", as `ip route del` sends it.
    rtm->rtm_scope = type == RTM_DELROUTE ? std::uint8_t{RT_SCOPE_NOWHERE} : r.scope;
    rtm->rtm_type = r.type;
    mnl_attr_put_u32(nlh, RTA_TABLE, r.table);
    if (r.dst_len > 0) put_address(nlh, RTA_DST, r.dst);
    if (r.gateway) put_address(nlh, RTA_GATEWAY, *r.gateway);
    if (r.oif != 0) mnl_attr_put_u32(nlh, RTA_OIF, r.oif);
    if (r.metric) mnl_attr_put_u32(nlh, RTA_PRIORITY, *r.metric);
    if (r.prefsrc) put_address(nlh, RTA_PREFSRC, *r.prefsrc);
    if (!r.metrics.empty() && type != RTM_DELROUTE) {
        mnl_attr_put(nlh, RTA_METRICS, r.metrics.size(), r.metrics.data());
    }
    transact(nlh, {}, [&](int err) {
        std::string hint;
        if (err == EEXIST) {
            hint = "a route with the same destination and metric already exists: choose another metric or remove "
                   "that route";
        } else if (err == ESRCH || (err == ENOENT && type == RTM_DELROUTE)) {
            hint = "there is no such route (already removed?)";
        } else if (err == EINVAL) {
            hint = "the kernel rejected the route: check that the interface is up and the addresses are valid";
        } else {
            hint = generic_hint(err);
        }
        return "cannot " + op + ": " + errno_text(err) + " — " + hint;
    });
}

void Netlink::add_route(const Route& r) {
    route_request(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, "add route " + r.to_string());
}

void Netlink::replace_route(const Route& r) {
    route_request(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, "replace route " + r.to_string());
}

void Netlink::delete_route(const Route& r) { route_request(r, RTM_DELROUTE, 0, "delete route " + r.to_string()); }

std::vector<Route> Netlink::routes(int family, std::uint32_t table) {
    Request request(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
    nlmsghdr* nlh = request.header();
    request.family_header<rtmsg>().rtm_family = static_cast<std::uint8_t>(family);

    std::vector<Route> out;
    for (int attempt = 0; attempt < dump_attempts; ++attempt) {
        out.clear();
        const bool consistent = transact(
            nlh,
            [&](const nlmsghdr* msg) {
                if (msg->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(msg) < sizeof(rtmsg)) return;
                const auto* reply = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(msg));
                if (reply->rtm_flags & RTM_F_CLONED) return;  // cache entries, not configuration
                if (reply->rtm_type != RTN_UNICAST) return;   // local, broadcast, unreachable, ...
                Route r;
                r.family = reply->rtm_family;
                r.dst = IpAddress::any(r.family);
                r.dst_len = reply->rtm_dst_len;
                r.tos = reply->rtm_tos;
                r.table = reply->rtm_table;
                r.protocol = reply->rtm_protocol;
                r.scope = reply->rtm_scope;
                r.type = reply->rtm_type;
                mnl_attr_parse(
                    msg, sizeof(rtmsg),
                    [](const nlattr* attr, void* data) -> int {
                        auto* q = static_cast<Route*>(data);
                        switch (mnl_attr_get_type(attr)) {
                            case RTA_DST:
                                if (auto a = get_address(attr, q->family)) q->dst = *a;
                                break;
                            case RTA_GATEWAY: q->gateway = get_address(attr, q->family); break;
                            case RTA_PREFSRC: q->prefsrc = get_address(attr, q->family); break;
                            case RTA_OIF:
                                if (auto v = get_u32(attr)) q->oif = *v;
                                break;
                            case RTA_PRIORITY: q->metric = get_u32(attr); break;
                            case RTA_TABLE:
                                if (auto v = get_u32(attr)) q->table = *v;
                                break;
                            case RTA_METRICS: {
                                const auto* p = static_cast<const std::uint8_t*>(mnl_attr_get_payload(attr));
                                q->metrics.assign(p, p + mnl_attr_get_payload_len(attr));
                                break;
                            }
                            case RTA_MULTIPATH:
                            case RTA_NH_ID:
                            case RTA_VIA:
                            case RTA_ENCAP:
                                q->complex_nexthop = true;
                                break;
                            default: break;
                        }
                        return MNL_CB_OK;
                    },
                    &r);
                if (r.table != table) return;
                // IPv4 leaves RTA_PRIORITY out for metric 0; say 0 so routes compare and restore alike.
                if (!r.metric) r.metric = 0;
                r.oif_name = ifname(r.oif);
                out.push_back(std::move(r));
            },
            [&](int err) { return "cannot list the routing table: " + errno_text(err) + " — " + generic_hint(err); });
        if (consistent) break;
    }
    return out;
}

std::vector<Route> Netlink::default_routes(int family, std::uint32_t table) {
    std::vector<Route> all = routes(family, table);
    std::vector<Route> out;
    for (auto& r : all) {
        if (r.is_default()) out.push_back(std::move(r));
    }
    return out;
}

}  // namespace ec20ppp
