// LCP Configuration Options (RFC 1661 §6, RFC 1662 §7.1, RFC 1994 §3), both directions:
//  - the peer's options judged by us (Ack / Nak / Reject),
//  - our own options and what the peer's Nak / Reject do to our next request,
//  - the results both sides settle on.
#include <gtest/gtest.h>

#include "lcp_test_util.hpp"

namespace ec20ppp::lcp {
namespace {

using namespace test;
using ppp::Code;
using ppp::FsmState;

// Our request with defaults: <asyncmap 0x0> <magic 0xaee1219c> <pcomp> <accomp>, id 1.
const Bytes kDefaultRequest = hex("01 01 00 14 02 06 00 00 00 00 05 06 ae e1 21 9c 07 02 08 02");

// The reply to a peer ConfReq (id 0x50) with `options`, from a client in Req-Sent.
Bytes reply_to(Lcp& l, const Bytes& options) {
    return only_packet(l.d.input(packet(Code::configure_request, 0x50, options)));
}

// ============================== the peer's options (we judge) ==============================

// --- §6.1 Maximum-Receive-Unit ---------------------------------------------------------------

TEST(Rfc1661_6_1, PeerMruIsAckedAndBecomesPeerMru) {
    Lcp l;
    Bytes req = l.start();
    EXPECT_EQ(reply_to(l, hex("01 04 05 78")), packet(Code::configure_ack, 0x50, hex("01 04 05 78")));
    l.ack(req);
    EXPECT_EQ(l.fsm.state(), FsmState::opened);
    EXPECT_EQ(l.handler.result().peer_mru, 1400);
}

TEST(Rfc1661_6_1, PeerMruBelow128IsNakdTo128) {
    Lcp l;
    l.start();
    EXPECT_EQ(reply_to(l, hex("01 04 00 7f")), packet(Code::configure_nak, 0x50, hex("01 04 00 80")));
    EXPECT_EQ(reply_to(l, hex("01 04 00 00")), packet(Code::configure_nak, 0x50, hex("01 04 00 80")));
    EXPECT_EQ(reply_to(l, hex("01 04 00 80")), packet(Code::configure_ack, 0x50, hex("01 04 00 80")));
}

TEST(Rfc1661_6_1, PeerMruWithWrongLengthIsRejected) {
    Lcp l;
    l.start();
    EXPECT_EQ(reply_to(l, hex("01 03 05")), packet(Code::configure_reject, 0x50, hex("01 03 05")));
    EXPECT_EQ(reply_to(l, hex("01 05 05 dc 00")), packet(Code::configure_reject, 0x50, hex("01 05 05 dc 00")));
}

TEST(Rfc1661_6_1, PeerMruDefaultsTo1500WhenNotNegotiated) {
    Lcp l;
    l.open_with(hex("07 02"));
    EXPECT_EQ(l.handler.result().peer_mru, 1500);
    EXPECT_EQ(l.handler.result().our_mru, 1500);
}

// --- RFC 1662 §7.1 Async-Control-Character-Map -----------------------------------------------

TEST(Rfc1662_7_1, PeerAccmIsAckedAndBecomesTxAccm) {
    Lcp l;
    Bytes req = l.start();
    EXPECT_EQ(reply_to(l, hex("02 06 00 0a 00 00")), packet(Code::configure_ack, 0x50, hex("02 06 00 0a 00 00")));
    l.ack(req);
    EXPECT_EQ(l.handler.result().tx_accm, 0x000a0000u) << "we escape what the peer asked for";
    EXPECT_EQ(l.handler.result().rx_accm, 0u) << "our acked asyncmap 0";
}

TEST(Rfc1662_7_1, NoPeerAccmMeansEscapeEverything) {
    Lcp l;
    l.open_with(hex("07 02"));
    EXPECT_EQ(l.handler.result().tx_accm, 0xffffffffu);
}

TEST(Rfc1662_7_1, PeerAccmWithWrongLengthIsRejected) {
    Lcp l;
    l.start();
    EXPECT_EQ(reply_to(l, hex("02 05 00 00 00")), packet(Code::configure_reject, 0x50, hex("02 05 00 00 00")));
    EXPECT_EQ(reply_to(l, hex("02 07 00 00 00 00 00")),
              packet(Code::configure_reject, 0x50, hex("02 07 00 00 00 00 00")));
}

// --- §6.2 Authentication-Protocol (the peer asks us to authenticate) ---------------------------

TEST(Rfc1661_6_2, PeerAsksChapMd5AndWeAgree) {
    Lcp l;
    Bytes req = l.start();
    EXPECT_EQ(reply_to(l, hex("03 05 c2 23 05")), packet(Code::configure_ack, 0x50, hex("03 05 c2 23 05")));
    l.ack(req);
    EXPECT_EQ(l.handler.result().we_authenticate_with, AuthProtocol::chap_md5);
    EXPECT_EQ(l.handler.result().peer_authenticates_with, AuthProtocol::none);
}

TEST(Rfc1661_6_2, PeerAsksPapAndWeAgree) {
    Lcp l;
    Bytes req = l.start();
    EXPECT_EQ(reply_to(l, hex("03 04 c0 23")), packet(Code::configure_ack, 0x50, hex("03 04 c0 23")));
    l.ack(req);
    EXPECT_EQ(l.handler.result().we_authenticate_with, AuthProtocol::pap);
}

TEST(Rfc1661_6_2, UnsupportedChapAlgorithmsAreNakdWithChapMd5) {
    for (const char* opt : {"03 05 c2 23 80", "03 05 c2 23 81", "03 04 c2 27", "03 04 c0 25"}) {
        Lcp l;
        l.start();
        EXPECT_EQ(reply_to(l, hex(opt)), packet(Code::configure_nak, 0x50, hex("03 05 c2 23 05"))) << opt;
    }
}

TEST(Rfc1661_6_2, ChapRefusedIsNakdWithPap) {
    LcpConfig c;
    c.allow_chap = false;
    Lcp l(c);
    l.start();
    EXPECT_EQ(reply_to(l, hex("03 05 c2 23 05")), packet(Code::configure_nak, 0x50, hex("03 04 c0 23")));
    EXPECT_EQ(reply_to(l, hex("03 04 c0 23")), packet(Code::configure_ack, 0x50, hex("03 04 c0 23")));
}

TEST(Rfc1661_6_2, PapRefusedIsNakdWithChapMd5) {
    LcpConfig c;
    c.allow_pap = false;
    Lcp l(c);
    l.start();
    EXPECT_EQ(reply_to(l, hex("03 04 c0 23")), packet(Code::configure_nak, 0x50, hex("03 05 c2 23 05")));
}

TEST(Rfc1661_6_2, NoAuthenticationAllowedRejectsTheOption) {
    LcpConfig c;
    c.allow_chap = false;
    c.allow_pap = false;
    Lcp l(c);
    l.start();
    EXPECT_EQ(reply_to(l, hex("03 05 c2 23 05")), packet(Code::configure_reject, 0x50, hex("03 05 c2 23 05")));
    EXPECT_EQ(reply_to(l, hex("03 04 c0 23")), packet(Code::configure_reject, 0x50, hex("03 04 c0 23")));
}

// RFC 1661 §6.2: Length is at least 4. An option too short to name a protocol is not a
// recognisable option: reject it (as pppd does), do not Nak it.
TEST(Rfc1661_6_2, AuthenticationOptionTooShortIsRejected) {
    for (const char* opt : {"03 02", "03 03 c2"}) {
        Lcp l;
        l.start();
        EXPECT_EQ(reply_to(l, hex(opt)), packet(Code::configure_reject, 0x50, hex(opt))) << opt;
    }
}

// --- §6.4 Magic-Number ----------------------------------------------------------------------

TEST(Rfc1661_6_4, PeerMagicIsAckedAndRecorded) {
    Lcp l;
    Bytes req = l.start();
    EXPECT_EQ(reply_to(l, hex("05 06 c6 3d cf 81")), packet(Code::configure_ack, 0x50, hex("05 06 c6 3d cf 81")));
    l.ack(req);
    EXPECT_EQ(l.handler.result().peer_magic, kEc20Magic);
    EXPECT_EQ(l.handler.result().our_magic, kOurMagic);
}

TEST(Rfc1661_6_4, OurOwnMagicIsNakdWithADifferentOne) {
    Lcp l;
    l.start();
    l.random.push(0x12345678);
    EXPECT_EQ(reply_to(l, hex("05 06 ae e1 21 9c")), packet(Code::configure_nak, 0x50, hex("05 06 12 34 56 78")));
    EXPECT_FALSE(l.handler.looped_back());
}

TEST(Rfc1661_6_4, NakdMagicNeverRepeatsTheRejectedValue) {
    Lcp l;
    l.start();
    l.random.push(kOurMagic);  // the random source happens to produce the same value again
    l.random.push(0x0badcafe);
    EXPECT_EQ(reply_to(l, hex("05 06 ae e1 21 9c")), packet(Code::configure_nak, 0x50, hex("05 06 0b ad ca fe")));
}

// "A Magic-Number of zero is illegal and MUST always be Nak'd, if it is not Rejected outright."
TEST(Rfc1661_6_4, ZeroMagicIsNakd) {
    Lcp l;
    l.start();
    l.random.push(0);  // zero is never offered either
    l.random.push(0x01020304);
    EXPECT_EQ(reply_to(l, hex("05 06 00 00 00 00")), packet(Code::configure_nak, 0x50, hex("05 06 01 02 03 04")));
}

TEST(Rfc1661_6_4, MagicWithWrongLengthIsRejected) {
    Lcp l;
    l.start();
    EXPECT_EQ(reply_to(l, hex("05 05 00 00 01")), packet(Code::configure_reject, 0x50, hex("05 05 00 00 01")));
}

TEST(Rfc1661_6_4, LoopedBackAfterTenRequestsWithOurMagic) {
    EXPECT_EQ(LcpConfig{}.loopback_limit, 10);
    Lcp l;
    Bytes req = l.start();
    for (int i = 1; i <= 10; ++i) {
        Bytes reply = reply_to(l, hex("05 06 ae e1 21 9c"));
        // RFC 1661 §6.4 requires a Nak for our own magic, also after Max-Failure (pppd too).
        EXPECT_EQ(reply[0], 3) << "request " << i;
        EXPECT_EQ(l.handler.looped_back(), i >= 10) << "after request " << i;
    }
}

TEST(Rfc1661_6_4, ADifferentPeerMagicResetsTheLoopbackCount) {
    Lcp l;
    l.start();
    for (int i = 0; i < 9; ++i) reply_to(l, hex("05 06 ae e1 21 9c"));
    reply_to(l, hex("05 06 c6 3d cf 81"));
    reply_to(l, hex("05 06 ae e1 21 9c"));
    EXPECT_FALSE(l.handler.looped_back());
}

// A looped-back line end to end: everything we send comes straight back to us. Our own requests
// then carry our magic; the link controller gives up (pppd exit 17) once looped_back() holds.
TEST(Rfc1661_6_4, LoopedBackLineIsDetected) {
    Lcp l;
    std::vector<Bytes> wire = sent(l.d.open_and_up());
    int steps = 0;
    while (!wire.empty() && !l.handler.looped_back() && steps < 200) {
        Bytes p = wire.front();
        wire.erase(wire.begin());
        for (auto& s : sent(l.d.input(p))) wire.push_back(s);
        ++steps;
    }
    EXPECT_TRUE(l.handler.looped_back()) << "after " << steps << " packets, LCP is " << to_string(l.fsm.state());
    EXPECT_NE(l.fsm.state(), FsmState::opened) << "LCP must not open with itself";
}

// --- §6.5/§6.6 Protocol- and Address-and-Control-Field-Compression ------------------------------

TEST(Rfc1661_6_5, PfcAndAcfcAreAckedAndAllowCompressedFramesToThePeer) {
    Lcp l;
    Bytes req = l.start();
    EXPECT_EQ(reply_to(l, hex("07 02 08 02")), packet(Code::configure_ack, 0x50, hex("07 02 08 02")));
    l.ack(req);
    EXPECT_TRUE(l.handler.result().tx_pfc);
    EXPECT_TRUE(l.handler.result().tx_acfc);
    EXPECT_TRUE(l.handler.result().rx_pfc);
    EXPECT_TRUE(l.handler.result().rx_acfc);
}

TEST(Rfc1661_6_5, WithoutPeerPfcAcfcWeSendFullFrames) {
    Lcp l;
    l.open_with(hex("05 06 c6 3d cf 81"));
    EXPECT_FALSE(l.handler.result().tx_pfc);
    EXPECT_FALSE(l.handler.result().tx_acfc);
}

TEST(Rfc1661_6_5, PfcAcfcWithAValueAreRejected) {
    Lcp l;
    l.start();
    EXPECT_EQ(reply_to(l, hex("07 03 00")), packet(Code::configure_reject, 0x50, hex("07 03 00")));
    EXPECT_EQ(reply_to(l, hex("08 03 00")), packet(Code::configure_reject, 0x50, hex("08 03 00")));
}

// --- unknown and malformed options -----------------------------------------------------------

TEST(Rfc1661_6, UnknownOptionsAreRejectedVerbatim) {
    Lcp l;
    l.start();
    // Quality-Protocol (LQR), Callback (13), Multilink MRRU (17), a vendor option (0).
    EXPECT_EQ(reply_to(l, hex("02 06 00 00 00 00 04 08 c0 25 00 00 27 10 0d 03 06 11 04 05 dc 00 04 00 00")),
              packet(Code::configure_reject, 0x50, hex("04 08 c0 25 00 00 27 10 0d 03 06 11 04 05 dc 00 04 00 00")));
}

TEST(Rfc1661_6, MalformedOptionListIsRejectedFromTheBadOption) {
    Lcp l;
    l.start();
    EXPECT_EQ(reply_to(l, hex("07 02 05 01 08 02")), packet(Code::configure_reject, 0x50, hex("05 01 08 02")));
    EXPECT_EQ(reply_to(l, hex("07 02 02 08 00 00 00 00")),
              packet(Code::configure_reject, 0x50, hex("02 08 00 00 00 00")));
}

// ============================== our options (the peer judges) ==============================

TEST(Rfc1661_6, OurDefaultRequestIsPppds) {
    Lcp l;
    EXPECT_EQ(l.start(), kDefaultRequest);
}

TEST(Rfc1661_6, OurRequestFollowsTheConfigInPppdsOrder) {
    LcpConfig c;
    c.mru = 1400;
    c.accm = 0x000a0000;
    c.require_auth = AuthProtocol::chap_md5;
    Lcp l(c);
    EXPECT_EQ(l.start(), packet(Code::configure_request, 1,
                                hex("01 04 05 78 02 06 00 0a 00 00 03 05 c2 23 05 05 06 ae e1 21 9c 07 02 08 02")));
    c.require_auth = AuthProtocol::pap;
    c.mru.reset();
    c.accm.reset();
    c.pfc = false;
    c.acfc = false;
    c.magic = false;
    Lcp p(c);
    EXPECT_EQ(p.start(), packet(Code::configure_request, 1, hex("03 04 c0 23")));
}

TEST(Rfc1661_6_1, NakOfOurMruAdoptsTheSuggestion) {
    LcpConfig c;
    c.mru = 1500;
    Lcp l(c);
    l.start();
    EXPECT_EQ(only_packet(l.d.input(packet(Code::configure_nak, 1, hex("01 04 04 00")))),
              packet(Code::configure_request, 2, hex("01 04 04 00 02 06 00 00 00 00 05 06 ae e1 21 9c 07 02 08 02")));
}

TEST(Rfc1661_6_1, NakOfOurMruBelow128IsIgnored) {
    LcpConfig c;
    c.mru = 1500;
    Lcp l(c);
    l.start();
    Bytes next = only_packet(l.d.input(packet(Code::configure_nak, 1, hex("01 04 00 40"))));
    EXPECT_EQ(Bytes(next.begin() + 4, next.begin() + 8), hex("01 04 05 dc"));
}

TEST(Rfc1661_6_1, NakWithMalformedMruIsDropped) {
    LcpConfig c;
    c.mru = 1500;
    Lcp l(c);
    l.start();
    EXPECT_TRUE(sent(l.d.input(packet(Code::configure_nak, 1, hex("01 03 05")))).empty());
    EXPECT_TRUE(sent(l.d.input(packet(Code::configure_nak, 1, hex("01 05 05 dc 00")))).empty());
}

TEST(Rfc1661_6_1, MruHintForAnOptionWeDidNotSendIsIgnored) {
    Lcp l;
    l.start();
    EXPECT_EQ(only_packet(l.d.input(packet(Code::configure_nak, 1, hex("01 04 05 dc")))),
              packet(Code::configure_request, 2, hex("02 06 00 00 00 00 05 06 ae e1 21 9c 07 02 08 02")));
}

TEST(Rfc1661_6_1, OurAckedMruIsOurMru) {
    LcpConfig c;
    c.mru = 1400;
    Lcp l(c);
    Bytes req = l.start();
    l.d.input(packet(Code::configure_request, 0, {}));
    l.ack(req);
    EXPECT_EQ(l.handler.result().our_mru, 1400);
}

// RFC 1662 §7.1: the Nak'd map is merged with ours (pppd: asyncmap | nak'd value).
TEST(Rfc1662_7_1, NakOfOurAccmTakesTheUnion) {
    LcpConfig c;
    c.accm = 0x00000001;
    Lcp l(c);
    l.start();
    Bytes next = only_packet(l.d.input(packet(Code::configure_nak, 1, hex("02 06 00 02 00 00"))));
    EXPECT_EQ(next, packet(Code::configure_request, 2, hex("02 06 00 02 00 01 05 06 ae e1 21 9c 07 02 08 02")));
    l.ack(next);
    l.d.input(packet(Code::configure_request, 0, {}));
    EXPECT_EQ(l.fsm.state(), FsmState::opened);
    EXPECT_EQ(l.handler.result().rx_accm, 0x00020001u);
}

TEST(Rfc1662_7_1, RejectOfOurAccmLeavesTheDefaultMap) {
    Lcp l;
    l.start();
    Bytes next = only_packet(l.d.input(packet(Code::configure_reject, 1, hex("02 06 00 00 00 00"))));
    EXPECT_EQ(next, packet(Code::configure_request, 2, hex("05 06 ae e1 21 9c 07 02 08 02")));
    l.ack(next);
    l.d.input(packet(Code::configure_request, 0, {}));
    EXPECT_EQ(l.handler.result().rx_accm, 0xffffffffu);
}

TEST(Rfc1661_6_4, NakOfOurMagicChoosesANewOne) {
    Lcp l;
    l.start();
    l.random.push(0x5a5a5a5a);
    Bytes next = only_packet(l.d.input(packet(Code::configure_nak, 1, hex("05 06 12 34 56 78"))));
    EXPECT_EQ(next, packet(Code::configure_request, 2, hex("02 06 00 00 00 00 05 06 5a 5a 5a 5a 07 02 08 02")));
    l.ack(next);
    l.d.input(packet(Code::configure_request, 0, {}));
    EXPECT_EQ(l.handler.result().our_magic, 0x5a5a5a5au);
}

TEST(Rfc1661_6_4, RejectOfOurMagicMeansMagicZero) {
    Lcp l;
    l.start();
    Bytes next = only_packet(l.d.input(packet(Code::configure_reject, 1, hex("05 06 ae e1 21 9c"))));
    EXPECT_EQ(next, packet(Code::configure_request, 2, hex("02 06 00 00 00 00 07 02 08 02")));
    l.ack(next);
    l.d.input(packet(Code::configure_request, 0, {}));
    EXPECT_EQ(l.handler.result().our_magic, 0u);
}

TEST(Rfc1661_6_5, NakOrRejectOfPfcAcfcStopsAskingForThem) {
    Lcp l;
    l.start();
    Bytes next = only_packet(l.d.input(packet(Code::configure_nak, 1, hex("07 02"))));
    EXPECT_EQ(next, packet(Code::configure_request, 2, hex("02 06 00 00 00 00 05 06 ae e1 21 9c 08 02")));
    next = only_packet(l.d.input(packet(Code::configure_reject, 2, hex("08 02"))));
    EXPECT_EQ(next, packet(Code::configure_request, 3, hex("02 06 00 00 00 00 05 06 ae e1 21 9c")));
    l.ack(next);
    l.d.input(packet(Code::configure_request, 0, hex("07 02 08 02")));
    EXPECT_FALSE(l.handler.result().rx_pfc);
    EXPECT_FALSE(l.handler.result().rx_acfc);
    EXPECT_TRUE(l.handler.result().tx_pfc);
    EXPECT_TRUE(l.handler.result().tx_acfc);
}

TEST(Rfc1661_6, RejectOfAnOptionWeDidNotSendIsDropped) {
    Lcp l;
    l.start();
    EXPECT_TRUE(sent(l.d.input(packet(Code::configure_reject, 1, hex("01 04 05 dc")))).empty());
    EXPECT_TRUE(sent(l.d.input(packet(Code::configure_reject, 1, hex("03 05 c2 23 05")))).empty());
    EXPECT_EQ(l.fsm.state(), FsmState::req_sent);
}

TEST(Rfc1661_6, NakHintsForOptionsWeDoNotNegotiateAreIgnored) {
    Lcp l;
    l.start();
    EXPECT_EQ(only_packet(l.d.input(packet(Code::configure_nak, 1, hex("0d 03 06 03 05 c2 23 05")))),
              packet(Code::configure_request, 2, hex("02 06 00 00 00 00 05 06 ae e1 21 9c 07 02 08 02")));
}

// --- §6.2 our Authentication-Protocol (network side) --------------------------------------------

TEST(Rfc1661_6_2, PeerAgreesToAuthenticateWithChap) {
    LcpConfig c;
    c.require_auth = AuthProtocol::chap_md5;
    Lcp l(c);
    Bytes req = l.start();
    l.ack(req);
    l.d.input(packet(Code::configure_request, 0, {}));
    EXPECT_EQ(l.fsm.state(), FsmState::opened);
    EXPECT_EQ(l.handler.result().peer_authenticates_with, AuthProtocol::chap_md5);
    EXPECT_EQ(l.handler.result().we_authenticate_with, AuthProtocol::none);
}

TEST(Rfc1661_6_2, NakOfOurAuthenticationKeepsInsisting) {
    LcpConfig c;
    c.require_auth = AuthProtocol::chap_md5;
    c.accm.reset();
    c.magic = false;
    c.pfc = c.acfc = false;
    Lcp l(c);
    l.start();
    EXPECT_EQ(only_packet(l.d.input(packet(Code::configure_nak, 1, hex("03 04 c0 23")))),
              packet(Code::configure_request, 2, hex("03 05 c2 23 05")));
}

TEST(Rfc1661_6_2, RejectOfOurAuthenticationDropsIt) {
    LcpConfig c;
    c.require_auth = AuthProtocol::pap;
    Lcp l(c);
    l.start();
    Bytes next = only_packet(l.d.input(packet(Code::configure_reject, 1, hex("03 04 c0 23"))));
    EXPECT_EQ(next, packet(Code::configure_request, 2, hex("02 06 00 00 00 00 05 06 ae e1 21 9c 07 02 08 02")));
    l.ack(next);
    l.d.input(packet(Code::configure_request, 0, {}));
    EXPECT_EQ(l.handler.result().peer_authenticates_with, AuthProtocol::none);
}

// A renegotiation starts from the configuration again (reset at scr from Opened).
TEST(Rfc1661_6, RenegotiationStartsFromTheConfiguredOptions) {
    Lcp l;
    l.start();
    Bytes second = only_packet(l.d.input(packet(Code::configure_reject, 1, hex("07 02"))));  // no pcomp
    EXPECT_EQ(second, packet(Code::configure_request, 2, hex("02 06 00 00 00 00 05 06 ae e1 21 9c 08 02")));
    l.d.input(packet(Code::configure_request, 0, ec20_options()));
    l.ack(second);
    ASSERT_EQ(l.fsm.state(), FsmState::opened);
    l.random.push(0x77777777);
    ppp::FsmOutputs out = l.d.input(packet(Code::configure_request, 9, ec20_options()));
    EXPECT_EQ(trace(out), "tld,scr,sca");
    EXPECT_EQ(sent(out)[0],
              packet(Code::configure_request, 3, hex("02 06 00 00 00 00 05 06 77 77 77 77 07 02 08 02")));
}

TEST(Lcp, AuthProtocolNames) {
    EXPECT_EQ(to_string(AuthProtocol::none), "none");
    EXPECT_EQ(to_string(AuthProtocol::pap), "PAP");
    EXPECT_EQ(to_string(AuthProtocol::chap_md5), "CHAP-MD5");
}

}  // namespace
}  // namespace ec20ppp::lcp
