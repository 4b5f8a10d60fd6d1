// libFuzzer target for the AT side (src/chat): ChatEngine fed arbitrary modem output with
// timeouts, and the AT response parsers (modem_info) on every line of it.
//
// Input layout:
//   byte 0  the script: bits 0-1 choose the built-in EC20 dial script (bits 2-3: PDP IP, IPV6,
//           IPV4V6; bit 4: short timeouts and two AT attempts), the `ec20ppp info` script,
//           quectel-pppd.sh's chat script parsed from text, or a chat script the input carries
//           (a length byte, then that much text; when it does not parse, quectel-pppd.sh's);
//   then records, each an opcode byte; its low 2 bits choose:
//     0, 1  modem output: (opcode >> 2) + 1 bytes follow
//     2     time passes: one byte, in units chosen by opcode bits 2-3 (10 ms, 100 ms, 1 s, 10 s);
//           every deadline on the way fires at its exact time
//     3     a canned modem line (kLines[opcode >> 2]), e.g. "\r\nOK\r\n" or "+CGREG: 0,1"
//
// Checked properties (abort() on violation):
//  - chunking never matters: a second engine fed the same bytes one at a time, at the same
//    times, sends the same text and reports the same events (logs aside), the same ModemInfo
//    and the same leftover PPP bytes;
//  - exactly one terminal event (Connected, Finished, Aborted, TimedOut) ends a run, matching
//    outcome(); nothing but leftover bytes comes after it, and no deadline remains;
//  - after on_timeout(now), next_timeout() is none or later than now; an early on_timeout does
//    nothing;
//  - the line parsers never fail on any line, and what they parse survives a round trip
//    (+CSQ, +CGREG/+CEREG/+CREG with modem-style fields) through its formatter.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "chat/engine.hpp"
#include "chat/modem_info.hpp"
#include "chat/script_parser.hpp"
#include "check.hpp"

namespace {

using namespace ec20ppp;
using namespace ec20ppp::chat;

constexpr std::string_view kQuectelScript =
    R"(ABORT BUSY ABORT "NO CARRIER" ABORT "NO DIALTONE" ABORT ERROR ABORT "NO ANSWER" TIMEOUT 30 "" AT OK ATE0 OK ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2 OK AT+CGDCONT=1,"IP","3gnet",,0,0 OK ATD*99# CONNECT)";

constexpr std::array<std::string_view, 64> kLines = {
    "\r\nOK\r\n", "AT\r\r\nOK\r\n", "ATE0\r\r\nOK\r\n", "\r\nCONNECT 150000000\r\n", "\r\nCONNECT\r\n",
    "\r\nERROR\r\n", "\r\nNO CARRIER\r\n", "\r\nBUSY\r\n", "\r\nNO ANSWER\r\n", "\r\nNO DIALTONE\r\n",
    "\r\n+CME ERROR: 10\r\n", "\r\n+CME ERROR: 11\r\n", "\r\n+CME ERROR: 12\r\n", "\r\n+CME ERROR: 13\r\n",
    "\r\n+CME ERROR: 14\r\n", "\r\n+CME ERROR: SIM not inserted\r\n", "\r\n+CMS ERROR: 500\r\n",
    "\r\n+CPIN: READY\r\n", "\r\n+CPIN: SIM PIN\r\n", "\r\n+CPIN: SIM PUK\r\n", "\r\n+CPIN: NOT INSERTED\r\n",
    "\r\n+CPIN: NOT READY\r\n", "\r\n+CPIN: PH-NET PIN\r\n", "\r\n+CSQ: 31,99\r\n", "\r\n+CSQ: 99,99\r\n",
    "\r\n+COPS: 0,0,\"CHN-UNICOM\",7\r\n", "\r\n+COPS: 0\r\n", "\r\n+CGREG: 0,1\r\n", "\r\n+CGREG: 0,2\r\n",
    "\r\n+CGREG: 0,3\r\n", "\r\n+CGREG: 0,5\r\n", "\r\n+CGREG: 2,1,\"1A2B\",\"01C3D4E5\",7\r\n",
    "\r\n+CEREG: 0,1\r\n", "\r\n+CEREG: 0,3\r\n", "\r\n+CEREG: 1\r\n", "\r\n+CGREG: 1,\"1A2B\",\"0C3D\",2\r\n",
    "\r\n+CREG: 0,1\r\n", "\r\nRING\r\n", "\r\nRDY\r\n", "\r\n+CFUN: 1\r\n", "\r\n+QIND: SMS DONE\r\n",
    "\r\nQuectel\r\nEC20F\r\nRevision: EC20CEHDLGR06A05M1G\r\n", "\r\nSubEdition: V03\r\n",
    "\r\n+CGREG: (0-2)\r\n", "~\xff}#\xc0!}!}!} }8}\"}&} } } } ~", "\r\n", "\r", "\n", "OK", "CONNECT",
    "ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2\r", "AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0\r\r\nOK\r\n",
    "ATD*99#\r\r\nCONNECT 150000000\r\n", "\r\n+CSQ: 0,0\r\n", "\r\n+CSQ: 32,8\r\n", "\r\n+COPS: 1,2,\"46001\",13\r\n",
    "\r\n+CME ERROR: 30\r\n", "\r\n+CEREG: 2,5,\"FFFF\",\"0FFFFFFF\",9\r\n", "\r\n+COPS: 0,0,\"A,\"\"B\",99\r\n",
    "\r\nCONNECT 18446744073709551616\r\n", "\r\nCONNECT -1\r\n", "\r\n+CGREG: 0,-1\r\n",
    "\r\n+CGREG: 0,2147483648\r\n", "\r\n+CSQ: 2147483647,-2147483648\r\n"};

bool terminal(const ChatEvent& e) {
    return std::holds_alternative<Connected>(e) || std::holds_alternative<Finished>(e) ||
           std::holds_alternative<Aborted>(e) || std::holds_alternative<TimedOut>(e);
}

// Events other than logs, as comparable text.
std::string key(const ChatEvent& e) {
    if (auto* s = std::get_if<SendText>(&e)) return "S" + s->text;
    if (auto* p = std::get_if<Progress>(&e)) return "P" + p->message;
    if (auto* m = std::get_if<Matched>(&e)) return "M" + std::to_string(m->op) + m->expect;
    if (auto* c = std::get_if<Connected>(&e)) return "C" + c->result + (c->speed ? std::to_string(*c->speed) : "-");
    if (std::get_if<Finished>(&e)) return "F";
    if (auto* a = std::get_if<Aborted>(&e)) return "A" + std::to_string(static_cast<int>(a->reason)) + a->message;
    if (auto* t = std::get_if<TimedOut>(&e)) return "T" + std::to_string(t->op) + t->expect + "|" + t->command + "|" + t->message;
    return {};
}

bool is_hex(std::string_view s) {
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

// The line parsers on one line; round trips where a formatter exists.
void check_line(std::string_view line) {
    (void)classify_result(line);
    if (auto cme = parse_cme_error(line)) {
        if (cme->code) (void)cme_error_text(*cme->code);
    }
    if (auto sim = parse_sim_status(line)) (void)to_string(*sim);
    if (auto csq = parse_csq(line)) {
        (void)csq->dbm();
        auto again = parse_csq("+CSQ: " + std::to_string(csq->rssi) + "," + std::to_string(csq->ber));
        CHECK(again && *again == *csq);
    }
    if (auto cops = parse_cops(line)) {
        if (cops->act) (void)to_string(*cops->act);
    }
    if (auto reg = parse_registration(line)) {
        (void)to_string(reg->status);
        if (reg->act) (void)to_string(*reg->act);
        // A modem prints <lac>/<ci> as hex, and <AcT> only after them.
        if (is_hex(reg->area) && is_hex(reg->cell) && (!reg->act || !reg->area.empty() || !reg->cell.empty())) {
            auto again = parse_registration(format_registration(*reg));
            CHECK(again && *again == *reg);
        }
    }
    (void)split_fields(line);
}

void check_lines(std::string_view text) {
    while (!text.empty()) {
        const std::size_t end = text.find_first_of("\r\n");
        check_line(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
}

Script pick_script(std::uint8_t mode, const std::uint8_t*& data, std::size_t& size) {
    switch (mode & 3) {
        case 0: {
            DialOptions o;
            o.pdp = static_cast<PdpType>(((mode >> 2) & 3) % 3);
            if ((mode & 0x10) != 0) {
                o.step_timeout = std::chrono::seconds{2};
                o.at_attempts = 2;
                o.at_attempt_timeout = std::chrono::seconds{1};
                o.registration_timeout = std::chrono::seconds{5};
                o.registration_poll = std::chrono::seconds{1};
            }
            auto s = build_default_script(o);
            CHECK(s.ok());
            return s.value();
        }
        case 1: return build_info_script();
        case 2: {
            auto s = parse_chat_script(kQuectelScript);
            CHECK(s.ok());
            return s.value();
        }
        default: {
            std::size_t n = size == 0 ? 0 : data[0];
            if (size > 0) {
                ++data;
                --size;
            }
            n = std::min(n, size);
            auto s = parse_chat_script(std::string_view(reinterpret_cast<const char*>(data), n));
            data += n;
            size -= n;
            if (s.ok()) return s.value();
            return parse_chat_script(kQuectelScript).value();
        }
    }
}

struct Driven {
    ChatEngine engine;
    ChatOutputs out;
    std::vector<std::string> keys;
    int terminals = 0;

    explicit Driven(Script s) : engine(std::move(s)) {}

    void take() {
        for (const auto& e : out) {
            if (terminal(e)) {
                ++terminals;
                CHECK(terminals == 1);
            }
            if (!std::holds_alternative<Log>(e)) {
                CHECK(terminals == 0 || terminal(e));  // nothing after the end
                keys.push_back(key(e));
            }
        }
        out.clear();
        if (engine.done()) {
            CHECK(terminals == 1);
            CHECK(!engine.next_timeout());
        } else {
            CHECK(terminals == 0);
        }
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t mode = data[0];
    ++data;
    --size;
    Script script = pick_script(mode, data, size);

    Driven whole(script), bytewise(script);
    TimePoint now = TimePoint{} + std::chrono::hours{1};
    whole.engine.start(now, whole.out);
    whole.take();
    bytewise.engine.start(now, bytewise.out);
    bytewise.take();
    Bytes leftover_whole, leftover_bytewise;

    auto feed = [&](ByteView bytes) {
        check_lines(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        whole.engine.feed(bytes, now, whole.out);
        whole.take();
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            bytewise.engine.feed(bytes.subspan(i, 1), now, bytewise.out);
            bytewise.take();
        }
        // Take the leftover at fuzzer-independent points: after each feed.
        Bytes a = whole.engine.take_leftover(), b = bytewise.engine.take_leftover();
        CHECK(a == b);
        CHECK(a.empty() || whole.engine.outcome() == Outcome::Connected);
        leftover_whole.insert(leftover_whole.end(), a.begin(), a.end());
        leftover_bytewise.insert(leftover_bytewise.end(), b.begin(), b.end());
    };

    auto fire = [&](Driven& d) {
        auto t = d.engine.next_timeout();
        if (!t || *t > now) return;
        d.engine.on_timeout(now, d.out);
        d.take();
        auto next = d.engine.next_timeout();
        CHECK(!next || *next > now);
    };

    std::size_t pos = 0;
    for (int records = 0; pos < size && records < 4000; ++records) {
        const std::uint8_t op = data[pos++];
        switch (op & 3) {
            case 0:
            case 1: {
                const std::size_t n = std::min<std::size_t>((op >> 2) + 1, size - pos);
                feed(ByteView(data + pos, n));
                pos += n;
                break;
            }
            case 2: {
                static constexpr int kUnitMs[] = {10, 100, 1000, 10000};
                const int units = pos < size ? data[pos++] : 0;
                const TimePoint until = now + Duration{static_cast<std::int64_t>(units) * kUnitMs[(op >> 2) & 3]};
                // An early call does nothing.
                if (auto t = whole.engine.next_timeout(); t && *t > now) {
                    whole.engine.on_timeout(now, whole.out);
                    CHECK(whole.out.empty());
                    CHECK(whole.engine.next_timeout() == t);
                }
                for (int guard = 0; guard < 100000; ++guard) {
                    auto t = earliest(whole.engine.next_timeout(), bytewise.engine.next_timeout());
                    if (!t || *t > until) break;
                    now = std::max(now, *t);
                    fire(whole);
                    fire(bytewise);
                }
                now = std::max(now, until);
                break;
            }
            default: {
                const std::string_view line = kLines[(op >> 2) % kLines.size()];
                feed(as_bytes(line));
                break;
            }
        }
        CHECK(whole.keys.size() == bytewise.keys.size());
    }
    CHECK(whole.keys == bytewise.keys);
    CHECK(whole.engine.modem() == bytewise.engine.modem());
    CHECK(leftover_whole == leftover_bytewise);
    CHECK(whole.engine.outcome() == bytewise.engine.outcome());
    for (const std::string& l : describe(whole.engine.modem())) (void)l;
    return 0;
}
