// ChatEngine: the real EC20 transcript replayed, split anywhere, with URCs, faults and fake time.
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "chat/script_parser.hpp"
#include "chat_harness.hpp"

namespace ec20ppp::chat {
namespace {

using namespace testing;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::vector<std::string> kGoldenSends{"AT\r", "ATE0\r", std::string(kCmdAti), std::string(kCmdCgdcont),
                                            "ATD*99#\r"};

std::vector<std::string> golden_replies() {
    return {std::string(kReplyAt), std::string(kReplyAte0), std::string(kReplyAti), std::string(kReplyCgdcont),
            std::string(kReplyDial) + kPppStart};
}

using Pieces = std::function<std::vector<std::string>(const std::string& reply, std::size_t step)>;

// Answers each command with `replies[step]`, cut into the pieces `pieces` makes.
void play(Harness& h, const std::vector<std::string>& replies, const Pieces& pieces) {
    h.start();
    for (std::size_t step = 0; step < replies.size() && !h.engine.done(); ++step) {
        ASSERT_EQ(h.sent().size(), step + 1) << "step " << step;
        for (const std::string& piece : pieces(replies[step], step)) h.feed(piece);
    }
}

Pieces whole() {
    return [](const std::string& r, std::size_t) { return std::vector<std::string>{r}; };
}

void expect_golden_result(Harness& h) {
    EXPECT_EQ(h.sent(), kGoldenSends);
    ASSERT_EQ(h.engine.outcome(), Outcome::Connected);
    auto c = h.last<Connected>();
    ASSERT_TRUE(c);
    EXPECT_EQ(c->result, "CONNECT 150000000");
    EXPECT_EQ(c->speed, 150000000u);
    EXPECT_EQ(h.leftover(), kPppStart);  // the first PPP bytes, not one byte more or less
    const ModemInfo& m = h.engine.modem();
    EXPECT_EQ(m.manufacturer, "Quectel");
    EXPECT_EQ(m.model, "EC20F");
    EXPECT_EQ(m.revision, "EC20CEHDLGR06A05M1G");
    EXPECT_EQ(m.subedition, "V03");
    EXPECT_EQ(m.signal, (SignalQuality{31, 99}));
    EXPECT_EQ(m.sim, SimStatus::Ready);
    ASSERT_TRUE(m.network);
    EXPECT_EQ(m.network->name, "CHN-UNICOM");
    EXPECT_EQ(m.network->act, AccessTechnology::EUtran);
    ASSERT_TRUE(m.cgreg);
    EXPECT_EQ(m.cgreg->status, RegStatus::Home);
    EXPECT_EQ(h.all<Aborted>().size(), 0u);
    EXPECT_EQ(h.all<TimedOut>().size(), 0u);
    EXPECT_EQ(h.engine.next_timeout(), std::nullopt);
}

// ---- the golden transcript ---------------------------------------------------------------------

TEST(chat_engine, golden_transcript_whole_replies) {
    Harness h(default_script());
    play(h, golden_replies(), whole());
    expect_golden_result(h);
    EXPECT_EQ(h.all<Matched>().size(), 5u);
}

TEST(chat_engine, golden_transcript_split_at_every_byte_position) {
    const auto replies = golden_replies();
    for (std::size_t step = 0; step < replies.size(); ++step) {
        for (std::size_t cut = 0; cut <= replies[step].size(); ++cut) {
            SCOPED_TRACE("step " + std::to_string(step) + " cut " + std::to_string(cut));
            Harness h(default_script());
            play(h, replies, [&](const std::string& r, std::size_t s) {
                if (s != step) return std::vector<std::string>{r};
                return std::vector<std::string>{r.substr(0, cut), r.substr(cut)};
            });
            expect_golden_result(h);
        }
    }
}

TEST(chat_engine, golden_transcript_one_byte_per_read_and_chat_v_log) {
    Harness h(default_script());
    play(h, golden_replies(), [](const std::string& r, std::size_t) {
        std::vector<std::string> v;
        for (char c : r) v.emplace_back(1, c);
        return v;
    });
    expect_golden_result(h);
    const std::vector<std::string> head{"abort on (BUSY)",
                                        "abort on (NO CARRIER)",
                                        "abort on (NO DIALTONE)",
                                        "abort on (ERROR)",
                                        "abort on (NO ANSWER)",
                                        "send (AT^M)",
                                        "timeout set to 3 s",
                                        "expect (OK)",
                                        "AT^M^M",
                                        "OK^M -- got it",
                                        "send (ATE0^M)",
                                        "timeout set to 30 s",
                                        "expect (OK)",
                                        "ATE0^M^M",
                                        "OK^M -- got it",
                                        "send (ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2^M)",
                                        "expect (OK)",
                                        "^M",
                                        "Quectel^M",
                                        "EC20F^M"};
    auto logs = h.logs();
    ASSERT_GE(logs.size(), head.size());
    EXPECT_EQ(std::vector<std::string>(logs.begin(), logs.begin() + static_cast<std::ptrdiff_t>(head.size())), head);
    EXPECT_EQ(logs.back(), "CONNECT 150000000^M -- got it");
}

TEST(chat_engine, golden_transcript_random_reads) {
    std::mt19937 rng(20240621);
    for (int round = 0; round < 200; ++round) {
        Harness h(default_script());
        play(h, golden_replies(), [&](const std::string& r, std::size_t) {
            std::vector<std::string> v;
            std::size_t pos = 0;
            while (pos < r.size()) {
                std::size_t n = std::uniform_int_distribution<std::size_t>(1, 9)(rng);
                v.push_back(r.substr(pos, n));
                pos += n;
            }
            return v;
        });
        expect_golden_result(h);
    }
}

// ---- tolerance ---------------------------------------------------------------------------------

TEST(chat_engine, V250_urcs_between_and_before_replies) {
    Harness h(default_script());
    const std::vector<std::string> replies{
        "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\nAT\r\r\n+QIND: SMS DONE\r\n\r\nOK\r\n",
        "ATE0\r\r\nOK\r\n\r\n+QIND: PB DONE\r\n",
        "\r\nRING\r\n\r\n+CREG: 1\r\n" + std::string(kReplyAti),
        "\r\n+CGREG: 1\r\n\r\nOK\r\n",
        "\r\nRING\r\n\r\n+CGEV: ME PDN ACT 1\r\n\r\nCONNECT 150000000\r\n" + kPppStart,
    };
    play(h, replies, whole());
    expect_golden_result(h);
    ASSERT_TRUE(h.engine.modem().creg);
    EXPECT_FALSE(h.engine.modem().creg->n);  // URC form
    EXPECT_EQ(h.engine.modem().creg->status, RegStatus::Home);
}

TEST(chat_engine, V250_lone_cr_lf_only_and_blank_lines) {
    auto replace_all = [](std::string s, std::string_view from, std::string_view to) {
        for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size())
            s.replace(p, from.size(), to);
        return s;
    };
    for (std::string_view eol : {"\r", "\n", "\r\n\r\n", "\n\r"}) {
        SCOPED_TRACE("eol " + chat_visible(eol));
        auto replies = golden_replies();
        for (auto& r : replies) r = replace_all(r, "\r\n", eol);
        Harness h(default_script());
        play(h, replies, whole());
        expect_golden_result(h);
    }
}

TEST(chat_engine, result_line_matching_ignores_ok_inside_information_text) {
    Harness h(default_script());
    std::string ati = std::string(kReplyAti);
    ati.replace(ati.find("CHN-UNICOM"), 10, "OK");
    ati.replace(ati.find("+CGREG: 0,1"), 11, "+CGREG: 0,5");
    play(h, {std::string(kReplyAt), std::string(kReplyAte0), ati, std::string(kReplyCgdcont)}, whole());
    // The step did not end at +COPS: ..."OK"...; it read +CGREG too, so no registration wait.
    EXPECT_EQ(h.engine.modem().network->name, "OK");
    EXPECT_EQ(h.engine.modem().cgreg->status, RegStatus::Roaming);
    EXPECT_EQ(h.last_sent(), "ATD*99#\r");
    EXPECT_TRUE(h.progress().empty());
}

TEST(chat_engine, hostile_bytes_do_not_break_the_engine) {
    std::mt19937 rng(7);
    for (Matching m : {Matching::ResultLine, Matching::Substring}) {
        Script s = default_script();
        s.matching = m;
        Harness h(s);
        h.start();
        std::string noise(20000, '\0');
        for (char& c : noise) c = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
        for (char& c : noise)
            if (c == 'O' || c == 'E' || c == 'B' || c == 'N' || c == '+') c = 'x';  // no accidental results
        h.feed(noise);
        h.feed(std::string(3000, 'A'));  // an overlong line
        h.feed("\r\nOK\r\n");
        EXPECT_EQ(h.last_sent(), "ATE0\r");
    }
}

// ---- aborts ------------------------------------------------------------------------------------

void to_ati(Harness& h) {
    h.start();
    h.feed(kReplyAt);
    h.feed(kReplyAte0);
    ASSERT_EQ(h.last_sent(), kCmdAti);
}

void to_dial(Harness& h) {
    to_ati(h);
    h.feed(kReplyAti);
    h.feed(kReplyCgdcont);
    ASSERT_EQ(h.last_sent(), "ATD*99#\r");
}

Aborted aborted(const Harness& h) {
    EXPECT_EQ(h.engine.outcome(), Outcome::Aborted);
    EXPECT_TRUE(h.engine.done());
    EXPECT_EQ(h.engine.next_timeout(), std::nullopt);
    EXPECT_EQ(h.all<Aborted>().size(), 1u);
    return h.last<Aborted>().value_or(Aborted{});
}

TEST(chat_engine, Ts27007_9_2_no_sim_fails_fast) {
    Harness h(default_script());
    to_ati(h);
    // The EC20 stops the command line at +CPIN? and answers with the error (+CMEE=1).
    h.feed(
        "\r\nQuectel\r\nEC20F\r\nRevision: EC20CEHDLGR06A05M1G\r\n\r\nSubEdition: V03\r\n\r\n+CSQ: 31,99\r\n"
        "\r\n+CME ERROR: 10\r\n");
    auto a = aborted(h);
    EXPECT_EQ(a.reason, AbortReason::SimMissing);
    EXPECT_EQ(a.message, "no SIM card: insert a SIM and power-cycle the modem");
    EXPECT_EQ(h.engine.modem().sim, SimStatus::NotInserted);
    EXPECT_EQ(h.engine.modem().model, "EC20F");
    EXPECT_EQ(h.sent().size(), 3u);
}

TEST(chat_engine, Ts27007_9_2_verbose_no_sim) {
    Harness h(default_script());
    to_ati(h);
    h.feed("\r\n+CME ERROR: SIM not inserted\r\n");
    EXPECT_EQ(aborted(h).reason, AbortReason::SimMissing);
}

TEST(chat_engine, quectel_sim_removed_urc_fails_fast) {
    Harness h(default_script());
    h.start();
    h.feed("\r\n+CPIN: NOT INSERTED\r\n");
    EXPECT_EQ(aborted(h).reason, AbortReason::SimMissing);
}

TEST(chat_engine, Ts27007_8_3_pin_and_puk_fail_before_the_ok) {
    for (auto [line, reason, word] : {std::tuple{"+CPIN: SIM PIN", AbortReason::SimPinRequired, "PIN"},
                                      std::tuple{"+CPIN: SIM PUK", AbortReason::SimPukRequired, "PUK"},
                                      std::tuple{"+CPIN: PH-NET PIN", AbortReason::SimError, "locked"}}) {
        SCOPED_TRACE(line);
        Harness h(default_script());
        to_ati(h);
        h.feed("\r\nQuectel\r\nEC20F\r\nRevision: R\r\n\r\nSubEdition: V03\r\n\r\n+CSQ: 31,99\r\n\r\n");
        h.feed(std::string(line) + "\r\n");  // no OK yet
        auto a = aborted(h);
        EXPECT_EQ(a.reason, reason);
        EXPECT_NE(a.message.find(word), std::string::npos) << a.message;
        EXPECT_NE(a.message.find(line + 7), std::string::npos) << a.message;  // quotes what the modem said
    }
}

TEST(chat_engine, error_on_cgdcont_names_the_command) {
    Harness h(default_script());
    to_ati(h);
    h.feed(kReplyAti);
    ASSERT_EQ(h.last_sent(), kCmdCgdcont);
    h.feed("\r\nERROR\r\n");
    auto a = aborted(h);
    EXPECT_EQ(a.reason, AbortReason::CommandError);
    EXPECT_EQ(a.message,
              "the modem answered ERROR to AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0: check the APN and the PDP type");
}

TEST(chat_engine, error_on_ate0) {
    Harness h(default_script());
    h.start();
    h.feed(kReplyAt);
    h.feed("\r\nERROR\r\n");
    auto a = aborted(h);
    EXPECT_EQ(a.reason, AbortReason::CommandError);
    EXPECT_EQ(a.message, "the modem answered ERROR to ATE0");
}

// V.250 §6.3.1: only a dial (D, A, O) is answered by NO CARRIER & co. One arriving while the
// opening AT waits is the previous call's end, still in flight when the port was opened: the
// dial goes on (it used to fail with "dial refused" when a dialer restarted right after a call).
TEST(chat_engine, V250_6_3_1_stale_call_result_before_dialing_is_ignored) {
    for (const char* stale : {"NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE"}) {
        SCOPED_TRACE(stale);
        Harness h(default_script());
        h.start();
        ASSERT_EQ(h.sent(), (std::vector<std::string>{"AT\r"}));
        h.feed("\r\n" + std::string(stale) + "\r\n");
        EXPECT_EQ(h.sent().size(), 1u) << "still waiting for the AT's OK";
        h.feed(kReplyAt);
        ASSERT_EQ(h.sent().size(), 2u) << "went on to ATE0";
        EXPECT_EQ(h.sent()[1], "ATE0\r");
        const auto logs = h.logs();
        EXPECT_NE(std::find(logs.begin(), logs.end(),
                            "ignored " + std::string(stale) + ": left over from an earlier call (only a dial answers that)"),
                  logs.end());
    }
}

// chat(8) scripts keep chat(8)'s meaning: an ABORT string aborts whenever it arrives.
TEST(chat_engine, chat8_script_aborts_on_no_carrier_before_dialing) {
    Harness h(parse_chat_script("ABORT 'NO CARRIER' '' AT OK ATD*99# CONNECT").value());
    h.start();
    h.feed("\r\nNO CARRIER\r\n");
    EXPECT_EQ(aborted(h).reason, AbortReason::DialRefused);
}

TEST(chat_engine, V250_6_3_1_dial_refused) {
    for (auto [result, message] :
         {std::pair{"NO CARRIER", "dial refused: NO CARRIER (check the APN)"},
          std::pair{"BUSY", "dial refused: BUSY (the network is congested or data calls are barred; try again later)"},
          std::pair{"NO ANSWER",
                    "dial refused: NO ANSWER (the network did not answer; check the signal and try again)"},
          std::pair{"NO DIALTONE",
                    "dial refused: NO DIALTONE (no network service; check the antenna and registration)"}}) {
        SCOPED_TRACE(result);
        Harness h(default_script());
        to_dial(h);
        h.feed("\r\n" + std::string(result) + "\r\n");
        auto a = aborted(h);
        EXPECT_EQ(a.reason, AbortReason::DialRefused);
        EXPECT_EQ(a.message, message);
        EXPECT_EQ(h.leftover(), "");
    }
}

TEST(chat_engine, Ts27007_9_2_2_cme_error_on_dial) {
    Harness h(default_script());
    to_dial(h);
    h.feed("\r\n+CME ERROR: 30\r\n");
    auto a = aborted(h);
    EXPECT_EQ(a.reason, AbortReason::CommandError);
    EXPECT_EQ(a.message,
              "the modem answered +CME ERROR: 30 (no network service) to ATD*99#: the data call was refused; check "
              "the APN and that the SIM has a data plan");
}

// ---- timeouts ----------------------------------------------------------------------------------

TEST(chat_engine, per_step_timeout_with_fake_time) {
    Harness h(default_script());
    h.start();
    h.feed(kReplyAt);
    const TimePoint sent_at = h.now;
    ASSERT_EQ(h.engine.next_timeout(), sent_at + seconds{30});
    h.engine.on_timeout(sent_at + seconds{29}, h.out);  // early: nothing happens
    h.wait(milliseconds{29999});
    EXPECT_FALSE(h.engine.done());
    h.wait(milliseconds{1});
    ASSERT_EQ(h.engine.outcome(), Outcome::TimedOut);
    auto t = h.last<TimedOut>();
    ASSERT_TRUE(t);
    EXPECT_EQ(t->op, 8u);  // the Expect after "ATE0"
    EXPECT_EQ(t->expect, "OK");
    EXPECT_EQ(t->command, "ATE0");
    EXPECT_EQ(t->message, "timed out after 30 s waiting for OK in reply to ATE0");
    EXPECT_EQ(h.engine.next_timeout(), std::nullopt);
}

TEST(chat_engine, step_timeout_is_configurable) {
    DialOptions o;
    o.step_timeout = seconds{5};
    Harness h(build_default_script(o).value());
    h.start();
    h.feed(kReplyAt);
    h.wait(seconds{5});
    EXPECT_EQ(h.engine.outcome(), Outcome::TimedOut);
}

TEST(chat_engine, first_at_is_retried_while_the_modem_wakes_up) {
    Harness h(default_script());
    h.start();
    h.wait(seconds{3});
    h.wait(seconds{3});
    EXPECT_EQ(h.sent(), (std::vector<std::string>{"AT\r", "AT\r", "AT\r"}));
    EXPECT_EQ(h.progress().front(), "no OK within 3 s after AT: sending AT again (attempt 2 of 5)");
    h.feed("\r\nRDY\r\nAT\r\r\nOK\r\n");
    EXPECT_EQ(h.last_sent(), "ATE0\r");
    EXPECT_EQ(h.engine.next_timeout(), h.now + seconds{30});
}

TEST(chat_engine, modem_that_never_answers_gets_an_actionable_message) {
    Harness h(default_script());
    h.start();
    h.wait(milliseconds{14999});
    EXPECT_FALSE(h.engine.done());
    h.wait(milliseconds{1});
    EXPECT_EQ(h.sent(), std::vector<std::string>(5, "AT\r"));
    auto t = h.last<TimedOut>();
    ASSERT_TRUE(t);
    EXPECT_EQ(t->message,
              "the modem did not answer AT (5 tries, 15 s): check that this is the modem's AT port (EC20: "
              "/dev/ttyUSB2 or /dev/ttyUSB3), that no other program (ModemManager) is using it, and that the modem "
              "is powered");
}

TEST(chat_engine, dial_timeout_message) {
    Harness h(default_script());
    to_dial(h);
    h.wait(seconds{30});
    EXPECT_EQ(h.last<TimedOut>()->message,
              "no CONNECT within 30 s after ATD*99#: the network did not set up the data call; check the APN and the "
              "signal");
}

// ---- registration wait -------------------------------------------------------------------------

std::string ati_with(std::string_view cgreg) {
    std::string ati(kReplyAti);
    ati.replace(ati.find("+CGREG: 0,1"), 11, cgreg);
    return ati;
}

void answer_registration(Harness& h, std::string_view cgreg, std::string_view cereg) {
    ASSERT_EQ(h.last_sent(), "AT+CGREG?\r");
    h.feed("\r\n" + std::string(cgreg) + "\r\n\r\nOK\r\n");
    ASSERT_EQ(h.last_sent(), "AT+CEREG?\r");
    h.feed("\r\n" + std::string(cereg) + "\r\n\r\nOK\r\n");
}

TEST(chat_engine, Ts27007_10_1_20_registration_wait_then_success) {
    Harness h(default_script());
    to_ati(h);
    h.feed(ati_with("+CGREG: 0,2"));
    EXPECT_EQ(h.progress(), (std::vector<std::string>{"not registered yet (searching, +CGREG: 0,2, signal -51 dBm): "
                                                      "waiting up to 60 s for the network"}));
    EXPECT_EQ(h.last_sent(), kCmdAti);  // polls after a pause, not at once
    EXPECT_EQ(h.engine.next_timeout(), h.now + seconds{3});
    h.wait(seconds{3});
    answer_registration(h, "+CGREG: 0,2", "+CEREG: 0,2");
    EXPECT_EQ(h.progress().back(), "still not registered (searching, +CEREG: 0,2, signal -51 dBm), 3 s of 60 s");
    h.wait(seconds{3});
    answer_registration(h, "+CGREG: 0,2", "+CEREG: 0,1");  // LTE registers first
    EXPECT_EQ(h.progress().back(), "registered after 6 s (registered (home), +CEREG: 0,1, signal -51 dBm)");
    EXPECT_EQ(h.last_sent(), kCmdCgdcont);
    h.feed(kReplyCgdcont);
    h.feed(std::string(kReplyDial) + kPppStart);
    EXPECT_EQ(h.engine.outcome(), Outcome::Connected);
    EXPECT_EQ(h.leftover(), kPppStart);
}

TEST(chat_engine, Ts27007_10_1_20_registration_wait_runs_out) {
    Harness h(default_script());
    to_ati(h);
    h.feed(ati_with("+CGREG: 0,2"));
    const TimePoint wait_start = h.now;
    int rounds = 0;
    while (!h.engine.done() && h.now - wait_start < seconds{120}) {
        h.wait(milliseconds{500});
        if (h.last_sent() == "AT+CGREG?\r") {
            answer_registration(h, "+CGREG: 0,2", "+CEREG: 0,2");
            ++rounds;
        }
    }
    auto a = aborted(h);
    EXPECT_EQ(a.reason, AbortReason::NotRegistered);
    EXPECT_EQ(a.message.rfind("not registered after 60 s: check antenna and coverage", 0), 0u) << a.message;
    EXPECT_NE(a.message.find("searching"), std::string::npos);
    EXPECT_GE(h.now - wait_start, seconds{60});
    EXPECT_LE(h.now - wait_start, seconds{61});
    EXPECT_EQ(rounds, 20);                // every 3 s for 60 s
    EXPECT_EQ(h.progress().size(), 20u);  // the first notice and one per round but the last
}

TEST(chat_engine, registration_limit_is_configurable) {
    DialOptions o;
    o.registration_timeout = seconds{10};
    o.registration_poll = seconds{5};
    Harness h(build_default_script(o).value());
    to_ati(h);
    h.feed(ati_with("+CGREG: 0,0"));
    h.wait(seconds{5});
    answer_registration(h, "+CGREG: 0,0", "+CEREG: 0,4");
    h.wait(seconds{5});
    answer_registration(h, "+CGREG: 0,0", "+CEREG: 0,4");
    EXPECT_EQ(aborted(h).message.rfind("not registered after 10 s", 0), 0u);
}

TEST(chat_engine, registration_urc_ends_the_wait_early) {
    Harness h(default_script());
    to_ati(h);
    h.feed(ati_with("+CGREG: 0,2"));
    h.wait(seconds{1});
    h.feed("\r\n+CGREG: 1\r\n");
    EXPECT_EQ(h.last_sent(), kCmdCgdcont);
    EXPECT_EQ(h.progress().back(), "registered after 1 s (registered (home), +CGREG: 1, signal -51 dBm)");
}

TEST(chat_engine, Ts27007_10_1_20_registration_denied) {
    Harness h(default_script());
    to_ati(h);
    h.feed(ati_with("+CGREG: 0,3"));
    answer_registration(h, "+CGREG: 0,3", "+CEREG: 0,3");  // asked at once: denied needs no waiting
    auto a = aborted(h);
    EXPECT_EQ(a.reason, AbortReason::RegistrationDenied);
    EXPECT_EQ(a.message,
              "registration denied by the network (registration denied, +CEREG: 0,3, signal -51 dBm): the SIM may "
              "have no data subscription, or roaming is barred; ask the operator");
}

TEST(chat_engine, denied_on_gprs_but_registered_on_lte_goes_on) {
    Harness h(default_script());
    to_ati(h);
    h.feed(ati_with("+CGREG: 0,3"));
    answer_registration(h, "+CGREG: 0,3", "+CEREG: 0,1");
    EXPECT_EQ(h.last_sent(), kCmdCgdcont);
}

TEST(chat_engine, modem_without_cereg_still_registers) {
    Harness h(default_script());
    to_ati(h);
    h.feed(ati_with("+CGREG: 0,2"));
    h.wait(seconds{3});
    ASSERT_EQ(h.last_sent(), "AT+CGREG?\r");
    h.feed("\r\n+CGREG: 0,1\r\n\r\nOK\r\n");
    h.feed("\r\nERROR\r\n");  // AT+CEREG? unknown to an older modem: not an abort here
    EXPECT_EQ(h.last_sent(), kCmdCgdcont);
}

TEST(chat_engine, registration_query_timeout) {
    Harness h(default_script());
    to_ati(h);
    h.feed(ati_with("+CGREG: 0,2"));
    h.wait(seconds{3});
    h.wait(seconds{30});
    auto t = h.last<TimedOut>();
    ASSERT_TRUE(t);
    EXPECT_EQ(t->command, "AT+CGREG?");
    EXPECT_EQ(t->op, 11u);  // the AwaitRegistration op
}

// ---- leftover PPP bytes ------------------------------------------------------------------------

TEST(chat_engine, Rfc1662_7_1_leftover_survives_a_split_line_end_and_later_reads) {
    Harness h(default_script());
    to_dial(h);
    h.feed("\r\nCONNECT 150000000\r");
    EXPECT_EQ(h.engine.outcome(), Outcome::Connected);
    EXPECT_EQ(h.leftover(), "");
    h.feed("\n");
    h.feed("\r\n" + kPppStart);  // a modem with an extra blank line
    h.feed("~more~");
    EXPECT_EQ(h.leftover(), kPppStart + "~more~");
    EXPECT_EQ(h.leftover(), "");  // taken
    h.feed("\nx");                // only line ends right after CONNECT are the modem's
    EXPECT_EQ(h.leftover(), "\nx");
}

TEST(chat_engine, connect_without_speed) {
    Harness h(default_script());
    to_dial(h);
    h.feed("\r\nCONNECT\r\n");
    auto c = h.last<Connected>();
    ASSERT_TRUE(c);
    EXPECT_EQ(c->result, "CONNECT");
    EXPECT_EQ(c->speed, std::nullopt);
}

// ---- chat(8) scripts: substring matching ---------------------------------------------------------

constexpr std::string_view kQuectelConnect =
    R"(ABORT BUSY ABORT "NO CARRIER" ABORT "NO DIALTONE" ABORT ERROR ABORT "NO ANSWER" TIMEOUT 30 "" AT OK ATE0 OK ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2 OK AT+CGDCONT=1,"IP","3gnet",,0,0 OK ATD*99# CONNECT)";

TEST(chat_engine, quectel_script_file_on_the_golden_transcript) {
    for (bool bytewise : {false, true}) {
        Harness h(parse_chat_script(kQuectelConnect).value());
        play(h, golden_replies(), [&](const std::string& r, std::size_t) {
            if (!bytewise) return std::vector<std::string>{r};
            std::vector<std::string> v;
            for (char c : r) v.emplace_back(1, c);
            return v;
        });
        EXPECT_EQ(h.sent(), kGoldenSends);
        ASSERT_EQ(h.engine.outcome(), Outcome::Connected);
        EXPECT_EQ(h.last<Connected>()->result, "CONNECT");
        // chat stops reading right after "CONNECT"; the rest of that line goes to PPP, whose
        // deframer drops what precedes the first flag.
        EXPECT_EQ(h.leftover(), " 150000000\r\n" + kPppStart);
        EXPECT_EQ(h.engine.modem().model, "EC20F");
        EXPECT_EQ(h.engine.modem().network->name, "CHN-UNICOM");
        // chat -v's transcript: "send (AT^M)", "expect (OK)", "AT^M^M", "OK -- got it".
        auto logs = h.logs();
        auto at = std::find(logs.begin(), logs.end(), "send (AT^M)");
        ASSERT_NE(at, logs.end());
        EXPECT_EQ(*(at + 1), "expect (OK)");
        EXPECT_EQ(*(at + 2), "AT^M^M");
        EXPECT_EQ(*(at + 3), "OK -- got it");
    }
}

TEST(chat_engine, substring_abort_and_text_that_came_before_the_expect) {
    Harness h(parse_chat_script("ABORT 'NO CARRIER' '' ATZ\\d OK ATD*99# CONNECT").value());
    h.start();
    EXPECT_EQ(h.sent(), (std::vector<std::string>{"ATZ"}));
    h.feed("\r\nO");  // arrives during the \d pause...
    h.wait(seconds{1});
    h.feed("K\r\n");  // ...and completes the expect that starts after it
    EXPECT_EQ(h.sent(), (std::vector<std::string>{"ATZ", "\r", "ATD*99#\r"}));
    h.feed("\r\nNO CAR");
    h.feed("RIER\r\n");
    auto a = aborted(h);
    EXPECT_EQ(a.reason, AbortReason::DialRefused);
    EXPECT_EQ(a.message, "dial refused: NO CARRIER (check the APN)");
}

TEST(chat_engine, substring_sub_expect_retry_say_and_report) {
    Harness h(parse_chat_script("REPORT Revision SAY 'dialling\\n' TIMEOUT 2 '' AT OK-AT-OK ATI OK").value());
    h.start();
    EXPECT_EQ(h.progress(), (std::vector<std::string>{"dialling\n"}));
    h.wait(seconds{2});
    EXPECT_EQ(h.sent(), (std::vector<std::string>{"AT\r", "AT\r"}));
    h.feed("OK\r\n");
    h.feed("\r\nQuectel\r\nEC20F\r\nRevision: EC20CEHDLGR06A05M1G\r\n\r\nOK\r\n");
    EXPECT_EQ(h.engine.outcome(), Outcome::Finished);
    EXPECT_EQ(h.progress().back(), "Revision: EC20CEHDLGR06A05M1G");
    EXPECT_EQ(h.engine.modem().revision, "EC20CEHDLGR06A05M1G");
}

TEST(chat_engine, clr_abort_removes_an_abort_string) {
    Harness h(parse_chat_script("ABORT ERROR '' AT CLR_ABORT ERROR OK").value());
    h.start();
    h.feed("ERROR\r\nOK\r\n");
    EXPECT_EQ(h.engine.outcome(), Outcome::Finished);
}

// ---- the info query ----------------------------------------------------------------------------

TEST(chat_engine, info_script_reports_everything_and_survives_a_missing_sim) {
    Harness h(build_info_script());
    h.start();
    const std::vector<std::pair<std::string, std::string>> dialogue{
        {"AT\r", "AT\r\r\nOK\r\n"},
        {"ATE0\r", "ATE0\r\r\nOK\r\n"},
        {"ATI\r", "\r\nQuectel\r\nEC20F\r\nRevision: EC20CEHDLGR06A05M1G\r\n\r\nOK\r\n"},
        {"AT+CSUB\r", "\r\nSubEdition: V03\r\n\r\nOK\r\n"},
        {"AT+CSQ\r", "\r\n+CSQ: 18,99\r\n\r\nOK\r\n"},
        {"AT+CPIN?\r", "\r\n+CME ERROR: 10\r\n"},
        {"AT+COPS?\r", "\r\n+COPS: 0\r\n\r\nOK\r\n"},
        {"AT+CGREG?\r", "\r\n+CGREG: 0,0\r\n\r\nOK\r\n"},
        {"AT+CEREG?\r", "\r\n+CEREG: 0,0\r\n\r\nOK\r\n"},
    };
    for (const auto& [cmd, reply] : dialogue) {
        ASSERT_EQ(h.last_sent(), cmd);
        h.feed(reply);
    }
    EXPECT_EQ(h.engine.outcome(), Outcome::Finished);
    const ModemInfo& m = h.engine.modem();
    EXPECT_EQ(m.sim, SimStatus::NotInserted);
    EXPECT_EQ(m.subedition, "V03");
    EXPECT_EQ(m.signal->dbm(), -77);
    EXPECT_EQ(m.cereg->status, RegStatus::NotRegistered);
    EXPECT_EQ(describe(m)[4], "SIM: not inserted");
}

}  // namespace
}  // namespace ec20ppp::chat
