// RFC 1661 §4.6 (Restart timer, Max-Terminate, Max-Configure, Max-Failure), §5.1-§5.6 (how
// each code is checked and answered) and pppd's deliberate choices, on the generic automaton
// driven by ToyHandler with fake time.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "fsm_test_util.hpp"
#include "toy_handler.hpp"

namespace ec20ppp::ppp {
namespace {

using namespace std::chrono_literals;
using test::hex;
using test::only_packet;
using test::packet;
using test::sent;
using test::ToyHandler;
using test::trace;

struct Toy {
    explicit Toy(FsmConfig c = {}) : fsm(handler, c) {}
    ToyHandler handler;
    OptionFsm fsm;
    test::Driver d{fsm};

    // Open + Up: our first ConfReq (id 1, <toy 0x10>).
    Bytes start() { return only_packet(d.open_and_up()); }
    // Both sides agree: Opened with our request id 1 acknowledged.
    void open_fully() {
        start();
        d.input(packet(Code::configure_request, 0x60, hex("01 03 aa")));
        d.input(packet(Code::configure_ack, 1, hex("01 03 10")));
        EXPECT_EQ(fsm.state(), FsmState::opened);
    }
};

int count_code(const FsmOutputs& out, std::uint8_t code) {
    int n = 0;
    for (const auto& p : sent(out))
        if (!p.empty() && p[0] == code) ++n;
    return n;
}

void append(FsmOutputs& all, const FsmOutputs& more) { all.insert(all.end(), more.begin(), more.end()); }

bool has_log(const FsmOutputs& out, std::string_view fragment) {
    for (const auto& l : test::log_lines(out))
        if (l.find(fragment) != std::string::npos) return true;
    return false;
}

// --- §4.6 Restart timer ---------------------------------------------------------------------

TEST(Rfc1661_4_6, RestartTimerDefaultsToThreeSeconds) {
    EXPECT_EQ(FsmConfig{}.restart_interval, Duration(3000));
    Toy t;
    EXPECT_EQ(t.start(), hex("01 01 00 07 01 03 10"));
    ASSERT_TRUE(t.fsm.next_timeout());
    EXPECT_EQ(*t.fsm.next_timeout(), test::t0 + 3s);

    // One millisecond early: nothing happens.
    FsmOutputs early;
    t.fsm.on_timeout(test::t0 + 2999ms, early);
    EXPECT_TRUE(early.empty()) << trace(early);
    EXPECT_EQ(*t.fsm.next_timeout(), test::t0 + 3s);

    // On time: a retransmission, and the timer restarts from then.
    EXPECT_EQ(only_packet(t.d.timeout()), hex("01 01 00 07 01 03 10"));
    EXPECT_EQ(*t.fsm.next_timeout(), test::t0 + 6s);
}

TEST(Rfc1661_4_6, RestartIntervalIsConfigurable) {
    FsmConfig c;
    c.restart_interval = Duration(1500);
    Toy t(c);
    t.start();
    EXPECT_EQ(*t.fsm.next_timeout(), test::t0 + 1500ms);
}

// §4.6 implementation note: "the Restart timer MAY begin at an initial small value and increase
// to the configured final value. Each successive value less than the final value SHOULD be at
// least twice the previous value."
TEST(Rfc1661_4_6, RestartTimerBacksOffFromTheInitialValueToTheFinalOne) {
    FsmConfig c;
    c.initial_restart_interval = Duration(500);
    Toy t(c);
    t.start();
    std::vector<Duration> waits;
    TimePoint last = test::t0;
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(t.fsm.next_timeout());
        waits.push_back(std::chrono::duration_cast<Duration>(*t.fsm.next_timeout() - last));
        last = *t.fsm.next_timeout();
        EXPECT_EQ(count_code(t.d.timeout(), 1), 1) << "a retransmission at each timeout";
    }
    EXPECT_EQ(waits, (std::vector<Duration>{500ms, 1000ms, 2000ms, 3000ms, 3000ms}));

    // Once the peer has been heard, a new request (here: after a Configure-Nak changed our
    // options) waits the full interval: repeating it before its answer could be back might
    // reach a peer that opened meanwhile and restart its negotiation.
    FsmOutputs nak = t.d.input(packet(Code::configure_nak, 1, hex("01 03 20")));
    EXPECT_EQ(count_code(nak, 1), 1);
    EXPECT_EQ(std::chrono::duration_cast<Duration>(*t.fsm.next_timeout() - t.d.now), 3000ms);

    // After the lower layer goes down and up again, the next first request starts short.
    FsmOutputs ignored;
    t.fsm.down(ignored);
    t.fsm.up(t.d.now, ignored);
    EXPECT_EQ(std::chrono::duration_cast<Duration>(*t.fsm.next_timeout() - t.d.now), 500ms);
}

TEST(Rfc1661_4_6, RepeatsAfterThePeerWasHeardWaitTheFullInterval) {
    FsmConfig c;
    c.initial_restart_interval = Duration(500);
    Toy t(c);
    t.start();
    t.d.now = test::t0 + 100ms;
    t.d.input(packet(Code::configure_request, 0x60, hex("01 03 aa")));  // the peer is heard
    EXPECT_EQ(*t.fsm.next_timeout(), test::t0 + 500ms) << "the wait already running is kept";
    EXPECT_EQ(count_code(t.d.timeout(), 1), 1);
    EXPECT_EQ(*t.fsm.next_timeout(), test::t0 + 500ms + 3s) << "not 1 s: the peer is there and slow";
}

TEST(Rfc1661_4_6, InitialRestartIntervalNeverExceedsTheFinalOne) {
    FsmConfig c;
    c.restart_interval = Duration(1000);
    c.initial_restart_interval = Duration(3000);
    Toy t(c);
    t.start();
    EXPECT_EQ(*t.fsm.next_timeout(), test::t0 + 1000ms);
    t.d.timeout();
    EXPECT_EQ(*t.fsm.next_timeout(), test::t0 + 2000ms);
}

// Our first Configure-Request can be lost while the modem is still switching to data mode. When
// the peer's first packet is its own Configure-Request and ours has waited long enough for an
// answer, ours goes out again at once, ahead of the reply, rather than at the next timeout.
TEST(Rfc1661_4_6, RequestResentWhenThePeersFirstRequestArrivesUnanswered) {
    FsmConfig c;
    c.resend_request_on_peer_request = Duration(100);
    Toy t(c);
    t.start();
    t.d.now = test::t0 + 150ms;
    FsmOutputs out = t.d.input(packet(Code::configure_request, 0x60, hex("01 03 aa")));
    const auto packets = sent(out);
    ASSERT_EQ(packets.size(), 2u) << trace(out);
    EXPECT_EQ(packets[0], hex("01 01 00 07 01 03 10")) << "our request again, same Identifier";
    EXPECT_EQ(packets[1][0], 2) << "then the Configure-Ack";
    // Only for the peer's first packet: a second Configure-Request gets just its reply.
    out = t.d.input(packet(Code::configure_request, 0x61, hex("01 03 aa")));
    EXPECT_EQ(count_code(out, 1), 0);
    EXPECT_EQ(count_code(out, 2), 1);
}

TEST(Rfc1661_4_6, NoResendWhenThePeersRequestComesPromptly) {
    FsmConfig c;
    c.resend_request_on_peer_request = Duration(100);
    Toy t(c);
    t.start();
    t.d.now = test::t0 + 50ms;  // the peer may simply not have answered yet
    EXPECT_EQ(count_code(t.d.input(packet(Code::configure_request, 0x60, hex("01 03 aa"))), 1), 0);
}

TEST(Rfc1661_4_6, NoResendByDefault) {
    Toy t;
    t.start();
    t.d.now = test::t0 + 2s;
    EXPECT_EQ(count_code(t.d.input(packet(Code::configure_request, 0x60, hex("01 03 aa"))), 1), 0);
}

// --- §4.6 Max-Configure ---------------------------------------------------------------------

TEST(Rfc1661_4_6, MaxConfigureDefaultsToTenRequestsThenTlf) {
    EXPECT_EQ(FsmConfig{}.max_configure, 10);
    Toy t;
    FsmOutputs all = t.d.open_and_up();
    int timeouts = 0;
    while (t.fsm.state() == FsmState::req_sent && timeouts < 50) {
        FsmOutputs out = t.d.timeout();
        ++timeouts;
        if (t.fsm.state() == FsmState::req_sent) EXPECT_EQ(trace(out), "scr") << timeouts;
        else EXPECT_EQ(trace(out), "tlf");
        append(all, out);
    }
    EXPECT_EQ(count_code(all, 1), 10) << "exactly Max-Configure Configure-Requests";
    EXPECT_EQ(timeouts, 10) << "the 10th timeout is TO-";
    EXPECT_EQ(t.fsm.state(), FsmState::stopped);
    EXPECT_TRUE(has_log(all, "TOY: timeout sending Config-Requests"));
    EXPECT_FALSE(t.fsm.next_timeout());
    // Every retransmission kept Identifier 1 (RFC 1661 §5.1: MAY remain unchanged).
    for (const auto& p : sent(all)) EXPECT_EQ(p, hex("01 01 00 07 01 03 10"));
}

TEST(Rfc1661_4_6, MaxConfigureIsConfigurable) {
    FsmConfig c;
    c.max_configure = 3;
    Toy t(c);
    FsmOutputs all = t.d.open_and_up();
    append(all, t.d.timeout());
    append(all, t.d.timeout());
    EXPECT_EQ(t.fsm.state(), FsmState::req_sent);
    FsmOutputs last = t.d.timeout();
    EXPECT_EQ(trace(last), "tlf");
    append(all, last);
    EXPECT_EQ(count_code(all, 1), 3);
}

// irc on RCA (Req-Sent -> Ack-Rcvd) refills the counter: after several retransmissions and an
// Ack, the full Max-Configure is available again.
TEST(Rfc1661_4_6, ConfigureAckRestoresRestartCounter) {
    Toy t;
    t.start();
    for (int i = 0; i < 5; ++i) t.d.timeout();  // 6 ConfReqs so far, 4 left
    t.d.input(packet(Code::configure_ack, 1, hex("01 03 10")));
    ASSERT_EQ(t.fsm.state(), FsmState::ack_rcvd);
    FsmOutputs all;
    while (t.fsm.state() != FsmState::stopped && all.size() < 100) append(all, t.d.timeout());
    EXPECT_EQ(count_code(all, 1), 10);
}

// irc on RCN too (Req-Sent: irc,scr/6).
TEST(Rfc1661_4_6, ConfigureNakRestoresRestartCounter) {
    Toy t;
    t.start();
    for (int i = 0; i < 8; ++i) t.d.timeout();  // 9 ConfReqs, 1 left
    FsmOutputs all = t.d.input(packet(Code::configure_nak, 1, hex("01 03 20")));
    while (t.fsm.state() != FsmState::stopped && all.size() < 100) append(all, t.d.timeout());
    EXPECT_EQ(count_code(all, 1), 10) << "1 answering the Nak + 9 retransmissions";
}

// "p" in the table: with the passive option, TO- leaves us in Stopped without tlf, waiting for
// the peer (pppd's OPT_PASSIVE); the peer's request then starts negotiation.
TEST(Rfc1661_4_1, PassiveModeWaitsInStoppedWithoutTlf) {
    FsmConfig c;
    c.passive = true;
    Toy t(c);
    FsmOutputs all = t.d.open_and_up();
    while (t.fsm.state() == FsmState::req_sent && all.size() < 100) append(all, t.d.timeout());
    EXPECT_EQ(t.fsm.state(), FsmState::stopped);
    EXPECT_EQ(count_code(all, 1), 10);
    EXPECT_TRUE(test::events_of<LayerFinished>(all).empty()) << "no tlf in passive mode";

    FsmOutputs out = t.d.input(packet(Code::configure_request, 0x33, hex("01 03 aa")));
    EXPECT_EQ(trace(out), "scr,sca");
    EXPECT_EQ(t.fsm.state(), FsmState::ack_sent);
    // A new negotiation: options reset, fresh Identifier.
    EXPECT_EQ(sent(out)[0], hex("01 02 00 07 01 03 10"));
    EXPECT_EQ(sent(out)[1], hex("02 33 00 07 01 03 aa"));
}

// --- §4.6 Max-Terminate -----------------------------------------------------------------------

TEST(Rfc1661_4_6, MaxTerminateDefaultsToTwoRequestsThenTlf) {
    EXPECT_EQ(FsmConfig{}.max_terminate, 2);
    Toy t;
    t.open_fully();
    FsmOutputs all;
    ppp::FsmOutputs out;
    t.fsm.close("User request", t.d.now, out);
    EXPECT_EQ(trace(out), "tld,str");
    append(all, out);
    EXPECT_EQ(*t.fsm.next_timeout(), t.d.now + 3s);
    out = t.d.timeout();
    EXPECT_EQ(trace(out), "str");
    append(all, out);
    out = t.d.timeout();
    EXPECT_EQ(trace(out), "tlf");
    EXPECT_EQ(t.fsm.state(), FsmState::closed);
    EXPECT_FALSE(t.fsm.next_timeout());
    EXPECT_EQ(count_code(all, 5), 2);
    // Each Terminate-Request carries the reason; pppd takes a fresh Identifier for each.
    auto p = sent(all);
    const Bytes reason = hex("55 73 65 72 20 72 65 71 75 65 73 74");  // "User request"
    EXPECT_EQ(p[0], packet(Code::terminate_request, 2, reason));
    EXPECT_EQ(p[1], packet(Code::terminate_request, 3, reason));
}

// --- zrc: Opened x RTR ------------------------------------------------------------------------

TEST(Rfc1661_4_1, TerminateRequestInOpenedZeroesCounterAndWaitsOneInterval) {
    Toy t;
    t.open_fully();
    t.d.now += 10s;
    FsmOutputs out = t.d.input(packet(Code::terminate_request, 0x44, test::hex("62 79 65")));
    EXPECT_EQ(trace(out), "tld,sta");
    EXPECT_EQ(sent(out)[0], hex("06 44 00 04"));
    EXPECT_TRUE(has_log(out, "TOY: terminated by peer (bye)"));
    EXPECT_EQ(t.fsm.state(), FsmState::stopping);
    ASSERT_TRUE(t.fsm.next_timeout());
    EXPECT_EQ(*t.fsm.next_timeout(), t.d.now + 3s);
    // zrc: the very first timeout is TO-, without any Terminate-Request of ours.
    out = t.d.timeout();
    EXPECT_EQ(trace(out), "tlf");
    EXPECT_EQ(t.fsm.state(), FsmState::stopped);
}

// --- §4.6 Max-Failure ---------------------------------------------------------------------------

TEST(Rfc1661_4_6, MaxFailureFiveNaksThenReject) {
    EXPECT_EQ(FsmConfig{}.max_failure, 5);
    Toy t;
    t.start();
    for (int i = 0; i < 5; ++i) {
        auto id = static_cast<std::uint8_t>(0x20 + i);
        EXPECT_EQ(only_packet(t.d.input(packet(Code::configure_request, id, hex("01 03 aa 02 03 00")))),
                  packet(Code::configure_nak, id, hex("02 03 07")))
            << "Nak #" << i + 1;
    }
    // The sixth disagreement: reject instead (reject_if_disagree), carrying only that option.
    EXPECT_EQ(only_packet(t.d.input(packet(Code::configure_request, 0x30, hex("01 03 aa 02 03 00")))),
              packet(Code::configure_reject, 0x30, hex("02 03 00")));
    EXPECT_EQ(t.fsm.state(), FsmState::req_sent);
    const std::vector<bool> flags = t.handler.reject_if_disagree_seen;
    ASSERT_EQ(flags.size(), 12u);  // two options per request
    for (std::size_t i = 0; i < 10; ++i) EXPECT_FALSE(flags[i]) << i;
    EXPECT_TRUE(flags[10]);
    EXPECT_TRUE(flags[11]);
}

// An option the handler marks (LCP's Magic-Number, RFC 1661 §6.4) keeps being Nak'd after
// Max-Failure while the others turn into Rejects.
TEST(Rfc1661_4_6, MaxFailureSparesOptionsThatMustBeNakd) {
    Toy t;
    t.handler.keep_nakking_type = ToyHandler::kNakType;
    t.start();
    for (int i = 0; i < 8; ++i) {
        EXPECT_EQ(only_packet(t.d.input(packet(Code::configure_request, 0x20, hex("02 03 00")))),
                  packet(Code::configure_nak, 0x20, hex("02 03 07")))
            << "Nak #" << i + 1;
    }
}

TEST(Rfc1661_4_6, SendingAnAckResetsTheFailureCount) {
    Toy t;
    t.start();
    for (int i = 0; i < 4; ++i) t.d.input(packet(Code::configure_request, 0x20, hex("02 03 00")));
    EXPECT_EQ(trace(t.d.input(packet(Code::configure_request, 0x21, hex("02 03 07")))), "sca");
    // Five more Naks are allowed again.
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(trace(t.d.input(packet(Code::configure_request, 0x22, hex("02 03 00")))), "scn") << i;
    EXPECT_EQ(trace(t.d.input(packet(Code::configure_request, 0x23, hex("02 03 00")))), "scn(rej)");
}

// pppd's maxnakloops on the receive side: the peer's Configure-Naks that never converge are
// eventually treated as Rejects (the handler gets treat_as_reject).
TEST(Rfc1661_4_6, NaksReceivedBeyondMaximumAreTreatedAsReject) {
    EXPECT_EQ(FsmConfig{}.max_nak_received, 10);
    Toy t;
    t.start();
    std::uint8_t id = 1;
    for (int i = 0; i < 10; ++i) {
        FsmOutputs out = t.d.input(packet(Code::configure_nak, id, hex("01 03 20")));
        Bytes req = only_packet(out);
        ASSERT_EQ(req.size() >= 2 && req[0] == 1, true);
        id = req[1];
        if (i < 9) EXPECT_EQ(req, packet(Code::configure_request, id, hex("01 03 20"))) << i;
        else EXPECT_EQ(req, packet(Code::configure_request, id, {})) << "the option is no longer asked for";
    }
    ASSERT_EQ(t.handler.nak_treat_as_reject.size(), 10u);
    for (int i = 0; i < 9; ++i) EXPECT_FALSE(t.handler.nak_treat_as_reject[i]) << i;
    EXPECT_TRUE(t.handler.nak_treat_as_reject[9]);
}

// --- §5.1 Identifier ------------------------------------------------------------------------------

TEST(Rfc1661_5_1, FirstIdentifierIsConfigurable) {
    FsmConfig c;
    c.first_id = 0x80;
    Toy t(c);
    EXPECT_EQ(t.start(), hex("01 80 00 07 01 03 10"));
}

TEST(Rfc1661_5_1, NewRequestAfterNakTakesNewIdentifier) {
    Toy t;
    t.start();
    EXPECT_EQ(only_packet(t.d.input(packet(Code::configure_nak, 1, hex("01 03 20")))),
              hex("01 02 00 07 01 03 20"));
    // Retransmission of the new request keeps its Identifier.
    EXPECT_EQ(only_packet(t.d.timeout()), hex("01 02 00 07 01 03 20"));
}

// RFC 1661 §5.1: the Identifier MUST change "whenever a valid reply has been received for a
// previous request". In Ack-Rcvd our request was acknowledged, so the scr on TO+ is a new
// request, not a retransmission: it needs a new Identifier (and the old Ack stays answered).
TEST(Rfc1661_5_1, RequestAfterTimeoutInAckRcvdTakesNewIdentifier) {
    Toy t;
    t.start();
    t.d.input(packet(Code::configure_ack, 1, hex("01 03 10")));
    ASSERT_EQ(t.fsm.state(), FsmState::ack_rcvd);
    Bytes req = only_packet(t.d.timeout());
    EXPECT_EQ(t.fsm.state(), FsmState::req_sent);
    EXPECT_EQ(req, hex("01 02 00 07 01 03 10"));
    // A repeat of the old Ack (id 1) no longer counts; the Ack for id 2 does.
    EXPECT_TRUE(sent(t.d.input(packet(Code::configure_ack, 1, hex("01 03 10")))).empty());
    EXPECT_EQ(t.fsm.state(), FsmState::req_sent);
    t.d.input(packet(Code::configure_ack, 2, hex("01 03 10")));
    EXPECT_EQ(t.fsm.state(), FsmState::ack_rcvd);
}

// --- §5.2 Configure-Ack -------------------------------------------------------------------------

TEST(Rfc1661_5_2, AckWithWrongIdentifierIsDropped) {
    Toy t;
    t.start();
    FsmOutputs out = t.d.input(packet(Code::configure_ack, 2, hex("01 03 10")));
    EXPECT_TRUE(sent(out).empty());
    EXPECT_EQ(trace(out), "");
    EXPECT_TRUE(has_log(out, "dropped ConfAck id=0x2"));
    EXPECT_EQ(t.fsm.state(), FsmState::req_sent);
    EXPECT_TRUE(t.handler.acked.empty());
    // The right one still works afterwards.
    t.d.input(packet(Code::configure_ack, 1, hex("01 03 10")));
    EXPECT_EQ(t.fsm.state(), FsmState::ack_rcvd);
    ASSERT_EQ(t.handler.acked.size(), 1u);
    EXPECT_EQ(t.handler.acked[0], hex("01 03 10"));
}

TEST(Rfc1661_5_2, AckWhoseOptionsDifferFromTheRequestIsDropped) {
    for (const Bytes& options : {hex("01 03 11"), Bytes{}, hex("01 03 10 07 02"), hex("07 02 01 03 10"),
                                 hex("01 04 10 00")}) {
        Toy t;
        t.start();
        FsmOutputs out = t.d.input(packet(Code::configure_ack, 1, options));
        EXPECT_EQ(trace(out), "") << to_hex(options);
        EXPECT_TRUE(has_log(out, "options differ from our request")) << to_hex(options);
        EXPECT_EQ(t.fsm.state(), FsmState::req_sent);
        // It did not count as the answer: the real Ack is still accepted.
        t.d.input(packet(Code::configure_ack, 1, hex("01 03 10")));
        EXPECT_EQ(t.fsm.state(), FsmState::ack_rcvd);
    }
}

TEST(Rfc1661_5_2, AckWithPaddingBeyondLengthIsAccepted) {
    Toy t;
    t.start();
    t.d.input(hex("02 01 00 07 01 03 10 00 00 ff"));
    EXPECT_EQ(t.fsm.state(), FsmState::ack_rcvd);
}

// pppd: once a request has been answered, further replies with its Identifier are duplicates.
TEST(Rfc1661_5_2, SecondReplyToAnAnsweredRequestIsDropped) {
    Toy t;
    t.open_fully();
    for (Code c : {Code::configure_ack, Code::configure_nak, Code::configure_reject}) {
        const Bytes data = c == Code::configure_nak ? hex("01 03 20") : hex("01 03 10");
        FsmOutputs out = t.d.input(packet(c, 1, data));
        EXPECT_EQ(trace(out), "") << "no tld, no scr";
        EXPECT_TRUE(has_log(out, "does not answer our request"));
        EXPECT_EQ(t.fsm.state(), FsmState::opened);
    }
}

// A late reply to an older request is dropped too.
TEST(Rfc1661_5_2, LateAckForAnOlderRequestIsDropped) {
    Toy t;
    t.start();
    t.d.input(packet(Code::configure_nak, 1, hex("01 03 20")));  // we now ask id 2 <toy 0x20>
    EXPECT_EQ(trace(t.d.input(packet(Code::configure_ack, 1, hex("01 03 10")))), "");
    EXPECT_EQ(t.fsm.state(), FsmState::req_sent);
}

// --- §5.3 Configure-Nak ---------------------------------------------------------------------------

TEST(Rfc1661_5_3, NakWithWrongIdentifierIsDropped) {
    Toy t;
    t.start();
    FsmOutputs out = t.d.input(packet(Code::configure_nak, 7, hex("01 03 20")));
    EXPECT_EQ(trace(out), "");
    EXPECT_TRUE(has_log(out, "dropped ConfNak id=0x7"));
    EXPECT_TRUE(t.handler.nak_treat_as_reject.empty()) << "the handler never saw it";
}

TEST(Rfc1661_5_3, NakTheHandlerRefusesIsDroppedAndTheRequestStaysOutstanding) {
    Toy t;
    t.start();
    FsmOutputs out = t.d.input(packet(Code::configure_nak, 1, hex("01 04 20 20")));  // bad length
    EXPECT_EQ(trace(out), "");
    EXPECT_TRUE(has_log(out, "dropped ConfNak id=0x1"));
    EXPECT_EQ(only_packet(t.d.input(packet(Code::configure_nak, 1, hex("01 03 30")))),
              hex("01 02 00 07 01 03 30"));
}

// --- §5.4 Configure-Reject --------------------------------------------------------------------------

TEST(Rfc1661_5_4, RejectRemovesTheOptionFromTheNextRequest) {
    Toy t;
    t.start();
    EXPECT_EQ(only_packet(t.d.input(packet(Code::configure_reject, 1, hex("01 03 10")))), hex("01 02 00 04"));
}

TEST(Rfc1661_5_4, RejectWithWrongIdentifierIsDropped) {
    Toy t;
    t.start();
    EXPECT_EQ(trace(t.d.input(packet(Code::configure_reject, 9, hex("01 03 10")))), "");
    EXPECT_EQ(t.handler.rejects_received, 0);
}

TEST(Rfc1661_5_4, RejectOfAnOptionWeDidNotSendIsDropped) {
    Toy t;
    t.start();
    FsmOutputs out = t.d.input(packet(Code::configure_reject, 1, hex("05 02")));
    EXPECT_EQ(trace(out), "");
    EXPECT_EQ(t.fsm.state(), FsmState::req_sent);
}

// RFC 1661 §5.4: the rejected options MUST be "a proper subset of those in the last transmitted
// Configure-Request" and "MUST NOT be reordered or modified in any way". A Reject that changed the
// value is invalid and silently discarded.
TEST(Rfc1661_5_4, RejectWithModifiedValueIsDropped) {
    Toy t;
    t.start();
    FsmOutputs out = t.d.input(packet(Code::configure_reject, 1, hex("01 03 11")));
    EXPECT_EQ(trace(out), "");
    EXPECT_EQ(t.fsm.state(), FsmState::req_sent);
    EXPECT_EQ(t.handler.rejects_received, 0);
    // The faithful Reject is still accepted.
    EXPECT_EQ(only_packet(t.d.input(packet(Code::configure_reject, 1, hex("01 03 10")))), hex("01 02 00 04"));
}

// --- judging the peer's request (§5.2-5.4) -------------------------------------------------------

TEST(Rfc1661_5_2, AckCopiesTheRequestsOptionsAndIdentifier) {
    Toy t;
    t.start();
    EXPECT_EQ(only_packet(t.d.input(packet(Code::configure_request, 0x5a, hex("01 03 aa 02 03 07")))),
              hex("02 5a 00 0a 01 03 aa 02 03 07"));
    EXPECT_EQ(t.handler.peer_acks, 1);
}

TEST(Rfc1661_5_2, EmptyRequestIsAcked) {
    Toy t;
    t.start();
    EXPECT_EQ(only_packet(t.d.input(hex("01 00 00 04"))), hex("02 00 00 04"));
    EXPECT_EQ(t.fsm.state(), FsmState::ack_sent);
}

TEST(Rfc1661_5_3, NakCarriesOnlyTheNakdOptionsWithOurValues) {
    Toy t;
    t.start();
    EXPECT_EQ(only_packet(t.d.input(packet(Code::configure_request, 0x11, hex("01 03 aa 02 03 01")))),
              packet(Code::configure_nak, 0x11, hex("02 03 07")));
    EXPECT_EQ(t.handler.peer_acks, 0);
}

TEST(Rfc1661_5_4, RejectCarriesOnlyTheRejectedOptionsUnchanged) {
    Toy t;
    t.start();
    // ack + nak + two unknown: the Reject wins and carries only the unknown ones, verbatim.
    EXPECT_EQ(only_packet(t.d.input(packet(Code::configure_request, 0x12,
                                           hex("01 03 aa 05 06 01 02 03 04 02 03 01 0d 03 06")))),
              packet(Code::configure_reject, 0x12, hex("05 06 01 02 03 04 0d 03 06")));
}

TEST(Rfc1661_5_4, MalformedOptionIsRejectedWithEverythingAfterIt) {
    Toy t;
    t.start();
    // Second option claims Length 1: its bounds and all that follows are unknowable.
    EXPECT_EQ(only_packet(t.d.input(packet(Code::configure_request, 0x13, hex("01 03 aa 09 01 07 02")))),
              packet(Code::configure_reject, 0x13, hex("09 01 07 02")));
    // Length beyond the packet.
    EXPECT_EQ(only_packet(t.d.input(packet(Code::configure_request, 0x14, hex("01 03 aa 09 09 07")))),
              packet(Code::configure_reject, 0x14, hex("09 09 07")));
}

// --- §5.5 Terminate -----------------------------------------------------------------------------

TEST(Rfc1661_5_5, TerminateAckCopiesIdentifierAndTerminateAckNeedsNoMatch) {
    Toy t;
    t.start();
    EXPECT_EQ(only_packet(t.d.input(packet(Code::terminate_request, 0xfe, hex("00 01")))), hex("06 fe 00 04"));
    // Closing accepts any Terminate-Ack (as pppd does).
    FsmOutputs out;
    t.fsm.close("x", t.d.now, out);
    ASSERT_EQ(t.fsm.state(), FsmState::closing);
    EXPECT_EQ(trace(t.d.input(packet(Code::terminate_ack, 0x77, {}))), "tlf");
    EXPECT_EQ(t.fsm.state(), FsmState::closed);
}

// --- §5.6 Code-Reject ---------------------------------------------------------------------------

// Rejecting a code the protocol cannot work without (1-7) is catastrophic: RXJ-.
TEST(Rfc1661_5_6, CodeRejectOfCodesOneToSevenIsRxjMinus) {
    for (std::uint8_t code = 1; code <= 7; ++code) {
        Toy t;
        t.open_fully();
        FsmOutputs out = t.d.input(packet(Code::code_reject, 0x40, Bytes{code, 0x01, 0x00, 0x04}));
        EXPECT_EQ(trace(out), "tld,str") << int{code};
        EXPECT_EQ(t.fsm.state(), FsmState::stopping) << int{code};
        EXPECT_TRUE(has_log(out, "Rcvd Code-Reject for code " + std::to_string(code)));
    }
}

// Rejecting an extension (Echo-Request and the other LCP-only codes) is permitted: RXJ+.
TEST(Rfc1661_5_6, CodeRejectOfExtensionCodesIsRxjPlus) {
    for (std::uint8_t code : {8, 9, 10, 11, 12, 13, 14, 0}) {
        Toy t;
        t.open_fully();
        EXPECT_EQ(trace(t.d.input(packet(Code::code_reject, 0x40, Bytes{code, 0x01, 0x00, 0x08, 0, 0, 0, 0}))), "")
            << int{code};
        EXPECT_EQ(t.fsm.state(), FsmState::opened) << int{code};
    }
    Toy t;
    t.start();
    t.d.input(packet(Code::configure_ack, 1, hex("01 03 10")));
    t.d.input(packet(Code::code_reject, 0x40, hex("09 01 00 08 00 00 00 00")));
    EXPECT_EQ(t.fsm.state(), FsmState::req_sent) << "RXJ+ in Ack-Rcvd goes to Req-Sent";
}

// RUC: an unknown code is answered with Code-Reject carrying the rejected packet, from its Code
// up to its Length (not the padding), under a new Identifier of ours.
TEST(Rfc1661_5_6, UnknownCodeIsCodeRejectedWithThePacketCopied) {
    Toy t;
    t.open_fully();  // ids 1 (ConfReq) used
    EXPECT_EQ(only_packet(t.d.input(hex("0e 62 00 06 de ad 00 00"))), hex("07 02 00 0a 0e 62 00 06 de ad"));
    EXPECT_EQ(only_packet(t.d.input(hex("00 63 00 04"))), hex("07 03 00 08 00 63 00 04"));
    EXPECT_EQ(t.fsm.state(), FsmState::opened);
}

TEST(Rfc1661_5_6, CodeRejectIsTruncatedToTheDefaultMru) {
    Toy t;
    t.open_fully();
    Bytes big = packet(static_cast<Code>(0x20), 0x01, Bytes(2000, 0xab));
    Bytes reply = only_packet(t.d.input(big));
    ASSERT_EQ(reply.size(), 1500u);
    EXPECT_EQ(reply[0], 7);
    EXPECT_EQ(load_be16(reply.data() + 2), 1500);
    EXPECT_TRUE(std::equal(reply.begin() + 4, reply.end(), big.begin()));
}

// --- malformed input ----------------------------------------------------------------------------

TEST(Rfc1661_5, MalformedPacketsAreDroppedWithoutEffect) {
    for (const Bytes& bad : {hex("01 01 00"), hex("01 01 00 02"), hex("02 01 00 09 01 03 10")}) {
        Toy t;
        t.start();
        FsmOutputs out = t.d.input(bad);
        EXPECT_EQ(trace(out), "");
        EXPECT_TRUE(has_log(out, "dropped malformed packet"));
        EXPECT_EQ(t.fsm.state(), FsmState::req_sent);
    }
}

// --- describe_control_packet ------------------------------------------------------------------

TEST(PppdText, DescribesControlPacketsLikePppd) {
    ToyHandler h;
    EXPECT_EQ(describe_control_packet(h, hex("01 01 00 07 01 03 10")), "TOY ConfReq id=0x1 <toy 0x10>");
    EXPECT_EQ(describe_control_packet(h, hex("04 2a 00 09 01 03 10 07 02")), "TOY ConfRej id=0x2a <toy 0x10> <07 02>");
    EXPECT_EQ(describe_control_packet(h, hex("02 00 00 04")), "TOY ConfAck id=0x0");
    EXPECT_EQ(describe_control_packet(h, hex("05 02 00 10 55 73 65 72 20 72 65 71 75 65 73 74")),
              "TOY TermReq id=0x2 \"User request\"");
    EXPECT_EQ(describe_control_packet(h, hex("06 02 00 04")), "TOY TermAck id=0x2");
    EXPECT_EQ(describe_control_packet(h, hex("0e 62 00 06 de ad")), "TOY code=0xe id=0x62 de ad");
    EXPECT_EQ(describe_control_packet(h, hex("09 07 00 08 00 00 00 01")), "TOY EchoReq id=0x7 00 00 00 01");
    EXPECT_EQ(describe_control_packet(h, hex("01 01 00 09")), "TOY (malformed) 01 01 00 09");
    // A malformed option list: the options up to it, then the rest in hex.
    EXPECT_EQ(describe_control_packet(h, hex("01 01 00 08 01 03 10 05")), "TOY ConfReq id=0x1 <toy 0x10> 05");
}

}  // namespace
}  // namespace ec20ppp::ppp
