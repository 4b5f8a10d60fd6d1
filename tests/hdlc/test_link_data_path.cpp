// Issue 8 item 3: the data path allocates nothing per packet in steady state. A client and an
// EC20-like network side (both our engine, src/link) dial each other in memory; then 10,000 IP
// datagrams of every size go through FramedLink::send_ip (framed straight onto a reused write
// buffer, several frames per write) and FramedLink::next_packet (delivered as views of the
// deframer's buffer, read in odd-sized chunks), each echoed back, while every call to the
// (replaced) global operator new is counted. Own executable: the replacement is process-wide.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>

#include "common/packet.hpp"
#include "link/framed_link.hpp"
#include "link/presets.hpp"

#include "support/counting_new.hpp"

namespace ec20ppp::link {
namespace {

RandomSource counter_random(std::uint8_t seed) {
    return [state = seed](std::span<std::uint8_t> out) mutable {
        for (auto& b : out) b = static_cast<std::uint8_t>(state = static_cast<std::uint8_t>(state * 37 + 11));
    };
}

struct Pair {
    FramedLink client{client_config("user", "passwd"), counter_random(1)};
    FramedLink modem{ec20_network_config({}), counter_random(2)};
    TimePoint now{};

    // Moves what each side emitted to the other until nothing is left.
    void pump(LinkEvents& from_client, LinkEvents& from_modem) {
        for (int round = 0; round < 100 && (!from_client.empty() || !from_modem.empty()); ++round) {
            Bytes to_modem, to_client;
            client.encode_all(from_client, to_modem);
            modem.encode_all(from_modem, to_client);
            from_client.clear();
            from_modem.clear();
            modem.receive_bytes(to_modem, now, from_modem);
            client.receive_bytes(to_client, now, from_client);
        }
    }

    bool dial() {
        LinkEvents c, m;
        client.link().lower_up(now, c);
        modem.link().lower_up(now, m);
        for (int step = 0; step < 50; ++step) {
            pump(c, m);
            if (client.link().phase() == Phase::running && modem.link().phase() == Phase::running) return true;
            now += std::chrono::milliseconds(100);
            if (auto t = client.link().next_timeout(); t && *t <= now) client.link().on_timeout(now, c);
            if (auto t = modem.link().next_timeout(); t && *t <= now) modem.link().on_timeout(now, m);
        }
        return false;
    }
};

Bytes ipv4_packet(std::size_t size, std::uint32_t seq) {
    Bytes p(size);
    for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<std::uint8_t>(seq * 131 + i * 7);
    p[0] = 0x45;
    store_be16(&p[2], static_cast<std::uint16_t>(size));
    return p;
}

// Feeds `wire` to `receiver` in chunks of `chunk` octets, sending each datagram that arrives
// back through `echo` (if any) onto `back`. Returns the datagrams and their octets delivered.
struct Delivered {
    std::size_t packets = 0, octets = 0;
    std::uint64_t checksum = 0;
};
Delivered deliver(FramedLink& receiver, ByteView wire, std::size_t chunk, TimePoint now, LinkEvents& events,
                  Bytes* back) {
    Delivered d;
    for (std::size_t pos = 0; pos < wire.size(); pos += chunk) {
        ByteView in = wire.subspan(pos, std::min(chunk, wire.size() - pos));
        while (auto ip = receiver.next_packet(in, now, events)) {
            ++d.packets;
            d.octets += ip->packet.size();
            for (std::uint8_t b : ip->packet) d.checksum = d.checksum * 31 + b;
            if (back != nullptr) {
                EXPECT_TRUE(receiver.send_ip(ip->protocol, ip->packet, *back));
            }
        }
    }
    return d;
}

TEST(LinkDataPath, TenThousandPacketsEachWayWithoutAllocation) {
    Pair pair;
    ASSERT_TRUE(pair.dial());
    ASSERT_TRUE(pair.client.link().lcp_result().tx_acfc);  // the negotiated framing is in use

    // Everything the loop needs, made (and grown) before counting.
    constexpr int kPackets = 10'000, kBatch = 8;
    std::vector<Bytes> packets;
    for (int i = 0; i < 64; ++i) packets.push_back(ipv4_packet(20 + static_cast<std::size_t>(i) * 1480 / 63, static_cast<std::uint32_t>(i)));
    Bytes up, down;
    up.reserve(kBatch * 2 * 1600 + 256);
    down.reserve(kBatch * 2 * 1600 + 256);
    LinkEvents client_events, modem_events;
    client_events.reserve(16);
    modem_events.reserve(16);

    std::uint64_t sent_checksum = 0;
    std::size_t sent_octets = 0;
    Delivered at_modem, at_client;

    const std::size_t before = testsupport::allocations();
    for (int i = 0; i < kPackets; i += kBatch) {
        up.clear();
        down.clear();
        for (int k = 0; k < kBatch; ++k) {  // several frames per write
            const Bytes& p = packets[static_cast<std::size_t>(i + k) % packets.size()];
            ASSERT_TRUE(pair.client.send_ip(proto::ip, p, up));
            for (std::uint8_t b : p) sent_checksum = sent_checksum * 31 + b;
            sent_octets += p.size();
        }
        const Delivered m = deliver(pair.modem, up, 61 + static_cast<std::size_t>(i % 7) * 512, pair.now, modem_events, &down);
        const Delivered c = deliver(pair.client, down, 4096, pair.now, client_events, nullptr);
        at_modem.packets += m.packets;
        at_modem.octets += m.octets;
        at_client.packets += c.packets;
        at_client.octets += c.octets;
        ASSERT_TRUE(client_events.empty() && modem_events.empty());
    }
    const std::size_t allocations = testsupport::allocations() - before;

    EXPECT_EQ(allocations, 0U);
    EXPECT_EQ(at_modem.packets, static_cast<std::size_t>(kPackets));
    EXPECT_EQ(at_client.packets, static_cast<std::size_t>(kPackets));
    EXPECT_EQ(at_modem.octets, sent_octets);
    EXPECT_EQ(at_client.octets, sent_octets);
    EXPECT_EQ(pair.client.link().stats().packets_out, static_cast<std::uint64_t>(kPackets));
    EXPECT_EQ(pair.modem.link().stats().packets_in, static_cast<std::uint64_t>(kPackets));
    EXPECT_EQ(pair.client.link().stats().packets_in, static_cast<std::uint64_t>(kPackets));
    EXPECT_EQ(pair.client.rx_stats().bad_fcs + pair.modem.rx_stats().bad_fcs, 0U);
}

// The same datagrams through the event path (receive_bytes + DeliverPacket, Link::send_ip +
// SendPacket) arrive identical: next_packet/send_ip only remove the copies.
TEST(LinkDataPath, SameDatagramsAsTheEventPath) {
    Pair a, b;
    ASSERT_TRUE(a.dial());
    ASSERT_TRUE(b.dial());
    for (std::uint32_t i = 0; i < 50; ++i) {
        const Bytes p = ipv4_packet(20 + i * 29, i);
        Bytes wire_a;
        ASSERT_TRUE(a.client.send_ip(proto::ip, p, wire_a));
        LinkEvents ev;
        ASSERT_TRUE(b.client.link().send_ip(proto::ip, p, ev));
        Bytes wire_b;
        b.client.encode_all(ev, wire_b);
        EXPECT_EQ(wire_a, wire_b);

        LinkEvents out_a, out_b;
        ByteView in = wire_a;
        auto got = a.modem.next_packet(in, a.now, out_a);
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(Bytes(got->packet.begin(), got->packet.end()), p);
        b.modem.receive_bytes(wire_b, b.now, out_b);
        ASSERT_EQ(out_b.size(), 1U);
        EXPECT_EQ(std::get<DeliverPacket>(out_b[0]).packet, p);
        EXPECT_TRUE(out_a.empty());
    }
    EXPECT_EQ(a.modem.link().stats().packets_in, b.modem.link().stats().packets_in);
    EXPECT_EQ(a.modem.link().stats().bytes_in, b.modem.link().stats().bytes_in);
    EXPECT_EQ(a.client.link().stats().bytes_out, b.client.link().stats().bytes_out);
}

}  // namespace
}  // namespace ec20ppp::link
