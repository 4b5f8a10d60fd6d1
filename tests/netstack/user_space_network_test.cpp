// UserSpaceNetwork: the simulator's user-space endpoint on lwIP, driven through hand-made IPv4
// packets on fake time. lwIP's state is global, so each test builds its own (single) instance.
#include <gtest/gtest.h>

#include <random>

#include "test_peer.hpp"

namespace ec20ppp::netstack::test {
namespace {

Bytes pattern(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
}

// RFC 792: the reply swaps the addresses, has type 0, and keeps identifier, sequence and data.
TEST(UserSpaceNetwork, AnswersIcmpEcho) {
    Harness h;
    const ByteView text = as_bytes("abcdefghijklmnopqrstuvwxyz012345");
    const Bytes data(text.begin(), text.end());
    h.send(icmp_echo_request(client, gateway, 0x1234, 7, data));
    ASSERT_EQ(h.sent.size(), 1u);
    Parsed reply = h.take();
    EXPECT_EQ(reply.src(), gateway);
    EXPECT_EQ(reply.dst(), client);
    EXPECT_EQ(reply.protocol(), proto_icmp);
    EXPECT_TRUE(reply.ip_checksum_ok());
    ByteView icmp = reply.transport();
    ASSERT_EQ(icmp.size(), 8 + data.size());
    EXPECT_EQ(icmp[0], 0);  // Echo Reply
    EXPECT_EQ(icmp[1], 0);
    EXPECT_EQ(checksum(icmp), 0);
    EXPECT_EQ(load_be16(&icmp[4]), 0x1234);
    EXPECT_EQ(load_be16(&icmp[6]), 7);
    EXPECT_TRUE(std::equal(data.begin(), data.end(), icmp.begin() + 8));
    EXPECT_EQ(h.net.stats().packets_in, 1u);
    EXPECT_EQ(h.net.stats().packets_out, 1u);
}

TEST(UserSpaceNetwork, AnswersLargeEcho) {
    Harness h;
    const Bytes data = pattern(1400, 3);
    h.send(icmp_echo_request(client, gateway, 1, 1, data));
    Parsed reply = h.take();
    EXPECT_EQ(checksum(reply.transport()), 0);
    EXPECT_TRUE(std::equal(data.begin(), data.end(), reply.transport().begin() + 8));
}

// Nothing is routed beyond the endpoint: only its own address answers.
TEST(UserSpaceNetwork, IgnoresEchoToOtherAddresses) {
    Harness h;
    h.send(icmp_echo_request(client, Ipv4{0x08080808}, 1, 1, {}));
    EXPECT_TRUE(h.sent.empty());
}

// RFC 9293 §3.5: a SYN to a listening port is answered with SYN-ACK acknowledging ISS + 1.
TEST(UserSpaceNetwork, SynToEchoPortGetsSynAck) {
    Harness h;
    TcpFields f;
    f.seq = 1000;
    f.flags = syn;
    f.mss = 1460;
    h.send(tcp_segment(f));
    ASSERT_EQ(h.sent.size(), 1u);
    Parsed p = h.take();
    EXPECT_TRUE(p.ip_checksum_ok());
    EXPECT_TRUE(p.tcp_checksum_ok());
    EXPECT_EQ(p.src(), gateway);
    EXPECT_EQ(p.dst(), client);
    EXPECT_EQ(p.sport(), 5001);
    EXPECT_EQ(p.dport(), 40000);
    EXPECT_EQ(p.flags(), syn | ack);
    EXPECT_EQ(p.ack_no(), 1001u);
    ASSERT_TRUE(p.mss());
    EXPECT_EQ(*p.mss(), 1460);  // MTU 1500 - 40
    EXPECT_GT(p.window(), 0);
}

// RFC 9293 §3.10.7.1: a SYN to a closed port gets RST|ACK acknowledging it.
TEST(UserSpaceNetwork, SynToOtherPortGetsRst) {
    Harness h;
    TcpFields f;
    f.dport = 80;
    f.seq = 5000;
    f.flags = syn;
    h.send(tcp_segment(f));
    ASSERT_EQ(h.sent.size(), 1u);
    Parsed p = h.take();
    EXPECT_TRUE(p.tcp_checksum_ok());
    EXPECT_EQ(p.sport(), 80);
    EXPECT_EQ(p.flags() & (rst | ack), rst | ack);
    EXPECT_EQ(p.ack_no(), 5001u);
}

// RFC 1122 §4.1.3.1: UDP to a port nobody listens on gets ICMP Destination Unreachable (port),
// quoting the offending IP header.
TEST(UserSpaceNetwork, UdpGetsPortUnreachable) {
    Harness h;
    Bytes udp{0x9c, 0x40, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 'a', 'b', 'c', 'd'};  // 40000 -> 53, no checksum
    const Bytes packet = ipv4(client, gateway, proto_udp, udp);
    h.send(packet);
    ASSERT_EQ(h.sent.size(), 1u);
    Parsed p = h.take();
    EXPECT_EQ(p.protocol(), proto_icmp);
    EXPECT_EQ(p.dst(), client);
    ByteView icmp = p.transport();
    ASSERT_GE(icmp.size(), 8u + 20u);
    EXPECT_EQ(icmp[0], 3);  // Destination Unreachable
    EXPECT_EQ(icmp[1], 3);  // port unreachable
    EXPECT_EQ(checksum(icmp), 0);
    EXPECT_TRUE(std::equal(packet.begin(), packet.begin() + 20, icmp.begin() + 8));
}

TEST(UserSpaceNetwork, ConfiguredPortIsTheOneServed) {
    UserSpaceNetworkConfig config = Harness::default_config();
    config.echo_port = 7;
    Harness h(config);
    TcpClient on7(h, 41000, 1, 7);
    on7.connect();
    TcpFields f;
    f.flags = syn;
    h.send(tcp_segment(f));  // to 5001
    EXPECT_TRUE(h.take().flags() & rst);
}

TEST(UserSpaceNetwork, DropsSegmentsWithBadChecksum) {
    Harness h;
    TcpFields f;
    f.flags = syn;
    Bytes p = tcp_segment(f);
    p[20 + 17] ^= 0x01;  // the TCP checksum's low byte
    h.send(p);
    EXPECT_TRUE(h.sent.empty());
}

TEST(UserSpaceNetwork, EchoesData) {
    Harness h;
    TcpClient c(h, 40001, 77);
    c.connect();
    EXPECT_EQ(h.net.stats().connections_accepted, 1u);
    EXPECT_EQ(h.net.stats().connections_open, 1u);
    c.echo(as_bytes("hello, EC20\n"));
    EXPECT_EQ(std::string(c.received.begin(), c.received.end()), "hello, EC20\n");
    c.echo(as_bytes("again"));
    EXPECT_EQ(std::string(c.received.begin(), c.received.end()), "hello, EC20\nagain");
}

// The client's FIN ends the service's side too: it answers with its own FIN once the echo is out.
TEST(UserSpaceNetwork, ClosesAfterTheClientFinishes) {
    Harness h;
    TcpClient c(h, 40002, 0xfffffff0);  // sequence numbers wrap during the exchange
    c.connect();
    c.echo(as_bytes("0123456789abcdefghij"));
    c.send_fin();
    c.receive();
    EXPECT_TRUE(c.fin_received);
    EXPECT_FALSE(c.reset);
    EXPECT_EQ(h.net.stats().connections_open, 0u);
    EXPECT_TRUE(h.sent.empty());  // our last ACK completed the close: nothing more to say
    h.advance(std::chrono::seconds(5));
    EXPECT_TRUE(h.sent.empty());
}

TEST(UserSpaceNetwork, ServesManyConnectionsInSequence) {
    Harness h;
    for (std::uint16_t i = 0; i < 200; ++i) {
        TcpClient c(h, static_cast<std::uint16_t>(20000 + i), 1000u * i);
        c.connect();
        const std::string line = "connection " + std::to_string(i);
        c.echo(as_bytes(line));
        c.send_fin();
        c.receive();
        ASSERT_TRUE(c.fin_received) << i;
        ASSERT_EQ(std::string(c.received.begin(), c.received.end()), line);
    }
    EXPECT_EQ(h.net.stats().connections_accepted, 200u);
    EXPECT_EQ(h.net.stats().connections_open, 0u);
}

TEST(UserSpaceNetwork, MovesOneMebibyteThroughEcho) {
    Harness h;
    TcpClient c(h, 40003, 123456);
    c.connect();
    const Bytes data = pattern(1 << 20, 1);
    c.echo(data);
    EXPECT_EQ(c.received, data);
    EXPECT_EQ(h.net.stats().bytes_echoed, data.size());
    c.send_fin();
    c.receive();
    EXPECT_TRUE(c.fin_received);
}

TEST(UserSpaceNetwork, MovesTenMebibytesThroughEcho) {
    Harness h;
    TcpClient c(h, 40004, 42);
    c.connect();
    const Bytes data = pattern(10 << 20, 2);
    c.echo(data, std::chrono::minutes(10));
    EXPECT_TRUE(c.received == data);
    EXPECT_FALSE(c.reset);
}

// A client that does not read its echo throttles the sender: the endpoint buffers at most its
// send buffer plus one receive window, then advertises a zero window; reading again resumes.
TEST(UserSpaceNetwork, BackPressureWhenTheClientDoesNotRead) {
    Harness h;
    TcpClient c(h, 40005, 9);
    c.rcv_window = 0;
    c.connect();
    const Bytes data = pattern(512 * 1024, 4);
    std::size_t offset = 0;
    for (int round = 0; round < 100; ++round) {
        c.send_data(data, offset);
        c.receive();
        h.advance(std::chrono::milliseconds(10));
        c.receive();
    }
    EXPECT_TRUE(c.received.empty());  // nothing may be sent into a zero window (probes carry no data here)
    EXPECT_EQ(c.peer_window(), 0u);
    EXPECT_GT(c.bytes_acked(), 65535u);
    EXPECT_LE(c.bytes_acked(), 2u * 65535u);
    EXPECT_LT(offset, data.size());

    c.rcv_window = 65535;
    c.send_ack();  // window update
    const Bytes rest(data.begin() + static_cast<std::ptrdiff_t>(offset), data.end());
    c.echo(rest);
    EXPECT_EQ(c.received, data);
}

// lwIP's timers run on the time given to poll(): a SYN-ACK that is never acknowledged is sent
// again after lwIP's initial RTO (3 s), not before, however fast the test runs.
TEST(UserSpaceNetwork, TimersRunOnTheCallersClock) {
    Harness h;
    TcpFields f;
    f.seq = 1;
    f.flags = syn;
    h.send(tcp_segment(f));
    Parsed first = h.take();
    ASSERT_EQ(first.flags(), syn | ack);
    ASSERT_TRUE(h.net.next_timeout());
    EXPECT_LE(*h.net.next_timeout(), h.now + std::chrono::milliseconds(250));
    h.advance(std::chrono::milliseconds(2500));
    EXPECT_TRUE(h.sent.empty());
    h.advance(std::chrono::milliseconds(1500));
    ASSERT_EQ(h.sent.size(), 1u);
    Parsed again = h.take();
    EXPECT_EQ(again.flags(), syn | ack);
    EXPECT_EQ(again.seq(), first.seq());
}

TEST(UserSpaceNetwork, IdleEndpointSaysNothing) {
    Harness h;
    h.advance(std::chrono::seconds(30));
    EXPECT_TRUE(h.sent.empty());
    auto next = h.net.next_timeout();
    ASSERT_TRUE(next);
    EXPECT_GT(*next, h.now - std::chrono::milliseconds(1));
    EXPECT_LE(*next, h.now + std::chrono::milliseconds(100));
}

TEST(UserSpaceNetwork, RefusesWhatLwipMustNotSee) {
    Harness h;
    Bytes v6(40, 0);
    v6[0] = 0x60;
    h.send(v6);
    h.send(Bytes{0x45, 0x00});
    // From our own address or a loopback one, lwIP would answer through its loopback path,
    // which needs the tcpip thread we never start.
    h.send(icmp_echo_request(gateway, gateway, 1, 1, {}));
    h.send(icmp_echo_request(Ipv4{0x7f000001}, gateway, 1, 1, {}));
    h.send(icmp_echo_request(client, Ipv4{0x7f000001}, 1, 1, {}));
    EXPECT_TRUE(h.sent.empty());
    EXPECT_EQ(h.net.stats().packets_refused, 5u);
    EXPECT_EQ(h.net.stats().packets_in, 0u);
}

TEST(UserSpaceNetwork, OnlyOneInstanceAtATime) {
    Harness h;
    EXPECT_THROW(Harness second, std::logic_error);
    // The failed attempt left the first one working.
    h.send(icmp_echo_request(client, gateway, 1, 1, {}));
    EXPECT_EQ(h.sent.size(), 1u);
}

// Destroying the endpoint with connections open leaves nothing behind in lwIP's global lists:
// the same four-tuple connects afresh on the next instance.
TEST(UserSpaceNetwork, NextInstanceStartsClean) {
    {
        Harness h;
        TcpClient c(h, 40006, 500);
        c.connect();
        c.echo(as_bytes("left open"));
        TcpClient closing(h, 40007, 600);
        closing.connect();
        closing.send_fin();  // the service answers FIN and waits in LAST_ACK for our ACK
        h.sent.clear();
        EXPECT_EQ(h.net.stats().connections_open, 1u);
    }
    Harness h;
    for (std::uint16_t port : {40006, 40007}) {
        TcpClient c(h, port, 500);
        Parsed synack = c.connect();
        EXPECT_EQ(synack.flags(), syn | ack);
        c.echo(as_bytes("fresh"));
        EXPECT_EQ(std::string(c.received.begin(), c.received.end()), "fresh");
    }
}

// The Output callback may feed packets straight back in: lwIP is not on the stack by then.
TEST(UserSpaceNetwork, OutputMayFeedInputBack) {
    TimePoint now = TimePoint{} + std::chrono::hours(2);
    int replies = 0;
    UserSpaceNetwork* self = nullptr;
    UserSpaceNetwork net(
        Harness::default_config(),
        [&](ByteView p) {
            ++replies;
            if (replies < 10) self->input(icmp_echo_request(client, gateway, 9, static_cast<std::uint16_t>(replies), p.subspan(28)), now);
        },
        now);
    self = &net;
    net.input(icmp_echo_request(client, gateway, 9, 0, as_bytes("ping")), now);
    EXPECT_EQ(replies, 10);
}

}  // namespace
}  // namespace ec20ppp::netstack::test
