// ChatEngine and AtResponder wired together in memory: the dialer against the simulated EC20, for
// the default configuration and for each fault, with the outcome each must have.
#include <gtest/gtest.h>

#include "chat/engine.hpp"
#include "chat/script_parser.hpp"
#include "sim/at_responder.hpp"

namespace ec20ppp {
namespace {

using chat::AbortReason;
using chat::Outcome;
using std::chrono::seconds;

// The first bytes the modem's PPP side sends after CONNECT (an LCP Configure-Request's start).
const std::string kPpp = "~\xff}#\xc0!}!}!} }8}\"}&} } } } ~";

struct Wire {
    Wire(chat::Script script, sim::SimConfig config) : chat(std::move(script)), modem(std::move(config)) {}

    chat::ChatEngine chat;
    sim::AtResponder modem;
    const TimePoint start = TimePoint{} + std::chrono::hours{1};
    TimePoint now = start;
    chat::ChatOutputs chat_out;
    sim::SimOutputs sim_out;
    std::size_t chat_seen = 0, sim_seen = 0;
    bool bytewise = false;  // one byte per read, both ways

    template <class Feed>
    void deliver(std::string_view bytes, Feed feed) {
        if (!bytewise) {
            feed(as_bytes(bytes));
            return;
        }
        for (std::size_t i = 0; i < bytes.size(); ++i) feed(as_bytes(bytes.substr(i, 1)));
    }

    // Moves bytes both ways until both sides are quiet.
    void pump() {
        for (bool moved = true; moved;) {
            moved = false;
            while (chat_seen < chat_out.size()) {
                if (const auto* s = std::get_if<chat::SendText>(&chat_out[chat_seen++])) {
                    deliver(s->text, [&](ByteView b) { modem.feed(b, now, sim_out); });
                    moved = true;
                }
            }
            // Everything the modem sent in this round reaches the dialer as one read, so the first
            // PPP bytes arrive in the same read as CONNECT, as they can on a real port.
            std::string to_chat;
            while (sim_seen < sim_out.size()) {
                const auto& e = sim_out[sim_seen++];
                if (const auto* b = std::get_if<sim::SendBytes>(&e)) to_chat.append(b->bytes.begin(), b->bytes.end());
                if (std::holds_alternative<sim::EnterDataMode>(e)) to_chat += kPpp;
            }
            if (!to_chat.empty()) {
                deliver(to_chat, [&](ByteView b) { chat.feed(b, now, chat_out); });
                moved = true;
            }
        }
    }

    void run() {
        chat.start(now, chat_out);
        pump();
        while (!chat.done()) {
            auto t = earliest(chat.next_timeout(), modem.next_timeout());
            ASSERT_TRUE(t) << "both sides wait for the other";
            ASSERT_LT(*t - start, std::chrono::minutes{10}) << "runaway";
            now = std::max(now, *t);
            chat.on_timeout(now, chat_out);
            modem.on_timeout(now, sim_out);
            pump();
        }
    }

    Duration elapsed() const { return std::chrono::duration_cast<Duration>(now - start); }
    template <class T>
    std::optional<T> last() const {
        std::optional<T> found;
        for (const auto& e : chat_out)
            if (const auto* x = std::get_if<T>(&e)) found = *x;
        return found;
    }
    std::vector<std::string> progress() const {
        std::vector<std::string> v;
        for (const auto& e : chat_out)
            if (const auto* p = std::get_if<chat::Progress>(&e)) v.push_back(p->message);
        return v;
    }
};

chat::Script dial_script(std::string_view apn = "3gnet", chat::PdpType pdp = chat::PdpType::Ip) {
    auto s = chat::build_default_script(apn, pdp);
    EXPECT_TRUE(s);
    return s ? s.value() : chat::Script{};
}

TEST(sim_chat_dialogue, default_modem_connects) {
    for (bool bytewise : {false, true}) {
        SCOPED_TRACE(bytewise ? "bytewise" : "whole reads");
        Wire w(dial_script(), {});
        w.bytewise = bytewise;
        w.run();
        ASSERT_EQ(w.chat.outcome(), Outcome::Connected);
        auto c = w.last<chat::Connected>();
        EXPECT_EQ(c->result, "CONNECT 150000000");
        EXPECT_EQ(c->speed, 150000000u);
        Bytes left = w.chat.take_leftover();
        EXPECT_EQ(std::string(left.begin(), left.end()), kPpp);
        EXPECT_TRUE(w.modem.in_data_mode());
        EXPECT_EQ(w.modem.apn(), "3gnet");
        EXPECT_EQ(w.modem.command_lines(),
                  (std::vector<std::string>{"AT", "ATE0", "ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2",
                                            "AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0", "ATD*99#"}));
        const chat::ModemInfo& m = w.chat.modem();
        EXPECT_EQ(m.manufacturer, "Quectel");
        EXPECT_EQ(m.model, "EC20F");
        EXPECT_EQ(m.revision, "EC20CEHDLGR06A05M1G");
        EXPECT_EQ(m.subedition, "V03");
        EXPECT_EQ(m.signal->dbm(), -51);
        EXPECT_EQ(m.network->name, "CHN-UNICOM");
        EXPECT_EQ(w.elapsed(), Duration::zero());
    }
}

TEST(sim_chat_dialogue, apn_and_pdp_type_reach_the_modem) {
    Wire w(dial_script("internet", chat::PdpType::Ipv4v6), {});
    w.run();
    EXPECT_EQ(w.chat.outcome(), Outcome::Connected);
    EXPECT_EQ(w.modem.context(1), (sim::PdpContext{1, "IPV4V6", "internet"}));
}

TEST(sim_chat_dialogue, modem_framing_with_lone_cr_and_boot_urcs) {
    Wire w(dial_script(), sim::SimConfig{.eol = "\r"});
    w.chat.start(w.now, w.chat_out);
    w.modem.power_on(w.sim_out);  // RDY, +CFUN, +CPIN: READY, ... before the answer to AT
    w.run();
    EXPECT_EQ(w.chat.outcome(), Outcome::Connected);
    Bytes left = w.chat.take_leftover();
    EXPECT_EQ(std::string(left.begin(), left.end()), kPpp);
}

struct Fault {
    const char* name;
    sim::SimConfig config;
    Outcome outcome;
    std::optional<AbortReason> reason;
    const char* message_start;
    Duration elapsed;
};

TEST(sim_chat_dialogue, each_fault_has_its_outcome) {
    const std::vector<Fault> faults{
        {"no SIM",
         {.sim = sim::SimCard::Missing},
         Outcome::Aborted,
         AbortReason::SimMissing,
         "no SIM card: insert a SIM and power-cycle the modem",
         seconds{0}},
        {"no SIM, verbose errors",
         {.sim = sim::SimCard::Missing, .cmee = 2},
         Outcome::Aborted,
         AbortReason::SimMissing,
         "no SIM card",
         seconds{0}},
        {"no SIM, +CMEE=0 hides why",
         {.sim = sim::SimCard::Missing, .cmee = 0},
         Outcome::Aborted,
         AbortReason::CommandError,
         "the modem answered ERROR to ATI;",
         seconds{0}},
        {"PIN",
         {.sim = sim::SimCard::PinRequired},
         Outcome::Aborted,
         AbortReason::SimPinRequired,
         "the SIM needs its PIN (+CPIN: SIM PIN)",
         seconds{0}},
        {"PUK",
         {.sim = sim::SimCard::PukRequired},
         Outcome::Aborted,
         AbortReason::SimPukRequired,
         "the SIM is blocked and needs its PUK",
         seconds{0}},
        {"never registers",
         {.unregistered_queries = std::nullopt},
         Outcome::Aborted,
         AbortReason::NotRegistered,
         "not registered after 60 s: check antenna and coverage",
         seconds{60}},
        {"registration denied",
         {.unregistered_queries = std::nullopt, .unregistered_stat = 3},
         Outcome::Aborted,
         AbortReason::RegistrationDenied,
         "registration denied by the network",
         seconds{0}},
        {"registers after 3 queries", {.unregistered_queries = 3}, Outcome::Connected, std::nullopt, "", seconds{6}},
        {"NO CARRIER",
         {.dial = sim::DialResult::NoCarrier},
         Outcome::Aborted,
         AbortReason::DialRefused,
         "dial refused: NO CARRIER (check the APN)",
         seconds{0}},
        {"BUSY",
         {.dial = sim::DialResult::Busy},
         Outcome::Aborted,
         AbortReason::DialRefused,
         "dial refused: BUSY",
         seconds{0}},
        {"NO ANSWER",
         {.dial = sim::DialResult::NoAnswer},
         Outcome::Aborted,
         AbortReason::DialRefused,
         "dial refused: NO ANSWER",
         seconds{0}},
        {"NO DIALTONE",
         {.dial = sim::DialResult::NoDialtone},
         Outcome::Aborted,
         AbortReason::DialRefused,
         "dial refused: NO DIALTONE",
         seconds{0}},
        {"ERROR on dial",
         {.dial = sim::DialResult::Error},
         Outcome::Aborted,
         AbortReason::CommandError,
         "the modem answered ERROR to ATD*99#: the data call was refused",
         seconds{0}},
        {"ERROR on CGDCONT",
         {.cgdcont_error = true},
         Outcome::Aborted,
         AbortReason::CommandError,
         "the modem answered ERROR to AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0: check the APN and the PDP type",
         seconds{0}},
        {"still booting for 2 lines", {.ignore_first_lines = 2}, Outcome::Connected, std::nullopt, "", seconds{6}},
        {"never boots",
         {.ignore_first_lines = 100},
         Outcome::TimedOut,
         std::nullopt,
         "the modem did not answer AT (5 tries, 15 s)",
         seconds{15}},
    };
    for (const Fault& f : faults) {
        SCOPED_TRACE(f.name);
        Wire w(dial_script(), f.config);
        w.run();
        EXPECT_EQ(w.chat.outcome(), f.outcome);
        EXPECT_EQ(w.elapsed(), f.elapsed);
        std::string message;
        if (auto a = w.last<chat::Aborted>()) {
            EXPECT_EQ(f.reason, a->reason);
            message = a->message;
        } else if (auto t = w.last<chat::TimedOut>()) {
            message = t->message;
        } else {
            EXPECT_FALSE(f.reason);
        }
        EXPECT_EQ(message.rfind(f.message_start, 0), 0u) << message;
        EXPECT_EQ(w.modem.in_data_mode(), f.outcome == Outcome::Connected);
    }
}

TEST(sim_chat_dialogue, registration_wait_reports_progress) {
    Wire w(dial_script(), sim::SimConfig{.unregistered_queries = 3});
    w.run();
    ASSERT_EQ(w.chat.outcome(), Outcome::Connected);
    // +CGREG? answers "searching" in ATI;... (0 s), at 3 s and at 6 s; the +CEREG? after the third
    // answer already sees the registration.
    auto p = w.progress();
    ASSERT_EQ(p.size(), 3u);
    EXPECT_EQ(p[0], "not registered yet (searching, +CGREG: 0,2, signal -51 dBm): waiting up to 60 s for the network");
    EXPECT_EQ(p[1], "still not registered (searching, +CEREG: 0,2, signal -51 dBm), 3 s of 60 s");
    EXPECT_EQ(p[2], "registered after 6 s (registered (home), +CEREG: 0,1, signal -51 dBm)");
    EXPECT_EQ(w.modem.registration_queries(), 3);
}

TEST(sim_chat_dialogue, never_registers_polls_for_the_whole_limit) {
    Wire w(dial_script(), sim::SimConfig{.unregistered_queries = std::nullopt});
    w.run();
    EXPECT_EQ(w.modem.registration_queries(), 21);  // the one in ATI;... and one every 3 s for 60 s
}

TEST(sim_chat_dialogue, info_query) {
    Wire w(chat::build_info_script(), {});
    w.run();
    ASSERT_EQ(w.chat.outcome(), Outcome::Finished);
    const chat::ModemInfo& m = w.chat.modem();
    EXPECT_EQ(m.manufacturer, "Quectel");
    EXPECT_EQ(m.model, "EC20F");
    EXPECT_EQ(m.revision, "EC20CEHDLGR06A05M1G");
    EXPECT_EQ(m.subedition, "V03");
    EXPECT_EQ(m.sim, chat::SimStatus::Ready);
    EXPECT_EQ(m.network->name, "CHN-UNICOM");
    EXPECT_EQ(m.cgreg->status, chat::RegStatus::Home);
    EXPECT_EQ(m.cereg->status, chat::RegStatus::Home);
    EXPECT_FALSE(w.modem.in_data_mode());
}

TEST(sim_chat_dialogue, info_query_without_sim_still_finishes) {
    Wire w(chat::build_info_script(), sim::SimConfig{.sim = sim::SimCard::Missing});
    w.run();
    ASSERT_EQ(w.chat.outcome(), Outcome::Finished);
    EXPECT_EQ(w.chat.modem().sim, chat::SimStatus::NotInserted);
    EXPECT_EQ(w.chat.modem().cgreg->status, chat::RegStatus::NotRegistered);
    EXPECT_EQ(w.chat.modem().network->name, "");
}

TEST(sim_chat_dialogue, quectel_chat_script_file) {
    auto script = chat::parse_chat_script(
        "ABORT BUSY ABORT 'NO CARRIER' ABORT 'NO DIALTONE' ABORT ERROR ABORT 'NO ANSWER'\n"
        "TIMEOUT 30\n"
        "'' AT\n"
        "OK ATE0\n"
        "OK ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2\n"
        "OK AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0\n"
        "OK ATD*99#\n"
        "CONNECT\n");
    ASSERT_TRUE(script) << script.error().to_string();
    Wire w(script.value(), {});
    w.run();
    ASSERT_EQ(w.chat.outcome(), Outcome::Connected);
    Bytes left = w.chat.take_leftover();
    EXPECT_EQ(std::string(left.begin(), left.end()), " 150000000\r\n" + kPpp);
    EXPECT_EQ(w.modem.apn(), "3gnet");

    Wire refused(script.value(), sim::SimConfig{.dial = sim::DialResult::NoCarrier});
    refused.run();
    EXPECT_EQ(refused.last<chat::Aborted>()->reason, AbortReason::DialRefused);
}

}  // namespace
}  // namespace ec20ppp
