// LCP-only codes (RFC 1661 §5.7 Protocol-Reject, §5.8 Echo-Request/Reply, §5.9 Discard-Request,
// RFC 1570 Identification/Time-Remaining), the RXR column of the §4.1 table with the real
// LcpHandler in every state, and Code-Reject of unknown codes.
#include <gtest/gtest.h>

#include <map>

#include "lcp_test_util.hpp"

namespace ec20ppp::lcp {
namespace {

using namespace test;
using ppp::Code;
using ppp::FsmState;

// Drives a client LCP into `s` along fixed paths (compare tests/ppp/test_fsm_state_table.cpp).
void drive_to(Lcp& l, FsmState s) {
    auto close = [&] {
        ppp::FsmOutputs out;
        l.fsm.close("test", l.d.now, out);
    };
    auto open = [&] {
        ppp::FsmOutputs out;
        l.fsm.open(l.d.now, out);
    };
    switch (s) {
        case FsmState::initial: return;
        case FsmState::starting: open(); return;
        default: break;
    }
    Bytes req = l.start();
    switch (s) {
        case FsmState::closed:
            close();
            l.d.input(packet(Code::terminate_ack, 0, {}));
            break;
        case FsmState::stopped:
            while (l.fsm.state() == FsmState::req_sent) l.d.timeout();
            break;
        case FsmState::closing: close(); break;
        case FsmState::stopping:
            close();
            open();
            break;
        case FsmState::req_sent: break;
        case FsmState::ack_rcvd: l.ack(req); break;
        case FsmState::ack_sent: l.d.input(packet(Code::configure_request, 0, ec20_options())); break;
        case FsmState::opened:
            l.d.input(packet(Code::configure_request, 0, ec20_options()));
            l.ack(req);
            break;
        default: break;
    }
}

const FsmState kStates[] = {FsmState::initial,  FsmState::starting, FsmState::closed,   FsmState::stopped,
                            FsmState::closing,  FsmState::stopping, FsmState::req_sent, FsmState::ack_rcvd,
                            FsmState::ack_sent, FsmState::opened};

// RFC 1661 §4.1 RXR: "ser/9" in Opened; no action in states 2-8; impossible ("-") in 0-1.
TEST(Rfc1661_4_1, RxrColumnWithLcp) {
    for (FsmState s : kStates) {
        Lcp l;
        drive_to(l, s);
        ASSERT_EQ(l.fsm.state(), s);
        const FsmState before = l.fsm.state();
        const bool opened = s == FsmState::opened;

        ppp::FsmOutputs out = l.d.input(hex("09 21 00 0a c6 3d cf 81 68 69"));  // Echo-Request
        EXPECT_EQ(trace(out), opened ? "ser" : "") << to_string(s);
        if (opened) {
            EXPECT_EQ(only_packet(out), hex("0a 21 00 0a ae e1 21 9c 68 69"));
        }

        out = l.d.input(hex("0a 22 00 08 c6 3d cf 81"));  // Echo-Reply
        EXPECT_EQ(trace(out), opened ? "echo-reply(id=0x22 magic=0xc63dcf81)" : "") << to_string(s);

        out = l.d.input(hex("0b 23 00 0a c6 3d cf 81 00 00"));  // Discard-Request
        EXPECT_EQ(trace(out), "") << to_string(s);

        EXPECT_EQ(l.fsm.state(), before) << "RXR never changes state";
    }
}

// §5.7: Protocol-Reject is acted on only in Opened, elsewhere silently discarded.
TEST(Rfc1661_5_7, ProtocolRejectOnlyInOpened) {
    for (FsmState s : kStates) {
        Lcp l;
        drive_to(l, s);
        ppp::FsmOutputs out = l.d.input(hex("08 05 00 0a 80 57 01 01 00 04"));
        EXPECT_EQ(trace(out), s == FsmState::opened ? "protocol-reject(0x8057)" : "") << to_string(s);
        EXPECT_EQ(l.fsm.state(), s);
    }
}

TEST(Rfc1661_5_7, ShortProtocolRejectIsIgnored) {
    Lcp l;
    drive_to(l, FsmState::opened);
    EXPECT_EQ(trace(l.d.input(hex("08 05 00 05 80"))), "");
}

// §5.8: the reply copies the Identifier and the data after the magic; the magic is ours.
TEST(Rfc1661_5_8, EchoRequestIsAnsweredWithOurMagic) {
    Lcp l;
    drive_to(l, FsmState::opened);
    EXPECT_EQ(only_packet(l.d.input(hex("09 7f 00 08 c6 3d cf 81"))), hex("0a 7f 00 08 ae e1 21 9c"));
}

// With Magic-Number not negotiated, ours is transmitted as zero (RFC 1661 §5.8).
TEST(Rfc1661_5_8, EchoReplyCarriesZeroWithoutNegotiatedMagic) {
    LcpConfig c;
    c.magic = false;
    Lcp l(c);
    Bytes req = l.start();
    l.d.input(packet(Code::configure_request, 0, {}));
    l.ack(req);
    ASSERT_EQ(l.fsm.state(), FsmState::opened);
    EXPECT_EQ(only_packet(l.d.input(hex("09 01 00 08 00 00 00 00"))), hex("0a 01 00 08 00 00 00 00"));
}

TEST(Rfc1661_5_8, EchoRequestWithOurOwnMagicIsAnsweredButFlagged) {
    Lcp l;
    drive_to(l, FsmState::opened);
    ppp::FsmOutputs out = l.d.input(hex("09 01 00 08 ae e1 21 9c"));
    EXPECT_EQ(trace(out), "ser");
    ASSERT_EQ(log_lines(out).size(), 1u);
    EXPECT_EQ(log_lines(out)[0], "LCP: received our own Echo-Request: the line may be looped back");
}

TEST(Rfc1661_5_8, EchoReplyWithOurOwnMagicIsNotAReply) {
    Lcp l;
    drive_to(l, FsmState::opened);
    ppp::FsmOutputs out = l.d.input(hex("0a 01 00 08 ae e1 21 9c"));
    EXPECT_TRUE(events_of<ppp::EchoReplyReceived>(out).empty());
    ASSERT_EQ(log_lines(out).size(), 1u);
    EXPECT_EQ(log_lines(out)[0], "LCP: received our own Echo-Reply: the line may be looped back");
}

TEST(Rfc1661_5_8, EchoPacketsWithoutMagicAreIgnored) {
    Lcp l;
    drive_to(l, FsmState::opened);
    EXPECT_EQ(trace(l.d.input(hex("09 01 00 07 00 00 00"))), "");
    EXPECT_EQ(trace(l.d.input(hex("0a 01 00 04"))), "");
}

TEST(Rfc1661_5_8, BuildEchoRequest) {
    EXPECT_EQ(build_echo_request(0x05, kOurMagic), hex("09 05 00 08 ae e1 21 9c"));
}

// §5.9 and RFC 1570: known codes that need no answer are neither answered nor Code-Rejected.
TEST(Rfc1661_5_9, DiscardIdentificationAndTimeRemainingAreSilentlyAccepted) {
    Lcp l;
    drive_to(l, FsmState::opened);
    EXPECT_EQ(trace(l.d.input(hex("0b 01 00 08 c6 3d cf 81"))), "");
    EXPECT_EQ(trace(l.d.input(hex("0c 02 00 0b c6 3d cf 81 45 43 32"))), "");
    EXPECT_EQ(trace(l.d.input(hex("0d 03 00 0c c6 3d cf 81 00 00 0e 10"))), "");
}

// §5.6: codes LCP does not know are Code-Rejected in every state from Closed on.
TEST(Rfc1661_5_6, UnknownLcpCodeIsCodeRejected) {
    for (FsmState s : kStates) {
        Lcp l;
        drive_to(l, s);
        ppp::FsmOutputs out = l.d.input(hex("0e 44 00 06 01 02"));
        const bool dropped = s == FsmState::initial || s == FsmState::starting;
        EXPECT_EQ(trace(out), dropped ? "" : "scj") << to_string(s);
        if (!dropped) {
            Bytes p = only_packet(out);
            ASSERT_EQ(p.size(), 10u);
            EXPECT_EQ(Bytes(p.begin() + 4, p.end()), hex("0e 44 00 06 01 02"));
        }
        EXPECT_EQ(l.fsm.state(), s);
    }
}

// §5.6: an Echo-Request the peer Code-Rejected is RXJ+: LCP stays up.
TEST(Rfc1661_5_6, CodeRejectOfEchoRequestKeepsLcpOpen) {
    Lcp l;
    drive_to(l, FsmState::opened);
    EXPECT_EQ(trace(l.d.input(hex("07 09 00 0c 09 05 00 08 ae e1 21 9c"))), "");
    EXPECT_EQ(l.fsm.state(), FsmState::opened);
}

TEST(Rfc1661_5_6, CodeRejectOfConfigureRequestTearsLcpDown) {
    Lcp l;
    drive_to(l, FsmState::opened);
    EXPECT_EQ(trace(l.d.input(hex("07 09 00 08 01 01 00 04"))), "tld,str");
    EXPECT_EQ(l.fsm.state(), FsmState::stopping);
}

}  // namespace
}  // namespace ec20ppp::lcp
