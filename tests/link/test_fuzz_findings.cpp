// Regression tests for what fuzzing the link controller found (fuzz/link_control.cpp; the
// reproducers are in fuzz/regressions/link_control/).
#include <gtest/gtest.h>

#include <string>

#include "hdlc/framer.hpp"
#include "link/presets.hpp"

using namespace ec20ppp;

namespace {

Bytes hex(std::string_view h) {
    std::string compact;
    for (char c : h)
        if (c != ' ') compact += c;
    Bytes b;
    EXPECT_TRUE(from_hex(compact, b)) << h;
    return b;
}

RandomSource fixed_random() {
    return [](std::span<std::uint8_t> out) {
        for (auto& b : out) b = 0x5a;
    };
}

// A client brought to IPv4-up by the real EC20's packets (no authentication asked, so only the
// LCP and IPCP packets of the golden exchange).
struct RunningClient {
    link::Link client{link::client_config("user", "passwd"), fixed_random()};
    link::LinkEvents out;
    TimePoint t{};

    RunningClient() {
        client.lower_up(t, out);
        client.receive(proto::lcp, hex("01 00 00 14 02 06 00000000 05 06 c63dcf81 07 02 08 02"), t, out);
        client.receive(proto::lcp, hex("02 01 00 14 02 06 00000000 05 06 5a5a5a5a 07 02 08 02"), t, out);
        client.receive(proto::ipcp, hex("01 00 00 04"), t, out);
        client.receive(proto::ipcp, hex("03 01 00 16 03 06 0a120ed8 81 06 dd060442 83 06 3af03921"), t, out);
        client.receive(proto::ipcp, hex("01 01 00 04"), t, out);
        client.receive(proto::ipcp, hex("02 02 00 16 03 06 0a120ed8 81 06 dd060442 83 06 3af03921"), t, out);
        out.clear();
    }
};

}  // namespace

// fuzz/regressions/link_control/empty-ip-datagram-compressed: an empty datagram was framed as
// 7e 21 <FCS> 7e with ACFC and PFC, 3 octets that every receiver discards as too short
// (RFC 1662 §4.3). It is no IP packet: the link refuses it and sends nothing.
TEST(Rfc1662_4_3, EmptyIpDatagramIsNotSent) {
    RunningClient c;
    ASSERT_EQ(c.client.ipcp_state(), ppp::FsmState::opened);
    ASSERT_TRUE(c.client.lcp_result().tx_acfc && c.client.lcp_result().tx_pfc);
    EXPECT_FALSE(c.client.send_ip(proto::ip, {}, c.out));
    EXPECT_TRUE(c.out.empty());
    // A one-octet datagram still goes out, and its frame is long enough to be received.
    const std::uint8_t one[] = {0x45};
    ASSERT_TRUE(c.client.send_ip(proto::ip, one, c.out));
    ASSERT_EQ(c.out.size(), 1u);
    const auto& packet = std::get<SendPacket>(c.out[0]);
    Bytes wire;
    hdlc::TxConfig tx;
    tx.acfc = tx.pfc = true;
    hdlc::encode_frame(tx, packet.protocol, packet.packet, wire);
    hdlc::Deframer deframer;
    ByteView in(wire);
    auto frame = deframer.next_frame(in);
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->protocol, proto::ip);
}
