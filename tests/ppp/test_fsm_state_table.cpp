// RFC 1661 §4.1: the whole state transition table, one row per (state, event), data-driven.
//
// Each row drives a fresh automaton (with ToyHandler, fake time) into the row's state by a
// fixed path, fires the event, and compares the next state and the observable actions:
//   tlu/tld/tls/tlf  the Layer* events in FsmOutputs
//   scr/sca/scn/str/sta/scj/ser  the Code of each SendPacket (scn = Configure-Nak here)
// irc/zrc (restart counter) are not observable as outputs; the counter tests in
// test_fsm_counters.cpp check them through their effects.
//
// Events the RFC marks "-" (cannot happen) are fired anyway: they must not crash, not send and
// not change state. Where the implementation deliberately follows pppd instead of the table the
// row says so (`pppd`), with the reason next to the row.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <set>
#include <string>

#include "fsm_test_util.hpp"
#include "toy_handler.hpp"

namespace ec20ppp::ppp {
namespace {

using test::hex;
using test::ToyHandler;
using test::trace;

enum class Ev : std::uint8_t {
    up, down, open, close, to_plus, to_minus, rcr_plus, rcr_minus, rca, rcn, rtr, rta, ruc, rxj_plus,
    rxj_minus, rxr
};
constexpr std::array kAllEvents = {Ev::up,  Ev::down, Ev::open, Ev::close, Ev::to_plus, Ev::to_minus,
                                   Ev::rcr_plus, Ev::rcr_minus, Ev::rca, Ev::rcn, Ev::rtr, Ev::rta,
                                   Ev::ruc, Ev::rxj_plus, Ev::rxj_minus, Ev::rxr};
constexpr std::array kAllStates = {FsmState::initial, FsmState::starting, FsmState::closed,
                                   FsmState::stopped, FsmState::closing,  FsmState::stopping,
                                   FsmState::req_sent, FsmState::ack_rcvd, FsmState::ack_sent,
                                   FsmState::opened};

std::string_view ev_name(Ev e) {
    switch (e) {
        case Ev::up: return "Up";
        case Ev::down: return "Down";
        case Ev::open: return "Open";
        case Ev::close: return "Close";
        case Ev::to_plus: return "TOplus";
        case Ev::to_minus: return "TOminus";
        case Ev::rcr_plus: return "RCRplus";
        case Ev::rcr_minus: return "RCRminus";
        case Ev::rca: return "RCA";
        case Ev::rcn: return "RCN";
        case Ev::rtr: return "RTR";
        case Ev::rta: return "RTA";
        case Ev::ruc: return "RUC";
        case Ev::rxj_plus: return "RXJplus";
        case Ev::rxj_minus: return "RXJminus";
        case Ev::rxr: return "RXR";
    }
    return "?";
}

// How a row relates to the RFC's table.
enum class Kind : std::uint8_t {
    rfc,         // exactly the RFC's entry
    impossible,  // the RFC's "-": must be harmless (no send, no state change)
    pppd,        // deliberately pppd's behaviour instead; see the comment on the row
};

struct Row {
    FsmState state;
    Ev event;
    FsmState next;
    const char* actions;  // trace() of the outputs, e.g. "tld,scr,sca"
    Kind kind = Kind::rfc;
};

// Identifiers the "peer" uses, so replies can be checked to copy them (RFC 1661 §5.2-5.5).
constexpr std::uint8_t kPeerReqId = 0x60;
constexpr std::uint8_t kPeerTermId = 0x61;
constexpr std::uint8_t kPeerOtherId = 0x62;

// A fresh automaton plus what it last sent, driven by fake time.
class Harness {
public:
    explicit Harness(FsmConfig config) : fsm_(handler_, config) {}

    OptionFsm& fsm() { return fsm_; }
    ToyHandler& handler() { return handler_; }
    TimePoint now() const { return now_; }

    // Fires one event and returns its outputs (also remembered for the sent ConfReq/TermReq).
    FsmOutputs fire(Ev e) {
        FsmOutputs out;
        switch (e) {
            case Ev::up: fsm_.up(now_, out); break;
            case Ev::down: fsm_.down(out); break;
            case Ev::open: fsm_.open(now_, out); break;
            case Ev::close: fsm_.close("test close", now_, out); break;
            case Ev::to_plus:
            case Ev::to_minus:
                // Advance fake time to the deadline, or far ahead if no timer runs.
                now_ = fsm_.next_timeout().value_or(now_ + std::chrono::hours(1));
                fsm_.on_timeout(now_, out);
                break;
            case Ev::rcr_plus: input(Code::configure_request, kPeerReqId, hex("01 03 aa"), out); break;
            case Ev::rcr_minus: input(Code::configure_request, kPeerReqId, hex("02 03 00"), out); break;
            case Ev::rca: input(Code::configure_ack, request_id_, request_options_, out); break;
            case Ev::rcn: input(Code::configure_nak, request_id_, hex("01 03 20"), out); break;
            case Ev::rtr: input(Code::terminate_request, kPeerTermId, {}, out); break;
            case Ev::rta: input(Code::terminate_ack, term_id_, {}, out); break;
            case Ev::ruc: input_raw(hex("0e 62 00 06 de ad"), out); break;
            // Code-Reject of an Echo-Request: an extension the peer may refuse (RXJ+).
            case Ev::rxj_plus: input(Code::code_reject, kPeerOtherId, hex("09 05 00 08 00 00 00 00"), out); break;
            // Code-Reject of a Configure-Request: catastrophic (RXJ-).
            case Ev::rxj_minus: input(Code::code_reject, kPeerOtherId, hex("01 07 00 04"), out); break;
            case Ev::rxr: input(Code::echo_request, kPeerOtherId, hex("00 00 00 00"), out); break;
        }
        remember(out);
        return out;
    }

    // The fixed path into each state (all from Initial).
    void drive_to(FsmState s) {
        auto go = [&](std::initializer_list<Ev> evs) {
            for (Ev e : evs) fire(e);
        };
        switch (s) {
            case FsmState::initial: break;
            case FsmState::starting: go({Ev::open}); break;
            // Closed after a close handshake, so our last ConfReq (id 1) is still unanswered and
            // a matching RCA/RCN is a valid one (the table's sta/2 is then reachable).
            case FsmState::closed: go({Ev::open, Ev::up, Ev::close, Ev::rta}); break;
            case FsmState::stopped:
                go({Ev::open, Ev::up});
                for (int i = 0; i < 20 && fsm_.state() != FsmState::stopped; ++i) fire(Ev::to_minus);
                break;
            case FsmState::closing: go({Ev::open, Ev::up, Ev::close}); break;
            // Closing + Open: the restart counter is left (so TO+ is reachable) and our ConfReq
            // is still unanswered.
            case FsmState::stopping: go({Ev::open, Ev::up, Ev::close, Ev::open}); break;
            case FsmState::req_sent: go({Ev::open, Ev::up}); break;
            case FsmState::ack_rcvd: go({Ev::open, Ev::up, Ev::rca}); break;
            case FsmState::ack_sent: go({Ev::open, Ev::up, Ev::rcr_plus}); break;
            case FsmState::opened: go({Ev::open, Ev::up, Ev::rcr_plus, Ev::rca}); break;
        }
    }

    std::uint8_t request_id() const { return request_id_; }

private:
    void input(Code code, std::uint8_t id, const Bytes& data, FsmOutputs& out) {
        input_raw(build_control_packet(code, id, data), out);
    }
    void input_raw(const Bytes& pkt, FsmOutputs& out) { fsm_.input(pkt, now_, out); }
    void remember(const FsmOutputs& out) {
        for (const auto& s : test::events_of<SendPacket>(out)) {
            EXPECT_EQ(s.protocol, ToyHandler::kProtocol);
            auto p = ControlPacketView::parse(s.packet);
            ASSERT_TRUE(p) << "we sent a malformed packet";
            if (p->code == 1) {
                request_id_ = p->id;
                request_options_.assign(p->data.begin(), p->data.end());
            }
            if (p->code == 5) term_id_ = p->id;
        }
    }

    ToyHandler handler_;
    OptionFsm fsm_;
    TimePoint now_ = test::t0;
    std::uint8_t request_id_ = 0x99;  // nothing sent yet: an id no request has
    Bytes request_options_;
    std::uint8_t term_id_ = 0x98;
};

// TO- needs an exhausted restart counter. RCA's irc refills it in Ack-Rcvd, so TO- there is only
// reachable with Max-Configure 0; Max-Terminate 1 leaves no TermReq retransmission.
FsmConfig config_for(Ev e) {
    FsmConfig c;
    if (e == Ev::to_minus) {
        c.max_configure = 0;
        c.max_terminate = 1;
    }
    return c;
}

using S = FsmState;
constexpr Kind I = Kind::impossible;
constexpr Kind P = Kind::pppd;

// RFC 1661 §4.1, column by column. "r" (restart option) entries are implemented as no restart.
const Row kTable[] = {
    // --- 0 Initial ---------------------------------------------------------------------------
    {S::initial, Ev::up, S::closed, ""},
    {S::initial, Ev::down, S::initial, "", I},
    {S::initial, Ev::open, S::starting, "tls"},
    {S::initial, Ev::close, S::initial, ""},
    {S::initial, Ev::to_plus, S::initial, "", I},
    {S::initial, Ev::to_minus, S::initial, "", I},
    {S::initial, Ev::rcr_plus, S::initial, "", I},
    {S::initial, Ev::rcr_minus, S::initial, "", I},
    {S::initial, Ev::rca, S::initial, "", I},
    {S::initial, Ev::rcn, S::initial, "", I},
    {S::initial, Ev::rtr, S::initial, "", I},
    {S::initial, Ev::rta, S::initial, "", I},
    {S::initial, Ev::ruc, S::initial, "", I},
    {S::initial, Ev::rxj_plus, S::initial, "", I},
    {S::initial, Ev::rxj_minus, S::initial, "", I},
    {S::initial, Ev::rxr, S::initial, "", I},
    // --- 1 Starting --------------------------------------------------------------------------
    {S::starting, Ev::up, S::req_sent, "scr"},  // irc,scr/6
    {S::starting, Ev::down, S::starting, "", I},
    {S::starting, Ev::open, S::starting, ""},
    {S::starting, Ev::close, S::initial, "tlf"},
    {S::starting, Ev::to_plus, S::starting, "", I},
    {S::starting, Ev::to_minus, S::starting, "", I},
    {S::starting, Ev::rcr_plus, S::starting, "", I},
    {S::starting, Ev::rcr_minus, S::starting, "", I},
    {S::starting, Ev::rca, S::starting, "", I},
    {S::starting, Ev::rcn, S::starting, "", I},
    {S::starting, Ev::rtr, S::starting, "", I},
    {S::starting, Ev::rta, S::starting, "", I},
    {S::starting, Ev::ruc, S::starting, "", I},
    {S::starting, Ev::rxj_plus, S::starting, "", I},
    {S::starting, Ev::rxj_minus, S::starting, "", I},
    {S::starting, Ev::rxr, S::starting, "", I},
    // --- 2 Closed ----------------------------------------------------------------------------
    {S::closed, Ev::up, S::closed, "", I},
    {S::closed, Ev::down, S::initial, ""},
    {S::closed, Ev::open, S::req_sent, "scr"},  // irc,scr/6
    {S::closed, Ev::close, S::closed, ""},
    {S::closed, Ev::to_plus, S::closed, "", I},
    {S::closed, Ev::to_minus, S::closed, "", I},
    {S::closed, Ev::rcr_plus, S::closed, "sta"},
    {S::closed, Ev::rcr_minus, S::closed, "sta"},
    {S::closed, Ev::rca, S::closed, "sta"},
    {S::closed, Ev::rcn, S::closed, "sta"},
    {S::closed, Ev::rtr, S::closed, "sta"},
    {S::closed, Ev::rta, S::closed, ""},
    {S::closed, Ev::ruc, S::closed, "scj"},
    {S::closed, Ev::rxj_plus, S::closed, ""},
    {S::closed, Ev::rxj_minus, S::closed, "tlf"},
    {S::closed, Ev::rxr, S::closed, ""},
    // --- 3 Stopped ---------------------------------------------------------------------------
    {S::stopped, Ev::up, S::stopped, "", I},
    {S::stopped, Ev::down, S::starting, "tls"},
    {S::stopped, Ev::open, S::stopped, ""},  // 3r
    {S::stopped, Ev::close, S::closed, ""},
    {S::stopped, Ev::to_plus, S::stopped, "", I},
    {S::stopped, Ev::to_minus, S::stopped, "", I},
    {S::stopped, Ev::rcr_plus, S::ack_sent, "scr,sca"},   // irc,scr,sca/8
    {S::stopped, Ev::rcr_minus, S::req_sent, "scr,scn"},  // irc,scr,scn/6
    {S::stopped, Ev::rca, S::stopped, "sta"},
    {S::stopped, Ev::rcn, S::stopped, "sta"},
    {S::stopped, Ev::rtr, S::stopped, "sta"},
    {S::stopped, Ev::rta, S::stopped, ""},
    {S::stopped, Ev::ruc, S::stopped, "scj"},
    {S::stopped, Ev::rxj_plus, S::stopped, ""},
    {S::stopped, Ev::rxj_minus, S::stopped, "tlf"},
    {S::stopped, Ev::rxr, S::stopped, ""},
    // --- 4 Closing ---------------------------------------------------------------------------
    {S::closing, Ev::up, S::closing, "", I},
    {S::closing, Ev::down, S::initial, ""},
    {S::closing, Ev::open, S::stopping, ""},  // 5r
    {S::closing, Ev::close, S::closing, ""},
    {S::closing, Ev::to_plus, S::closing, "str"},
    {S::closing, Ev::to_minus, S::closed, "tlf"},
    {S::closing, Ev::rcr_plus, S::closing, ""},
    {S::closing, Ev::rcr_minus, S::closing, ""},
    {S::closing, Ev::rca, S::closing, ""},
    {S::closing, Ev::rcn, S::closing, ""},
    {S::closing, Ev::rtr, S::closing, "sta"},
    {S::closing, Ev::rta, S::closed, "tlf"},
    {S::closing, Ev::ruc, S::closing, "scj"},
    {S::closing, Ev::rxj_plus, S::closing, ""},
    {S::closing, Ev::rxj_minus, S::closed, "tlf"},
    {S::closing, Ev::rxr, S::closing, ""},
    // --- 5 Stopping --------------------------------------------------------------------------
    {S::stopping, Ev::up, S::stopping, "", I},
    {S::stopping, Ev::down, S::starting, ""},
    {S::stopping, Ev::open, S::stopping, ""},  // 5r
    {S::stopping, Ev::close, S::closing, ""},
    {S::stopping, Ev::to_plus, S::stopping, "str"},
    {S::stopping, Ev::to_minus, S::stopped, "tlf"},
    {S::stopping, Ev::rcr_plus, S::stopping, ""},
    {S::stopping, Ev::rcr_minus, S::stopping, ""},
    {S::stopping, Ev::rca, S::stopping, ""},
    {S::stopping, Ev::rcn, S::stopping, ""},
    {S::stopping, Ev::rtr, S::stopping, "sta"},
    {S::stopping, Ev::rta, S::stopped, "tlf"},
    {S::stopping, Ev::ruc, S::stopping, "scj"},
    {S::stopping, Ev::rxj_plus, S::stopping, ""},
    {S::stopping, Ev::rxj_minus, S::stopped, "tlf"},
    {S::stopping, Ev::rxr, S::stopping, ""},
    // --- 6 Req-Sent --------------------------------------------------------------------------
    {S::req_sent, Ev::up, S::req_sent, "", I},
    {S::req_sent, Ev::down, S::starting, ""},
    {S::req_sent, Ev::open, S::req_sent, ""},
    {S::req_sent, Ev::close, S::closing, "str"},  // irc,str/4
    {S::req_sent, Ev::to_plus, S::req_sent, "scr"},
    {S::req_sent, Ev::to_minus, S::stopped, "tlf"},  // tlf/3p
    {S::req_sent, Ev::rcr_plus, S::ack_sent, "sca"},
    {S::req_sent, Ev::rcr_minus, S::req_sent, "scn"},
    {S::req_sent, Ev::rca, S::ack_rcvd, ""},  // irc/7
    {S::req_sent, Ev::rcn, S::req_sent, "scr"},  // irc,scr/6
    {S::req_sent, Ev::rtr, S::req_sent, "sta"},
    {S::req_sent, Ev::rta, S::req_sent, ""},
    {S::req_sent, Ev::ruc, S::req_sent, "scj"},
    {S::req_sent, Ev::rxj_plus, S::req_sent, ""},
    {S::req_sent, Ev::rxj_minus, S::stopped, "tlf"},
    {S::req_sent, Ev::rxr, S::req_sent, ""},
    // --- 7 Ack-Rcvd --------------------------------------------------------------------------
    {S::ack_rcvd, Ev::up, S::ack_rcvd, "", I},
    {S::ack_rcvd, Ev::down, S::starting, ""},
    {S::ack_rcvd, Ev::open, S::ack_rcvd, ""},
    {S::ack_rcvd, Ev::close, S::closing, "str"},  // irc,str/4
    {S::ack_rcvd, Ev::to_plus, S::req_sent, "scr"},
    {S::ack_rcvd, Ev::to_minus, S::stopped, "tlf"},  // tlf/3p
    {S::ack_rcvd, Ev::rcr_plus, S::opened, "sca,tlu"},
    {S::ack_rcvd, Ev::rcr_minus, S::ack_rcvd, "scn"},
    // RFC: scr/6x. In Ack-Rcvd our request has already been answered (that is how we got
    // here), so a further Ack/Nak for it is a duplicate; pppd drops it (fsm.c seen_ack) and so
    // does the implementation. A *new* request always leaves Ack-Rcvd first.
    {S::ack_rcvd, Ev::rca, S::ack_rcvd, "", P},
    {S::ack_rcvd, Ev::rcn, S::ack_rcvd, "", P},
    {S::ack_rcvd, Ev::rtr, S::req_sent, "sta"},
    {S::ack_rcvd, Ev::rta, S::req_sent, ""},
    {S::ack_rcvd, Ev::ruc, S::ack_rcvd, "scj"},
    {S::ack_rcvd, Ev::rxj_plus, S::req_sent, ""},
    {S::ack_rcvd, Ev::rxj_minus, S::stopped, "tlf"},
    {S::ack_rcvd, Ev::rxr, S::ack_rcvd, ""},
    // --- 8 Ack-Sent --------------------------------------------------------------------------
    {S::ack_sent, Ev::up, S::ack_sent, "", I},
    {S::ack_sent, Ev::down, S::starting, ""},
    {S::ack_sent, Ev::open, S::ack_sent, ""},
    {S::ack_sent, Ev::close, S::closing, "str"},  // irc,str/4
    {S::ack_sent, Ev::to_plus, S::ack_sent, "scr"},
    {S::ack_sent, Ev::to_minus, S::stopped, "tlf"},  // tlf/3p
    {S::ack_sent, Ev::rcr_plus, S::ack_sent, "sca"},
    {S::ack_sent, Ev::rcr_minus, S::req_sent, "scn"},
    {S::ack_sent, Ev::rca, S::opened, "tlu"},  // irc,tlu/9
    {S::ack_sent, Ev::rcn, S::ack_sent, "scr"},  // irc,scr/8
    {S::ack_sent, Ev::rtr, S::req_sent, "sta"},
    {S::ack_sent, Ev::rta, S::ack_sent, ""},
    {S::ack_sent, Ev::ruc, S::ack_sent, "scj"},
    {S::ack_sent, Ev::rxj_plus, S::ack_sent, ""},
    {S::ack_sent, Ev::rxj_minus, S::stopped, "tlf"},
    {S::ack_sent, Ev::rxr, S::ack_sent, ""},
    // --- 9 Opened ----------------------------------------------------------------------------
    {S::opened, Ev::up, S::opened, "", I},
    {S::opened, Ev::down, S::starting, "tld"},
    {S::opened, Ev::open, S::opened, ""},  // 9r
    {S::opened, Ev::close, S::closing, "tld,str"},  // tld,irc,str/4
    {S::opened, Ev::to_plus, S::opened, "", I},
    {S::opened, Ev::to_minus, S::opened, "", I},
    {S::opened, Ev::rcr_plus, S::ack_sent, "tld,scr,sca"},
    {S::opened, Ev::rcr_minus, S::req_sent, "tld,scr,scn"},
    // RFC: tld,scr/6x. As in Ack-Rcvd, our request was answered before we opened, so an Ack or
    // Nak with its identifier is a duplicate and is dropped (pppd). The link stays up.
    {S::opened, Ev::rca, S::opened, "", P},
    {S::opened, Ev::rcn, S::opened, "", P},
    {S::opened, Ev::rtr, S::stopping, "tld,sta"},  // tld,zrc,sta/5
    {S::opened, Ev::rta, S::req_sent, "tld,scr"},
    {S::opened, Ev::ruc, S::opened, "scj"},
    {S::opened, Ev::rxj_plus, S::opened, ""},
    {S::opened, Ev::rxj_minus, S::stopping, "tld,str"},  // tld,irc,str/5
    {S::opened, Ev::rxr, S::opened, "ser"},
};

std::string row_name(const testing::TestParamInfo<Row>& info) {
    std::string s(to_string(info.param.state));
    std::erase(s, '-');
    return s + "_" + std::string(ev_name(info.param.event));
}

class Rfc1661_4_1_StateTable : public testing::TestWithParam<Row> {};

TEST_P(Rfc1661_4_1_StateTable, Transition) {
    const Row& row = GetParam();
    Harness h(config_for(row.event));
    h.drive_to(row.state);
    ASSERT_EQ(h.fsm().state(), row.state) << "could not drive the automaton into the row's state";

    const bool peer_packet = row.event >= Ev::rcr_plus;
    const std::uint8_t our_request_id = h.request_id();
    const FsmOutputs out = h.fire(row.event);

    EXPECT_EQ(h.fsm().state(), row.next) << "next state (RFC 1661 §4.1)";
    EXPECT_EQ(trace(out), row.actions) << "actions (RFC 1661 §4.4)";

    // Replies copy the Identifier of the packet they answer (RFC 1661 §5.2-5.5).
    for (const auto& p : test::sent(out)) {
        const std::string a = test::action_name(SendPacket{0, p});
        if (a == "sca" || a == "scn" || a == "sta") {
            ASSERT_TRUE(peer_packet);
            const std::uint8_t expected = row.event == Ev::rtr ? kPeerTermId
                                          : (row.event == Ev::rca || row.event == Ev::rcn) ? our_request_id
                                                                                          : kPeerReqId;
            EXPECT_EQ(p[1], expected) << a;
        }
    }

    if (row.kind == Kind::impossible) {
        EXPECT_TRUE(test::sent(out).empty());
        EXPECT_EQ(h.fsm().state(), row.state);
    }
}

INSTANTIATE_TEST_SUITE_P(AllRows, Rfc1661_4_1_StateTable, testing::ValuesIn(kTable), row_name);

// The table above really is the whole table: 10 states x 16 events, each exactly once.
TEST(Rfc1661_4_1, TableCoversEveryStateAndEventOnce) {
    std::set<std::pair<FsmState, Ev>> seen;
    for (const Row& r : kTable) EXPECT_TRUE(seen.insert({r.state, r.event}).second) << row_name(testing::TestParamInfo<Row>(r, 0));
    EXPECT_EQ(seen.size(), kAllStates.size() * kAllEvents.size());
}

// RFC 1661 §4.6: the Restart timer runs exactly in the states that wait for an answer.
TEST(Rfc1661_4_6, RestartTimerRunsOnlyWhileAwaitingAReply) {
    const std::map<FsmState, bool> runs = {
        {S::initial, false}, {S::starting, false}, {S::closed, false},  {S::stopped, false},
        {S::closing, true},  {S::stopping, true},  {S::req_sent, true}, {S::ack_rcvd, true},
        {S::ack_sent, true}, {S::opened, false}};
    for (auto [state, expected] : runs) {
        Harness h(FsmConfig{});
        h.drive_to(state);
        EXPECT_EQ(h.fsm().next_timeout().has_value(), expected) << to_string(state);
    }
}

// Timeouts in states without a running timer do nothing, even far in the future.
TEST(Rfc1661_4_6, TimeoutWithoutTimerIsIgnored) {
    for (FsmState s : {S::initial, S::starting, S::closed, S::stopped, S::opened}) {
        Harness h(FsmConfig{});
        h.drive_to(s);
        FsmOutputs out;
        h.fsm().on_timeout(h.now() + std::chrono::hours(24), out);
        EXPECT_TRUE(out.empty()) << to_string(s) << ": " << trace(out);
        EXPECT_EQ(h.fsm().state(), s);
    }
}

// RXJ- also arrives as LCP Protocol-Reject for this protocol (RFC 1661 §5.7); it follows the
// same column of the table as a catastrophic Code-Reject.
TEST(Rfc1661_4_1, ProtocolRejectIsRxjMinusInEveryState) {
    for (const Row& row : kTable) {
        if (row.event != Ev::rxj_minus) continue;
        Harness h(FsmConfig{});
        h.drive_to(row.state);
        FsmOutputs out;
        h.fsm().protocol_rejected(h.now(), out);
        EXPECT_EQ(h.fsm().state(), row.next) << to_string(row.state);
        EXPECT_EQ(trace(out), row.actions) << to_string(row.state);
    }
}

// Down cancels the timer wherever it leads (RFC 1661 §4.6: the timer only runs while waiting).
TEST(Rfc1661_4_1, DownStopsTheRestartTimer) {
    for (FsmState s : {S::closing, S::stopping, S::req_sent, S::ack_rcvd, S::ack_sent}) {
        Harness h(FsmConfig{});
        h.drive_to(s);
        ASSERT_TRUE(h.fsm().next_timeout());
        h.fire(Ev::down);
        EXPECT_FALSE(h.fsm().next_timeout()) << to_string(s);
    }
}

TEST(Rfc1661_4_2, StateNamesAreTheRfcs) {
    const char* names[] = {"Initial",  "Starting", "Closed",   "Stopped",  "Closing",
                           "Stopping", "Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened"};
    for (std::size_t i = 0; i < kAllStates.size(); ++i) EXPECT_EQ(to_string(kAllStates[i]), names[i]);
}

}  // namespace
}  // namespace ec20ppp::ppp
