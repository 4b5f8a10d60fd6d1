// IPV6CP (RFC 5072 §4.1 Interface-Identifier): choosing ours, judging the peer's, Naks both
// ways, results, and pppd's "addr fe80::..." text.
#include <gtest/gtest.h>

#include "../ppp/fsm_test_util.hpp"
#include "ipcp/ipv6cp.hpp"

namespace ec20ppp::ipcp {
namespace {

using namespace ec20ppp::test;
using ppp::Code;
using ppp::FsmState;

// Interface identifiers are drawn as two 32-bit values, high half first.
constexpr std::uint64_t kOurId = 0x1122334455667788;
constexpr std::uint64_t kPeerId = 0x0a0b0c0d0e0f1011;

Bytes id_option(std::uint64_t id) {
    Bytes b = {0x01, 0x0a};
    append_be32(b, static_cast<std::uint32_t>(id >> 32));
    append_be32(b, static_cast<std::uint32_t>(id));
    return b;
}

struct V6 {
    explicit V6(Ipv6cpConfig c = {}, std::vector<std::uint32_t> script = {0x11223344, 0x55667788})
        : random(std::move(script)), handler(c, random.source()), fsm(handler) {}
    ScriptedRandom random;
    Ipv6cpHandler handler;
    ppp::OptionFsm fsm;
    Driver d{fsm};
    Bytes start() { return only_packet(d.open_and_up()); }
    Bytes reply_to(const Bytes& options) {
        return only_packet(d.input(packet(Code::configure_request, 0x30, options)));
    }
    void push_id(std::uint64_t id) {
        random.push(static_cast<std::uint32_t>(id >> 32));
        random.push(static_cast<std::uint32_t>(id));
    }
    std::string describe(const Bytes& p) const { return ppp::describe_control_packet(handler, p); }
};

TEST(Rfc5072_4_1, OurRequestCarriesARandomNonZeroIdentifier) {
    V6 v;
    Bytes req = v.start();
    EXPECT_EQ(req, packet(Code::configure_request, 1, id_option(kOurId)));
    EXPECT_EQ(v.describe(req), "IPV6CP ConfReq id=0x1 <addr fe80::1122:3344:5566:7788>");
}

TEST(Rfc5072_4_1, ZeroIsNeverChosen) {
    V6 v({}, {0, 0, 0, 7});
    EXPECT_EQ(v.start(), packet(Code::configure_request, 1, id_option(7)));
}

TEST(Rfc5072_4_1, ConfiguredIdentifierIsUsed) {
    Ipv6cpConfig c;
    c.interface_id = 0x0200000000000001;
    V6 v(c);
    EXPECT_EQ(v.start(), packet(Code::configure_request, 1, id_option(0x0200000000000001)));
    EXPECT_EQ(v.random.calls(), 0);
}

TEST(Rfc5072_4_1, DistinctPeerIdentifierIsAcked) {
    V6 v;
    Bytes req = v.start();
    EXPECT_EQ(v.reply_to(id_option(kPeerId)), packet(Code::configure_ack, 0x30, id_option(kPeerId)));
    EXPECT_EQ(trace(v.d.input(packet(Code::configure_ack, 1, id_option(kOurId)))), "tlu");
    EXPECT_EQ(v.handler.result().local_id, kOurId);
    EXPECT_EQ(v.handler.result().peer_id, kPeerId);
}

// "If the two Interface-Identifiers are different but the received one is zero, a Configure-Nak
// is sent with a non-zero value suggested ... different from the one of the last Configure-Request".
TEST(Rfc5072_4_1, ZeroPeerIdentifierIsNakdWithAFreshOne) {
    V6 v;
    v.start();
    v.push_id(kOurId);  // a suggestion equal to ours would not do: drawn again
    v.push_id(0x2222222233333333);
    EXPECT_EQ(v.reply_to(id_option(0)), packet(Code::configure_nak, 0x30, id_option(0x2222222233333333)));
}

// "If the two Interface-Identifiers are equal and are not zero, a Configure-Nak MUST be sent
// specifying a different non-zero Interface-Identifier value."
TEST(Rfc5072_4_1, PeerIdentifierEqualToOursIsNakdWithAFreshOne) {
    V6 v;
    v.start();
    v.push_id(0x4444444455555555);
    EXPECT_EQ(v.reply_to(id_option(kOurId)), packet(Code::configure_nak, 0x30, id_option(0x4444444455555555)));
}

TEST(Rfc5072_4_1, NakOfOursIsAdopted) {
    V6 v;
    v.start();
    EXPECT_EQ(only_packet(v.d.input(packet(Code::configure_nak, 1, id_option(0x0200000000000abc)))),
              packet(Code::configure_request, 2, id_option(0x0200000000000abc)));
    v.reply_to(id_option(kPeerId));
    v.d.input(packet(Code::configure_ack, 2, id_option(0x0200000000000abc)));
    ASSERT_EQ(v.fsm.state(), FsmState::opened);
    EXPECT_EQ(v.handler.result().local_id, 0x0200000000000abcu);
}

TEST(Rfc5072_4_1, NakSuggestingZeroMakesUsChooseAnew) {
    V6 v;
    v.start();
    v.push_id(0x6666666677777777);
    EXPECT_EQ(only_packet(v.d.input(packet(Code::configure_nak, 1, id_option(0)))),
              packet(Code::configure_request, 2, id_option(0x6666666677777777)));
}

// "if the received Interface-Identifier is equal to the one sent in the last Configure-Nak, a new
// Interface-Identifier MUST be chosen": that is our own suggestion coming back (a looped line).
TEST(Rfc5072_4_1, NakEchoingOurLastNakMakesUsChooseAnew) {
    V6 v;
    v.start();
    v.push_id(0x4444444455555555);
    ASSERT_EQ(v.reply_to(id_option(kOurId)), packet(Code::configure_nak, 0x30, id_option(0x4444444455555555)));
    v.push_id(0x8888888899999999);
    EXPECT_EQ(only_packet(v.d.input(packet(Code::configure_nak, 1, id_option(0x4444444455555555)))),
              packet(Code::configure_request, 2, id_option(0x8888888899999999)));
}

TEST(Rfc5072_4_1, RejectOfOursLeavesNoIdentifier) {
    V6 v;
    v.start();
    EXPECT_EQ(only_packet(v.d.input(packet(Code::configure_reject, 1, id_option(kOurId)))),
              packet(Code::configure_request, 2, {}));
    v.reply_to(id_option(kPeerId));
    v.d.input(packet(Code::configure_ack, 2, {}));
    ASSERT_EQ(v.fsm.state(), FsmState::opened);
    EXPECT_EQ(v.handler.result().local_id, 0u);
}

TEST(Rfc5072_4_1, MalformedIdentifierIsRejectedAndMalformedNakDropped) {
    V6 v;
    v.start();
    EXPECT_EQ(v.reply_to(hex("01 06 00 00 00 01")), packet(Code::configure_reject, 0x30, hex("01 06 00 00 00 01")));
    EXPECT_TRUE(sent(v.d.input(packet(Code::configure_nak, 1, hex("01 06 00 00 00 01")))).empty());
}

// RFC 5072 §4.2: IPv6-Compression-Protocol is not implemented, so it is rejected.
TEST(Rfc5072_4_2, CompressionIsRejected) {
    V6 v;
    v.start();
    EXPECT_EQ(v.reply_to(concat({id_option(kPeerId), hex("02 04 00 4f")})),
              packet(Code::configure_reject, 0x30, hex("02 04 00 4f")));
}

// RFC 5072 §4.1 note: a new negotiation draws a new tentative identifier.
TEST(Rfc5072_4_1, RenegotiationDrawsANewIdentifier) {
    V6 v;
    Bytes req = v.start();
    v.reply_to(id_option(kPeerId));
    v.d.input(packet(Code::configure_ack, 1, id_option(kOurId)));
    ASSERT_EQ(v.fsm.state(), FsmState::opened);
    v.push_id(0x0123456789abcdef);
    ppp::FsmOutputs out = v.d.input(packet(Code::configure_request, 0x31, id_option(kPeerId)));
    EXPECT_EQ(trace(out), "tld,scr,sca");
    EXPECT_EQ(sent(out)[0], packet(Code::configure_request, 2, id_option(0x0123456789abcdef)));
}

TEST(PppdText, Ipv6cpText) {
    EXPECT_EQ(link_local_text(kOurId), "fe80::1122:3344:5566:7788");
    EXPECT_EQ(link_local_text(0xfedcba9876543210), "fe80::fedc:ba98:7654:3210");
    // pppd zero-pads every group (its llv6_ntoa), so ours does too.
    EXPECT_EQ(link_local_text(0x0200000000000001), "fe80::0200:0000:0000:0001");
    V6 v;
    EXPECT_EQ(v.describe(packet(Code::configure_nak, 0x30, id_option(0xa1b2c3d4e5f61728))),
              "IPV6CP ConfNak id=0x30 <addr fe80::a1b2:c3d4:e5f6:1728>");
}

}  // namespace
}  // namespace ec20ppp::ipcp
