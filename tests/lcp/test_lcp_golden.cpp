// GOLDEN: the LCP exchange of a real EC20 dial with pppd, byte for byte and line for line.
//
//   sent [LCP ConfReq id=0x1 <asyncmap 0x0> <magic 0xaee1219c> <pcomp> <accomp>]
//   rcvd [LCP ConfReq id=0x0 <asyncmap 0x0> <auth chap MD5> <magic 0xc63dcf81> <pcomp> <accomp>]
//   sent [LCP ConfAck id=0x0 <asyncmap 0x0> <auth chap MD5> <magic 0xc63dcf81> <pcomp> <accomp>]
//   rcvd [LCP ConfAck id=0x1 <asyncmap 0x0> <magic 0xaee1219c> <pcomp> <accomp>]
//
// plus describe_option() for every option pppd names.
#include <gtest/gtest.h>

#include "lcp_test_util.hpp"

namespace ec20ppp::lcp {
namespace {

using namespace test;
using ppp::Code;
using ppp::FsmState;

const Bytes kOurConfReq = hex("01 01 00 14 02 06 00 00 00 00 05 06 ae e1 21 9c 07 02 08 02");
const Bytes kEc20ConfReq =
    hex("01 00 00 19 02 06 00 00 00 00 03 05 c2 23 05 05 06 c6 3d cf 81 07 02 08 02");
const Bytes kOurConfAck =
    hex("02 00 00 19 02 06 00 00 00 00 03 05 c2 23 05 05 06 c6 3d cf 81 07 02 08 02");
const Bytes kEc20ConfAck = hex("02 01 00 14 02 06 00 00 00 00 05 06 ae e1 21 9c 07 02 08 02");

TEST(GoldenEc20, LcpNegotiation) {
    Lcp l;  // LcpConfig defaults: the client side

    ppp::FsmOutputs out = l.d.open_and_up();
    EXPECT_EQ(trace(out), "tls,scr");
    EXPECT_EQ(only_packet(out), kOurConfReq);
    EXPECT_EQ(l.describe(kOurConfReq), "LCP ConfReq id=0x1 <asyncmap 0x0> <magic 0xaee1219c> <pcomp> <accomp>");

    EXPECT_EQ(l.describe(kEc20ConfReq),
              "LCP ConfReq id=0x0 <asyncmap 0x0> <auth chap MD5> <magic 0xc63dcf81> <pcomp> <accomp>");
    out = l.d.input(kEc20ConfReq);
    EXPECT_EQ(trace(out), "sca");
    EXPECT_EQ(only_packet(out), kOurConfAck) << "the Ack echoes the EC20's options exactly";
    EXPECT_EQ(l.describe(kOurConfAck),
              "LCP ConfAck id=0x0 <asyncmap 0x0> <auth chap MD5> <magic 0xc63dcf81> <pcomp> <accomp>");
    EXPECT_EQ(l.fsm.state(), FsmState::ack_sent);

    EXPECT_EQ(l.describe(kEc20ConfAck), "LCP ConfAck id=0x1 <asyncmap 0x0> <magic 0xaee1219c> <pcomp> <accomp>");
    out = l.d.input(kEc20ConfAck);
    EXPECT_EQ(trace(out), "tlu");
    EXPECT_EQ(l.fsm.state(), FsmState::opened);
    EXPECT_FALSE(l.fsm.next_timeout());

    const LcpResult& r = l.handler.result();
    EXPECT_EQ(r.tx_accm, 0u);
    EXPECT_EQ(r.rx_accm, 0u);
    EXPECT_TRUE(r.tx_pfc);
    EXPECT_TRUE(r.tx_acfc);
    EXPECT_TRUE(r.rx_pfc);
    EXPECT_TRUE(r.rx_acfc);
    EXPECT_EQ(r.peer_mru, 1500);
    EXPECT_EQ(r.our_mru, 1500);
    EXPECT_EQ(r.our_magic, kOurMagic);
    EXPECT_EQ(r.peer_magic, kEc20Magic);
    EXPECT_EQ(r.we_authenticate_with, AuthProtocol::chap_md5);
    EXPECT_EQ(r.peer_authenticates_with, AuthProtocol::none);
    EXPECT_FALSE(l.handler.looped_back());
}

// The same exchange when the EC20's request arrives before our first request was answered and
// the Ack comes first (the other order pppd logs on some dials).
TEST(GoldenEc20, LcpNegotiationAckFirst) {
    Lcp l;
    EXPECT_EQ(l.start(), kOurConfReq);
    EXPECT_EQ(trace(l.d.input(kEc20ConfAck)), "");
    EXPECT_EQ(l.fsm.state(), FsmState::ack_rcvd);
    ppp::FsmOutputs out = l.d.input(kEc20ConfReq);
    EXPECT_EQ(trace(out), "sca,tlu");
    EXPECT_EQ(only_packet(out), kOurConfAck);
}

TEST(GoldenEc20, EchoLines) {
    Lcp l;
    l.start();
    l.d.input(kEc20ConfReq);
    l.d.input(kEc20ConfAck);
    const Bytes echo_req = build_echo_request(0x00, kOurMagic);
    EXPECT_EQ(l.describe(echo_req), "LCP EchoReq id=0x0 magic=0xaee1219c");
    ppp::FsmOutputs out = l.d.input(hex("09 03 00 08 c6 3d cf 81"));
    EXPECT_EQ(l.describe(only_packet(out)), "LCP EchoRep id=0x3 magic=0xaee1219c");
    EXPECT_EQ(l.describe(hex("0a 00 00 0a c6 3d cf 81 01 02")), "LCP EchoRep id=0x0 magic=0xc63dcf81 01 02");
    EXPECT_EQ(l.describe(hex("0b 04 00 08 c6 3d cf 81")), "LCP DiscReq id=0x4 magic=0xc63dcf81");
    EXPECT_EQ(l.describe(hex("05 02 00 10 55 73 65 72 20 72 65 71 75 65 73 74")), "LCP TermReq id=0x2 \"User request\"");
    EXPECT_EQ(l.describe(hex("08 05 00 0a 80 57 01 01 00 04")), "LCP ProtRej id=0x5 80 57 01 01 00 04");
    EXPECT_EQ(l.describe(hex("0c 06 00 0b c6 3d cf 81 45 43 32")), "LCP Ident id=0x6 magic=0xc63dcf81 \"EC2\"");
}

std::string describe_option(const Bytes& option) {
    LcpHandler h(LcpConfig{}, ScriptedRandom().source());
    ppp::OptionReader r(option);
    auto o = r.next();
    EXPECT_TRUE(o);
    return o ? h.describe_option(*o) : "";
}

TEST(PppdText, LcpOptionNames) {
    EXPECT_EQ(describe_option(hex("01 04 05 dc")), "mru 1500");
    EXPECT_EQ(describe_option(hex("01 04 00 80")), "mru 128");
    EXPECT_EQ(describe_option(hex("02 06 00 00 00 00")), "asyncmap 0x0");
    EXPECT_EQ(describe_option(hex("02 06 00 0a 00 00")), "asyncmap 0xa0000");
    EXPECT_EQ(describe_option(hex("02 06 ff ff ff ff")), "asyncmap 0xffffffff");
    EXPECT_EQ(describe_option(hex("03 05 c2 23 05")), "auth chap MD5");
    EXPECT_EQ(describe_option(hex("03 05 c2 23 80")), "auth chap MS");
    EXPECT_EQ(describe_option(hex("03 05 c2 23 81")), "auth chap MS-v2");
    EXPECT_EQ(describe_option(hex("03 04 c0 23")), "auth pap");
    EXPECT_EQ(describe_option(hex("03 04 c2 27")), "auth eap");
    EXPECT_EQ(describe_option(hex("05 06 c6 3d cf 81")), "magic 0xc63dcf81");
    EXPECT_EQ(describe_option(hex("05 06 00 00 00 01")), "magic 0x1");
    EXPECT_EQ(describe_option(hex("07 02")), "pcomp");
    EXPECT_EQ(describe_option(hex("08 02")), "accomp");
}

}  // namespace
}  // namespace ec20ppp::lcp
