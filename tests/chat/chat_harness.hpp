// Drives a ChatEngine with fake time and keeps every event it produced.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "chat/engine.hpp"

namespace ec20ppp::chat::testing {

// The real EC20's replies from the chat -v log in the field notes (^M = "\r", the log's line breaks
// = "\n"), as the modem sent them to each command of quectel-pppd.sh's script.
inline constexpr std::string_view kReplyAt = "AT\r\r\nOK\r\n";  // echo is still on
inline constexpr std::string_view kReplyAte0 = "ATE0\r\r\nOK\r\n";
inline constexpr std::string_view kReplyAti =
    "\r\nQuectel\r\nEC20F\r\nRevision: EC20CEHDLGR06A05M1G\r\n\r\nSubEdition: V03\r\n\r\n+CSQ: 31,99\r\n"
    "\r\n+CPIN: READY\r\n\r\n+COPS: 0,0,\"CHN-UNICOM\",7\r\n\r\n+CGREG: 0,1\r\n\r\nOK\r\n";
inline constexpr std::string_view kReplyCgdcont = "\r\nOK\r\n";
inline constexpr std::string_view kReplyDial = "\r\nCONNECT 150000000\r\n";
inline constexpr std::string_view kCmdAti = "ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2\r";
inline constexpr std::string_view kCmdCgdcont = "AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0\r";
// The first bytes of the modem's LCP Configure-Request, as they follow CONNECT on the wire.
inline const std::string kPppStart = "~\xff}#\xc0!}!}!} }8}\"}&} } } } ~";

inline Script default_script(std::string_view apn = "3gnet") {
    auto s = build_default_script(apn, PdpType::Ip);
    EXPECT_TRUE(s);
    return s ? s.value() : Script{};
}

struct Harness {
    explicit Harness(Script script) : engine(std::move(script)) {}

    ChatEngine engine;
    TimePoint now = TimePoint{} + std::chrono::hours{1};
    ChatOutputs out;

    void start() { engine.start(now, out); }
    void feed(std::string_view text) { engine.feed(as_bytes(text), now, out); }
    // Lets time pass, firing every deadline on the way at its exact time.
    void wait(Duration d) {
        const TimePoint until = now + d;
        while (auto t = engine.next_timeout()) {
            if (*t > until) break;
            now = *t;
            engine.on_timeout(now, out);
        }
        now = until;
    }

    std::vector<std::string> sent() const {
        std::vector<std::string> v;
        for (const auto& e : out)
            if (const auto* s = std::get_if<SendText>(&e)) v.push_back(s->text);
        return v;
    }
    std::string last_sent() const {
        auto v = sent();
        return v.empty() ? std::string() : v.back();
    }
    template <class T>
    std::vector<T> all() const {
        std::vector<T> v;
        for (const auto& e : out)
            if (const auto* x = std::get_if<T>(&e)) v.push_back(*x);
        return v;
    }
    template <class T>
    std::optional<T> last() const {
        auto v = all<T>();
        if (v.empty()) return std::nullopt;
        return v.back();
    }
    std::vector<std::string> logs() const {
        std::vector<std::string> v;
        for (const auto& l : all<Log>()) v.push_back(l.line);
        return v;
    }
    std::vector<std::string> progress() const {
        std::vector<std::string> v;
        for (const auto& p : all<Progress>()) v.push_back(p.message);
        return v;
    }
    std::string leftover() {
        Bytes b = engine.take_leftover();
        return std::string(b.begin(), b.end());
    }
};

}  // namespace ec20ppp::chat::testing
