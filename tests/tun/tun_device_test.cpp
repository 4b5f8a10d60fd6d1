// TunDevice. Error paths run anywhere; the rest runs as root inside a fresh network namespace
// (tests/netconf/netns_sandbox.hpp): creation and removal, a UDP packet the kernel routes into
// the TUN, and an ICMP echo written into the TUN that the kernel answers.
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>

#include "netconf/netlink.hpp"
#include "netconf/netns_sandbox.hpp"
#include "tun/tun_device.hpp"

namespace ec20ppp {
namespace {

const IpAddress local = IpAddress::v4(10, 64, 0, 1);
const IpAddress peer = IpAddress::v4(10, 64, 0, 2);

// ---- packet helpers (RFC 791 / RFC 792) ----

std::uint16_t internet_checksum(const std::uint8_t* p, std::size_t n) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += load_be16(p + i);
    if (n % 2) sum += static_cast<std::uint32_t>(p[n - 1]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

Bytes ipv4_packet(std::uint8_t protocol, const IpAddress& src, const IpAddress& dst, const Bytes& payload) {
    Bytes p;
    p.push_back(0x45);  // version 4, 20-byte header
    p.push_back(0);
    append_be16(p, static_cast<std::uint16_t>(20 + payload.size()));
    append_be16(p, 0x1234);  // identification
    append_be16(p, 0x4000);  // don't fragment
    p.push_back(64);         // TTL
    p.push_back(protocol);
    append_be16(p, 0);  // checksum, below
    p.insert(p.end(), src.data(), src.data() + 4);
    p.insert(p.end(), dst.data(), dst.data() + 4);
    store_be16(p.data() + 10, internet_checksum(p.data(), 20));
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
}

Bytes icmp_echo_request(std::uint16_t id, std::uint16_t seq, const std::string& data) {
    Bytes m = {8, 0, 0, 0};  // type 8 echo request, code 0, checksum
    append_be16(m, id);
    append_be16(m, seq);
    m.insert(m.end(), data.begin(), data.end());
    store_be16(m.data() + 2, internet_checksum(m.data(), m.size()));
    return m;
}

bool is_ipv4(ByteView p) { return p.size() >= 20 && (p[0] >> 4) == 4; }
std::size_t ihl(ByteView p) { return (p[0] & 0x0f) * 4u; }
IpAddress src_of(ByteView p) { return IpAddress::from_bytes(p.subspan(12, 4)); }
IpAddress dst_of(ByteView p) { return IpAddress::from_bytes(p.subspan(16, 4)); }

// Creates a TUN and gives it local/peer, up, via rtnetlink (what the app does through NetConfig).
std::unique_ptr<TunDevice> configured_tun(asio::io_context& io, Netlink& nl) {
    auto tun = std::make_unique<TunDevice>(io, "ec20t%d");
    nl.add_ipv4_address(tun->ifindex(), local, peer);
    nl.set_link_up(tun->ifindex(), true);
    return tun;
}

// ---- without privileges ----

TEST(tun_device, explains_a_missing_clone_device) {
    asio::io_context io;
    try {
        TunDevice tun(io, "ec20%d", "/nonexistent/net/tun");
        FAIL() << "expected TunError";
    } catch (const TunError& e) {
        EXPECT_STREQ(e.what(),
                     "cannot open /nonexistent/net/tun: No such file or directory — load the tun module (modprobe "
                     "tun); in a container, create the node (mknod /dev/net/tun c 10 200) or pass the device in");
    }
}

TEST(tun_device, refuses_bad_names_before_touching_the_kernel) {
    asio::io_context io;
    try {
        TunDevice tun(io, "a-name-far-too-long", "/nonexistent");
        FAIL() << "expected TunError";
    } catch (const TunError& e) {
        EXPECT_NE(std::string(e.what()).find("too long: Linux allows at most 15 characters"), std::string::npos)
            << e.what();
    }
    try {
        TunDevice tun(io, "ppp/0", "/nonexistent");
        FAIL() << "expected TunError";
    } catch (const TunError& e) {
        EXPECT_NE(std::string(e.what()).find("contains a character Linux does not allow"), std::string::npos)
            << e.what();
    }
}

// ---- in a fresh network namespace ----

TEST(tun_device, creates_a_numbered_interface_that_close_removes) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        TunDevice tun(io, "ec20t%d");
        NS_CHECK_EQ(tun.name(), std::string("ec20t0"));
        NS_CHECK(tun.is_open());
        NS_CHECK(!tun.attached_to_persistent());
        NS_CHECK_EQ(tun.ifindex(), ::if_nametoindex("ec20t0"));
        NS_CHECK((::fcntl(tun.fd(), F_GETFL) & O_NONBLOCK) != 0);
        NS_CHECK((::fcntl(tun.fd(), F_GETFD) & FD_CLOEXEC) != 0);

        Netlink nl;
        const LinkInfo info = nl.link(tun.ifindex());
        NS_CHECK_EQ(info.name, tun.name());
        // IFF_TUN: a point-to-point layer-3 device, no ARP (and no 4-byte PI header: see reads).
        NS_CHECK((info.flags & IFF_POINTOPOINT) != 0);
        NS_CHECK((info.flags & IFF_NOARP) != 0);

        TunDevice second(io, "ec20t%d");
        NS_CHECK_EQ(second.name(), std::string("ec20t1"));

        tun.close();
        NS_CHECK(!tun.is_open());
        NS_CHECK_EQ(tun.fd(), -1);
        NS_CHECK_EQ(::if_nametoindex("ec20t0"), 0u);
        tun.close();  // idempotent
    });
}

TEST(tun_device, a_fixed_name_in_use_is_refused_with_a_reason) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        TunDevice first(io, "ppp0");
        NS_CHECK_EQ(first.name(), std::string("ppp0"));
        NS_CHECK_THROWS(TunDevice(io, "ppp0"), TunError,
                        "cannot create TUN interface \"ppp0\": Device or resource busy — interface ppp0 is already "
                        "attached to another process");
        NS_CHECK_THROWS(TunDevice(io, "lo"), TunError, "probably exists and is not a TUN device");
    });
}

TEST(tun_device, reads_a_udp_packet_the_kernel_routes_to_the_peer) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        auto tun = configured_tun(io, nl);

        Bytes got;
        tun->async_read_packets([&](ByteView p) {
            // Skip whatever else the kernel sends out (IPv6 router solicitations, MLD reports).
            if (!is_ipv4(p) || p[9] != IPPROTO_UDP || !(dst_of(p) == peer)) return;
            got.assign(p.begin(), p.end());
            io.stop();
        });

        const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        NS_CHECK(s >= 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(9999);
        std::memcpy(&to.sin_addr, peer.data(), 4);
        const std::string payload = "hello from the kernel side";
        NS_CHECK(::sendto(s, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
                 static_cast<ssize_t>(payload.size()));
        ::close(s);

        io.run_for(std::chrono::seconds(5));
        NS_CHECK_MSG(!got.empty(), "no UDP packet came out of the TUN");
        const ByteView p(got);
        NS_CHECK_MSG(src_of(p) == local, src_of(p).to_string());
        const ByteView udp = p.subspan(ihl(p));
        NS_CHECK_EQ(load_be16(udp.data() + 2), 9999);
        NS_CHECK_EQ(std::string(udp.begin() + 8, udp.end()), payload);
        NS_CHECK(tun->stats().packets_in >= 1);
        NS_CHECK(tun->stats().bytes_in >= got.size());
    });
}

TEST(tun_device, the_kernel_answers_an_icmp_echo_written_into_the_tun) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        auto tun = configured_tun(io, nl);

        // As if the peer pinged us: 10.64.0.2 -> 10.64.0.1, arriving over the link.
        const std::string data = "ec20ppp ping payload";
        const Bytes request = ipv4_packet(IPPROTO_ICMP, peer, local, icmp_echo_request(0xec20, 7, data));
        NS_CHECK(tun->write_packet(request));
        NS_CHECK_EQ(tun->stats().packets_out, 1u);
        NS_CHECK_EQ(tun->stats().bytes_out, request.size());

        Bytes reply;
        tun->async_read_packets([&](ByteView p) {
            if (!is_ipv4(p) || p[9] != IPPROTO_ICMP) return;
            reply.assign(p.begin(), p.end());
            io.stop();
        });
        io.run_for(std::chrono::seconds(5));
        NS_CHECK_MSG(!reply.empty(), "no ICMP answer came out of the TUN");
        const ByteView p(reply);
        NS_CHECK_MSG(src_of(p) == local && dst_of(p) == peer, src_of(p).to_string() << " -> " << dst_of(p).to_string());
        const ByteView icmp = p.subspan(ihl(p));
        NS_CHECK_EQ(int{icmp[0]}, 0);  // echo reply
        NS_CHECK_EQ(load_be16(icmp.data() + 4), 0xec20);
        NS_CHECK_EQ(load_be16(icmp.data() + 6), 7);
        NS_CHECK_EQ(std::string(icmp.begin() + 8, icmp.end()), data);
        NS_CHECK_EQ(internet_checksum(icmp.data(), icmp.size()), 0);
    });
}

TEST(tun_device, counts_packets_the_kernel_rejects) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        auto tun = configured_tun(io, nl);
        const Bytes not_ip = {0x00, 0x01, 0x02, 0x03};  // version nibble 0: neither IPv4 nor IPv6
        NS_CHECK(!tun->write_packet(not_ip));
        NS_CHECK_EQ(tun->last_write_error(), EINVAL);
        NS_CHECK(!tun->write_packet({}));
        NS_CHECK_EQ(tun->stats().write_errors, 2u);
        NS_CHECK_EQ(tun->stats().writes_dropped, 0u);
        NS_CHECK_EQ(tun->stats().packets_out, 0u);
        tun->close();
        NS_CHECK(!tun->write_packet(ipv4_packet(IPPROTO_ICMP, peer, local, icmp_echo_request(1, 1, "x"))));
        NS_CHECK_EQ(tun->last_write_error(), EBADF);
    });
}

// Sends `count` UDP datagrams from the kernel side towards the peer, i.e. out of the TUN.
void send_udp_to_peer(int count) {
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    NS_CHECK(s >= 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(9);
    std::memcpy(&to.sin_addr, peer.data(), 4);
    for (int i = 0; i < count; ++i) {
        const char c = static_cast<char>('a' + i % 26);
        NS_CHECK(::sendto(s, &c, 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == 1);
    }
    ::close(s);
}

bool is_udp(ByteView p) { return is_ipv4(p) && p[9] == IPPROTO_UDP; }

TEST(tun_device, try_read_packet_is_non_blocking) {
    RUN_IN_FRESH_NETNS([] {
        // No IPv6 on the new interface: its router solicitations and MLD reports leave at
        // moments of the kernel's choosing, and one arriving after the drain below would be read
        // where the test expects an empty queue (seen under ctest -j2).
        std::ofstream("/proc/sys/net/ipv6/conf/default/disable_ipv6") << "1\n";
        asio::io_context io;
        Netlink nl;
        auto tun = configured_tun(io, nl);
        std::vector<std::uint8_t> buf(TunDevice::max_packet_size);
        while (tun->try_read_packet(buf)) {
        }  // drain whatever the kernel sent on link-up
        NS_CHECK(!tun->try_read_packet(buf).has_value());
        send_udp_to_peer(1);
        std::optional<std::size_t> n;
        for (int i = 0; i < 100 && !n; ++i) {
            n = tun->try_read_packet(buf);
            if (n && !(is_ipv4(ByteView(buf.data(), *n)) && buf[9] == IPPROTO_UDP)) n.reset();
            if (!n) ::usleep(10000);
        }
        NS_CHECK_MSG(n.has_value(), "the UDP packet never showed up");
        NS_CHECK_EQ(*n, 29u);  // 20 IP + 8 UDP + 1 byte
    });
}

TEST(tun_device, reads_bursts_beyond_one_batch) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        auto tun = configured_tun(io, nl);
        // Queue more than one read batch (64) before the loop starts, so it must continue
        // across batches without a new readiness edge.
        send_udp_to_peer(200);
        int udp = 0;
        tun->async_read_packets([&](ByteView p) {
            if (is_udp(p)) ++udp;
            if (udp == 200) io.stop();
        });
        io.run_for(std::chrono::seconds(5));
        NS_CHECK_EQ(udp, 200);
    });
}

TEST(tun_device, the_batch_end_follows_each_wake_ups_packets) {
    // The dialer frames every packet of a wake-up onto one buffer and writes it to the tty at
    // the batch's end: so the end must come after each run of packets, once, and only then.
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        auto tun = configured_tun(io, nl);
        send_udp_to_peer(200);  // queued before the loop starts: full batches of 64, then the rest
        int udp = 0, since_end = 0, ends = 0, empty_ends = 0, largest = 0;
        tun->async_read_packets(
            [&](ByteView p) {
                ++since_end;
                if (is_udp(p)) ++udp;
            },
            {},
            [&] {
                ++ends;
                if (since_end == 0) ++empty_ends;
                largest = std::max(largest, since_end);
                since_end = 0;
                if (udp == 200) io.stop();
            });
        io.run_for(std::chrono::seconds(5));
        NS_CHECK_EQ(udp, 200);
        NS_CHECK_EQ(since_end, 0);  // nothing delivered after the last end
        NS_CHECK_EQ(empty_ends, 0);
        NS_CHECK_EQ(largest, 64);   // the batch limit, reached: the burst was read in batches
        NS_CHECK(ends >= 4 && ends <= 8);
    });
}

TEST(tun_device, a_paused_loop_leaves_packets_in_the_kernel_until_resumed) {
    // The dialer's flow control: while the serial line is backed up it pauses the loop, and
    // nothing more is read (the packets wait in the kernel's queue) until it resumes; arrivals
    // during the pause do not restart it, and a resume reads on without a new readiness edge.
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        auto work = asio::make_work_guard(io);  // a paused loop leaves the context without work
        auto tun = configured_tun(io, nl);
        send_udp_to_peer(100);
        int udp = 0, ends = 0;
        tun->async_read_packets(
            [&](ByteView p) {
                if (is_udp(p) && ++udp == 10) tun->pause_reading();
            },
            {}, [&] { ++ends; });
        io.run_for(std::chrono::milliseconds(300));
        NS_CHECK_EQ(udp, 10);
        NS_CHECK_EQ(ends, 1);  // the paused batch still ended (the dialer flushes there)
        NS_CHECK(tun->reading_paused());
        send_udp_to_peer(50);  // new arrivals while paused
        io.run_for(std::chrono::milliseconds(300));
        NS_CHECK_EQ(udp, 10);
        tun->resume_reading();
        NS_CHECK(!tun->reading_paused());
        for (int i = 0; i < 50 && udp < 150; ++i) io.run_for(std::chrono::milliseconds(20));
        NS_CHECK_EQ(udp, 150);
        // Paused from outside the loop (its wait pending) and resumed: still reads on.
        tun->pause_reading();
        tun->resume_reading();
        send_udp_to_peer(5);
        for (int i = 0; i < 50 && udp < 155; ++i) io.run_for(std::chrono::milliseconds(20));
        NS_CHECK_EQ(udp, 155);
    });
}

TEST(tun_device, a_batch_end_handler_may_destroy_the_device) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        auto tun = configured_tun(io, nl);
        send_udp_to_peer(100);
        int ends = 0;
        tun->async_read_packets([](ByteView) {}, {}, [&] {
            ++ends;
            tun.reset();
        });
        io.run_for(std::chrono::milliseconds(300));
        NS_CHECK_EQ(ends, 1);
        NS_CHECK(!tun);
    });
}

TEST(tun_device, a_handler_may_stop_or_destroy_the_device) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        {
            auto tun = configured_tun(io, nl);
            send_udp_to_peer(5);
            int calls = 0;
            tun->async_read_packets([&](ByteView p) {
                if (!is_udp(p)) return;
                ++calls;
                tun->stop_reading();  // the remaining queued packets must not be delivered
            });
            io.run_for(std::chrono::milliseconds(300));
            NS_CHECK_EQ(calls, 1);
        }
        {
            io.restart();
            auto tun = configured_tun(io, nl);
            send_udp_to_peer(5);
            int calls = 0;
            bool error_called = false;
            tun->async_read_packets(
                [&](ByteView p) {
                    if (!is_udp(p)) return;
                    ++calls;
                    tun.reset();  // destroys the device from inside its own handler
                },
                [&](std::error_code) { error_called = true; });
            io.run_for(std::chrono::milliseconds(300));
            NS_CHECK_EQ(calls, 1);
            NS_CHECK(!error_called);
            NS_CHECK(!tun);
        }
    });
}

TEST(tun_device, closing_ends_the_loop_without_calling_the_error_handler) {
    RUN_IN_FRESH_NETNS([] {
        asio::io_context io;
        Netlink nl;
        auto tun = configured_tun(io, nl);
        bool error_called = false;
        tun->async_read_packets([](ByteView) {}, [&](std::error_code) { error_called = true; });
        const std::string name = tun->name();
        asio::post(io, [&] { tun->close(); });
        io.run_for(std::chrono::milliseconds(300));
        NS_CHECK(!error_called);
        NS_CHECK_EQ(::if_nametoindex(name.c_str()), 0u);
        NS_CHECK_THROWS(tun->async_read_packets([](ByteView) {}), TunError, "the device is closed");
    });
}

}  // namespace
}  // namespace ec20ppp
