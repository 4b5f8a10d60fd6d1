// The simulated EC20's AT side: byte-exact answers (the real transcript), V.250 line handling,
// the 27.007 queries, the faults, and the +++ escape with its guard times.
#include "sim/at_responder.hpp"

#include <gtest/gtest.h>

namespace ec20ppp::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kCmdAti = "ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2\r";
constexpr std::string_view kReplyAti =
    "\r\nQuectel\r\nEC20F\r\nRevision: EC20CEHDLGR06A05M1G\r\n\r\nSubEdition: V03\r\n\r\n+CSQ: 31,99\r\n"
    "\r\n+CPIN: READY\r\n\r\n+COPS: 0,0,\"CHN-UNICOM\",7\r\n\r\n+CGREG: 0,1\r\n\r\nOK\r\n";

struct Modem {
    explicit Modem(SimConfig c = {}) : r(std::move(c)) {}
    AtResponder r;
    TimePoint now = TimePoint{} + std::chrono::hours{1};
    SimOutputs out;

    // Feeds `text`; returns what the modem sent back during this call.
    std::string send(std::string_view text) {
        out.clear();
        r.feed(as_bytes(text), now, out);
        return replies();
    }
    std::string replies() const {
        std::string s;
        for (const auto& e : out)
            if (const auto* b = std::get_if<SendBytes>(&e)) s.append(b->bytes.begin(), b->bytes.end());
        return s;
    }
    std::string data() const {
        std::string s;
        for (const auto& e : out)
            if (const auto* d = std::get_if<DataFromHost>(&e)) s.append(d->bytes.begin(), d->bytes.end());
        return s;
    }
    template <class T>
    bool has() const {
        for (const auto& e : out)
            if (std::holds_alternative<T>(e)) return true;
        return false;
    }
    void wait(Duration d) {
        out.clear();
        now += d;
        r.on_timeout(now, out);
    }
    // Echo off, like a dialer after ATE0.
    void quiet() { send("ATE0\r"); }
};

TEST(sim_at_responder, golden_transcript_byte_exact) {
    Modem m;
    EXPECT_EQ(m.send("AT\r"), "AT\r\r\nOK\r\n");
    EXPECT_EQ(m.send("ATE0\r"), "ATE0\r\r\nOK\r\n");
    EXPECT_EQ(m.send(kCmdAti), kReplyAti);
    EXPECT_EQ(m.send("AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0\r"), "\r\nOK\r\n");
    EXPECT_EQ(m.r.apn(), "3gnet");
    EXPECT_EQ(m.r.context(1), (PdpContext{1, "IP", "3gnet"}));
    EXPECT_EQ(m.send("ATD*99#\r"), "\r\nCONNECT 150000000\r\n");
    // The CONNECT bytes come before the switch to data mode.
    ASSERT_TRUE(std::holds_alternative<EnterDataMode>(m.out.back()));
    EXPECT_EQ(std::get<EnterDataMode>(m.out.back()).connect, "CONNECT 150000000");
    EXPECT_TRUE(std::holds_alternative<SendBytes>(m.out[m.out.size() - 2]));
    EXPECT_TRUE(m.r.in_data_mode());
    EXPECT_TRUE(m.r.call_active());
    EXPECT_EQ(m.r.command_lines(), (std::vector<std::string>{"AT", "ATE0", "ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2",
                                                             "AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0", "ATD*99#"}));
}

TEST(sim_at_responder, golden_transcript_one_byte_at_a_time) {
    Modem m;
    std::string all;
    for (char c : std::string("AT\rATE0\r") + std::string(kCmdAti)) all += m.send(std::string(1, c));
    EXPECT_EQ(all, "AT\r\r\nOK\r\nATE0\r\r\nOK\r\n" + std::string(kReplyAti));
}

TEST(sim_at_responder, V250_6_2_4_echo_returns_after_ate1) {
    Modem m;
    m.quiet();
    EXPECT_FALSE(m.r.echo());
    EXPECT_EQ(m.send("AT\r"), "\r\nOK\r\n");
    EXPECT_EQ(m.send("ATE1\r"), "\r\nOK\r\n");  // typed while echo was off
    EXPECT_EQ(m.send("AT\r"), "AT\r\r\nOK\r\n");
    m.quiet();
    EXPECT_EQ(m.send("AT&F\r"), "\r\nOK\r\n");  // factory profile: echo on again
    EXPECT_TRUE(m.r.echo());
}

TEST(sim_at_responder, V250_5_2_1_command_line_syntax) {
    Modem m;
    m.quiet();
    EXPECT_EQ(m.send("at+csq\r"), "\r\n+CSQ: 31,99\r\n\r\nOK\r\n");  // either case
    EXPECT_EQ(m.send("\n~~AT\r"), "\r\nOK\r\n");                     // what precedes AT is ignored
    EXPECT_EQ(m.send("hello\r"), "");                                // no AT, no answer
    EXPECT_EQ(m.send("ATQ\bI\r").substr(0, 11), "\r\nQuectel\r\n");  // S5 backspace edits the line
    EXPECT_EQ(m.send("ATS0=0\r"), "\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CSQ\r\n"), "\r\n+CSQ: 31,99\r\n\r\nOK\r\n");  // a stray LF is not part of it
}

TEST(sim_at_responder, V250_5_7_1_error_ends_the_command_line) {
    Modem m;
    m.quiet();
    EXPECT_EQ(m.send("AT+FOO\r"), "\r\nERROR\r\n");
    EXPECT_EQ(m.send("AT+CSQ?\r"), "\r\nERROR\r\n");
    EXPECT_EQ(m.send("ATI;+FOO;+CSQ\r"),
              "\r\nQuectel\r\nEC20F\r\nRevision: EC20CEHDLGR06A05M1G\r\n\r\nERROR\r\n");  // no +CSQ after the error
    EXPECT_EQ(m.send("ATE7\r"), "\r\nERROR\r\n");
    EXPECT_EQ(m.send("AT&\r"), "\r\nERROR\r\n");
}

TEST(sim_at_responder, Ts27007_9_2_no_sim) {
    Modem m(SimConfig{.sim = SimCard::Missing});
    m.quiet();
    EXPECT_EQ(m.send("AT+CPIN?\r"), "\r\n+CME ERROR: 10\r\n");
    // The real EC20 stops the combined line at +CPIN? (V.250 §5.7.1).
    EXPECT_EQ(m.send(kCmdAti),
              "\r\nQuectel\r\nEC20F\r\nRevision: EC20CEHDLGR06A05M1G\r\n\r\nSubEdition: V03\r\n\r\n+CSQ: 31,99\r\n"
              "\r\n+CME ERROR: 10\r\n");
    EXPECT_EQ(m.send("AT+CGREG?\r"), "\r\n+CGREG: 0,0\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+COPS?\r"), "\r\n+COPS: 0\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("ATD*99#\r"), "\r\nNO CARRIER\r\n");
    EXPECT_EQ(m.send("AT+CMEE=2\r"), "\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CPIN?\r"), "\r\n+CME ERROR: SIM not inserted\r\n");
    EXPECT_EQ(m.send("AT+CMEE=0\r"), "\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CPIN?\r"), "\r\nERROR\r\n");
}

TEST(sim_at_responder, Ts27007_8_3_pin_and_puk) {
    Modem pin(SimConfig{.sim = SimCard::PinRequired});
    pin.quiet();
    EXPECT_EQ(pin.send("AT+CPIN?\r"), "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
    EXPECT_EQ(pin.send("AT+CGREG?\r"), "\r\n+CGREG: 0,0\r\n\r\nOK\r\n");
    EXPECT_EQ(pin.send("AT+CPIN=\"1234\"\r"), "\r\nOK\r\n");
    EXPECT_EQ(pin.send("AT+CPIN?\r"), "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    EXPECT_EQ(pin.send("AT+CPIN=\"1234\"\r"), "\r\n+CME ERROR: 3\r\n");

    Modem puk(SimConfig{.sim = SimCard::PukRequired});
    puk.quiet();
    EXPECT_EQ(puk.send("AT+CPIN?\r"), "\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n");
    EXPECT_EQ(puk.send("AT+CPIN=\"1234\"\r"), "\r\n+CME ERROR: 16\r\n");
    EXPECT_EQ(puk.send("AT+CPIN=\"12345678\",\"1234\"\r"), "\r\nOK\r\n");
}

TEST(sim_at_responder, Ts27007_10_1_20_registers_after_n_queries) {
    Modem m(SimConfig{.unregistered_queries = 2});
    m.quiet();
    EXPECT_EQ(m.send("AT+CGREG?\r"), "\r\n+CGREG: 0,2\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CEREG?\r"), "\r\n+CEREG: 0,2\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+COPS?\r"), "\r\n+COPS: 0\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("ATD*99#\r"), "\r\nNO CARRIER\r\n");
    EXPECT_EQ(m.send("AT+CGREG?\r"), "\r\n+CGREG: 0,2\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CGREG?\r"), "\r\n+CGREG: 0,1\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CEREG?\r"), "\r\n+CEREG: 0,1\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CREG?\r"), "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CGATT?\r"), "\r\n+CGATT: 1\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CGREG=2\r"), "\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CGREG?\r"), "\r\n+CGREG: 2,1\r\n\r\nOK\r\n");
    EXPECT_EQ(m.r.registration_queries(), 4);
}

TEST(sim_at_responder, never_registers_or_denied) {
    Modem never(SimConfig{.unregistered_queries = std::nullopt});
    never.quiet();
    for (int i = 0; i < 50; ++i) ASSERT_EQ(never.send("AT+CGREG?\r"), "\r\n+CGREG: 0,2\r\n\r\nOK\r\n");
    Modem denied(SimConfig{.unregistered_queries = std::nullopt, .unregistered_stat = 3});
    denied.quiet();
    EXPECT_EQ(denied.send("AT+CEREG?\r"), "\r\n+CEREG: 0,3\r\n\r\nOK\r\n");
}

TEST(sim_at_responder, Ts27007_8_2_cfun_takes_the_radio_down) {
    Modem m;
    m.quiet();
    EXPECT_EQ(m.send("AT+CFUN?\r"), "\r\n+CFUN: 1\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CFUN=4\r"), "\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CGREG?\r"), "\r\n+CGREG: 0,0\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("ATD*99#\r"), "\r\nNO CARRIER\r\n");
    EXPECT_EQ(m.send("AT+CFUN=1\r"), "\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CFUN=7\r"), "\r\nERROR\r\n");
}

TEST(sim_at_responder, dial_faults) {
    for (auto [result, text] :
         {std::pair{DialResult::NoCarrier, "NO CARRIER"}, std::pair{DialResult::Busy, "BUSY"},
          std::pair{DialResult::NoAnswer, "NO ANSWER"}, std::pair{DialResult::NoDialtone, "NO DIALTONE"},
          std::pair{DialResult::Error, "ERROR"}}) {
        Modem m(SimConfig{.dial = result});
        m.quiet();
        EXPECT_EQ(m.send("ATD*99#\r"), "\r\n" + std::string(text) + "\r\n");
        EXPECT_FALSE(m.r.in_data_mode());
    }
    Modem voice;
    voice.quiet();
    EXPECT_EQ(voice.send("ATD12345;\r"), "\r\nERROR\r\n");
    EXPECT_EQ(voice.send("ATD*99***1#\r"), "\r\nCONNECT 150000000\r\n");
}

TEST(sim_at_responder, Ts27007_10_1_1_cgdcont) {
    Modem m;
    m.quiet();
    EXPECT_EQ(m.send("AT+CGDCONT=1,\"IPV4V6\",\"internet\"\r"), "\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CGDCONT=2,\"IP\",\"ims\",,0,0\r"), "\r\nOK\r\n");
    EXPECT_EQ(m.send("AT+CGDCONT?\r"),
              "\r\n+CGDCONT: 1,\"IPV4V6\",\"internet\",\"0.0.0.0\",0,0\r\n"
              "\r\n+CGDCONT: 2,\"IP\",\"ims\",\"0.0.0.0\",0,0\r\n\r\nOK\r\n");
    EXPECT_EQ(m.r.apn(), "internet");
    EXPECT_EQ(m.send("AT+CGDCONT=0,\"IP\",\"x\"\r"), "\r\nERROR\r\n");
    EXPECT_EQ(m.send("AT+CGDCONT=1,\"X25\",\"x\"\r"), "\r\nERROR\r\n");
    EXPECT_EQ(m.send("AT+CGDCONT=1,\"IP\",\"a;b\";+CSQ\r"), "\r\n+CSQ: 31,99\r\n\r\nOK\r\n");  // ';' in quotes
    EXPECT_EQ(m.r.apn(), "a;b");

    Modem err(SimConfig{.cgdcont_error = true});
    err.quiet();
    EXPECT_EQ(err.send("AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0\r"), "\r\nERROR\r\n");
    EXPECT_EQ(err.r.apn(), "");
}

TEST(sim_at_responder, data_after_connect_in_the_same_read_is_for_ppp) {
    Modem m;
    m.quiet();
    EXPECT_EQ(m.send("ATD*99#\r~\x7f~"), "\r\nCONNECT 150000000\r\n");
    EXPECT_EQ(m.data(), "~\x7f~");
    m.now += milliseconds{10};
    m.send("AT\r");  // data mode: not a command
    EXPECT_EQ(m.data(), "AT\r");
    EXPECT_EQ(m.replies(), "");
}

TEST(sim_at_responder, escape_plus_plus_plus_with_guard_times) {
    Modem m;
    m.quiet();
    m.send("ATD*99#\r");
    m.now += milliseconds{100};
    m.send("~ppp~");
    m.now += milliseconds{1500};  // guard time before
    m.send("+++");
    EXPECT_EQ(m.data(), "");  // held back
    EXPECT_EQ(m.r.next_timeout(), m.now + seconds{1});
    m.wait(milliseconds{999});
    EXPECT_TRUE(m.r.in_data_mode());
    m.wait(milliseconds{1});  // guard time after
    EXPECT_TRUE(m.has<LeaveDataMode>());
    EXPECT_EQ(m.replies(), "\r\nOK\r\n");
    EXPECT_FALSE(m.r.in_data_mode());
    EXPECT_TRUE(m.r.call_active());
    EXPECT_EQ(m.send("AT+CSQ\r"), "\r\n+CSQ: 31,99\r\n\r\nOK\r\n");
    EXPECT_EQ(m.send("ATO\r"), "\r\nCONNECT 150000000\r\n");  // back to the call
    EXPECT_TRUE(m.r.in_data_mode());
}

TEST(sim_at_responder, plus_signs_that_are_data) {
    Modem m;
    m.quiet();
    m.send("ATD*99#\r");
    m.send("+++");  // no silence before: data
    EXPECT_EQ(m.data(), "+++");
    m.now += seconds{2};
    m.send("+++x");  // data right after: not an escape
    EXPECT_EQ(m.data(), "+++x");
    m.now += seconds{2};
    m.send("++");
    EXPECT_EQ(m.data(), "");
    m.wait(seconds{1});  // only two: data after all
    EXPECT_EQ(m.data(), "++");
    EXPECT_TRUE(m.r.in_data_mode());
    EXPECT_EQ(m.r.next_timeout(), std::nullopt);
}

TEST(sim_at_responder, V250_6_3_6_hang_up) {
    Modem m;
    m.quiet();
    m.send("ATD*99#\r");
    m.now += seconds{2};
    m.send("+++");
    m.wait(seconds{1});
    EXPECT_EQ(m.send("ATH\r"), "\r\nOK\r\n");
    EXPECT_TRUE(m.has<CallEnded>());
    EXPECT_FALSE(m.r.call_active());
    EXPECT_EQ(m.send("ATO\r"), "\r\nNO CARRIER\r\n");

    Modem remote;
    remote.quiet();
    remote.send("ATD*99#\r");
    remote.out.clear();
    remote.r.hang_up(remote.out);  // the network ends the call
    EXPECT_TRUE(remote.has<CallEnded>());
    EXPECT_EQ(remote.replies(), "\r\nNO CARRIER\r\n");
    EXPECT_FALSE(remote.r.in_data_mode());
    EXPECT_EQ(remote.send("AT\r"), "\r\nOK\r\n");
}

TEST(sim_at_responder, booting_modem_ignores_the_first_lines) {
    Modem m(SimConfig{.ignore_first_lines = 2});
    EXPECT_EQ(m.send("AT\r"), "");
    EXPECT_EQ(m.send("AT\r"), "");
    EXPECT_EQ(m.send("AT\r"), "AT\r\r\nOK\r\n");
}

TEST(sim_at_responder, V250_lone_cr_framing) {
    Modem m(SimConfig{.eol = "\r"});
    EXPECT_EQ(m.send("AT\r"), "AT\r\rOK\r");
}

TEST(sim_at_responder, power_on_and_unsolicited_codes) {
    Modem m;
    m.r.power_on(m.out);
    EXPECT_EQ(m.replies(), "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n");
    m.out.clear();
    m.r.unsolicited("RING", m.out);
    EXPECT_EQ(m.replies(), "\r\nRING\r\n");

    Modem nosim(SimConfig{.sim = SimCard::Missing});
    nosim.r.power_on(nosim.out);
    EXPECT_EQ(nosim.replies(), "\r\nRDY\r\n\r\n+CFUN: 1\r\n");
}

// pass_through (the simulator's copy-free data path) must hand on exactly what feed() would:
// the same octets, and the same escapes taken. Two modems get the same chunks at the same times,
// one through feed() only, the other through pass_through() where it accepts them.
TEST(sim_at_responder, pass_through_agrees_with_feed) {
    Modem a, b;
    for (Modem* m : {&a, &b}) {
        m->quiet();
        m->send("ATD*99#\r");
    }
    std::string data_a, data_b;
    int passed = 0, escapes_a = 0, escapes_b = 0;
    std::uint32_t state = 7;
    auto next = [&state](std::uint32_t n) {
        state = state * 1103515245 + 12345;
        return (state >> 16) % n;
    };
    const std::string chunks[] = {"~\x7d\x23ppp~", "+", "++", "+++", "+x+", "abc+", "+~~", "data+++more"};
    for (int i = 0; i < 3000; ++i) {
        // Gaps: none, short, or past the guard time (so that "+++" may be an escape).
        const Duration gap = next(4) == 0 ? milliseconds{1100} : milliseconds{next(3) * 200};
        const std::string& chunk = chunks[next(std::size(chunks))];
        for (Modem* m : {&a, &b}) m->now += gap;
        // a: feed() only.
        if (a.r.in_data_mode()) {
            a.wait(Duration{0});
            data_a += a.data();
            escapes_a += a.has<LeaveDataMode>();
            a.send(chunk);
            data_a += a.data();
            escapes_a += a.has<LeaveDataMode>();
        }
        // b: pass_through() where it takes the chunk.
        if (b.r.in_data_mode()) {
            b.wait(Duration{0});
            data_b += b.data();
            escapes_b += b.has<LeaveDataMode>();
            if (b.r.pass_through(as_bytes(chunk), b.now)) {
                data_b += chunk;
                ++passed;
            } else {
                b.send(chunk);
                data_b += b.data();
                escapes_b += b.has<LeaveDataMode>();
            }
        }
        ASSERT_EQ(a.r.in_data_mode(), b.r.in_data_mode()) << "chunk " << i;
        if (!a.r.in_data_mode()) {  // an escape: back to the call for both
            for (Modem* m : {&a, &b}) m->send("ATO\r");
        }
        ASSERT_EQ(data_a, data_b) << "chunk " << i;
    }
    EXPECT_GT(passed, 1000);  // most chunks take the fast path
    EXPECT_GT(escapes_a, 0);  // and escapes did happen
    EXPECT_EQ(escapes_a, escapes_b);
}

TEST(sim_at_responder, pass_through_only_in_data_mode) {
    Modem m;
    m.quiet();
    EXPECT_FALSE(m.r.pass_through(as_bytes("AT\r"), m.now));  // command mode: for feed()
    m.send("ATD*99#\r");
    m.now += seconds{2};
    EXPECT_FALSE(m.r.pass_through(as_bytes("+++"), m.now));  // after silence: maybe an escape
    EXPECT_TRUE(m.r.pass_through(as_bytes("~ppp+~"), m.now));
    EXPECT_TRUE(m.r.pass_through(as_bytes("+~"), m.now));  // no silence before it: data
}

}  // namespace
}  // namespace ec20ppp::sim
