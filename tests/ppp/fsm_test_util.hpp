// Shared helpers for the PPP control-protocol tests (tests/ppp, tests/lcp, tests/ipcp): hex
// literals, a compact trace of FsmOutputs in the RFC 1661 §4.4 action names, a deterministic
// RandomSource and fake time.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/packet.hpp"
#include "common/random.hpp"
#include "common/time.hpp"
#include "ppp/control_packet.hpp"
#include "ppp/describe.hpp"
#include "ppp/option_fsm.hpp"

namespace ec20ppp::test {

using namespace std::chrono_literals;

// "01 02 0a" or "01020a": whitespace is ignored.
inline Bytes hex(std::string_view text) {
    std::string compact;
    for (char c : text) {
        if (c != ' ' && c != '\n') compact += c;
    }
    Bytes b;
    EXPECT_TRUE(from_hex(compact, b)) << "bad hex literal " << text;
    return b;
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline Bytes packet(ppp::Code code, std::uint8_t id, const Bytes& data) {
    return ppp::build_control_packet(code, id, data);
}

// An arbitrary fixed start time (not the epoch, so "time zero" bugs would show).
inline const TimePoint t0 = TimePoint{} + 1h;

template <class T>
std::vector<T> events_of(const ppp::FsmOutputs& out) {
    std::vector<T> found;
    for (const auto& e : out) {
        if (const auto* v = std::get_if<T>(&e)) found.push_back(*v);
    }
    return found;
}

inline std::vector<Bytes> sent(const ppp::FsmOutputs& out) {
    std::vector<Bytes> packets;
    for (const auto& s : events_of<SendPacket>(out)) packets.push_back(s.packet);
    return packets;
}

inline std::vector<std::string> log_lines(const ppp::FsmOutputs& out) {
    std::vector<std::string> lines;
    for (const auto& l : events_of<LogLine>(out)) lines.push_back(l.text);
    return lines;
}

// The RFC 1661 §4.4 name of a packet we send: scr, sca, scn (Nak or Reject), str, sta, scj, ser.
inline std::string action_name(const SendPacket& p) {
    if (p.packet.empty()) return "send(empty)";
    switch (p.packet[0]) {
        case 1: return "scr";
        case 2: return "sca";
        case 3: return "scn";
        case 4: return "scn(rej)";
        case 5: return "str";
        case 6: return "sta";
        case 7: return "scj";
        case 10: return "ser";
        default: return "send(code " + std::to_string(p.packet[0]) + ")";
    }
}

// Everything the automaton did, in order, as "tld,scr,sca"; log lines are left out.
inline std::string trace(const ppp::FsmOutputs& out) {
    std::string s;
    auto add = [&](const std::string& a) { s += (s.empty() ? "" : ",") + a; };
    for (const auto& e : out) {
        if (const auto* p = std::get_if<SendPacket>(&e)) add(action_name(*p));
        else if (std::holds_alternative<ppp::LayerUp>(e)) add("tlu");
        else if (std::holds_alternative<ppp::LayerDown>(e)) add("tld");
        else if (std::holds_alternative<ppp::LayerStarted>(e)) add("tls");
        else if (std::holds_alternative<ppp::LayerFinished>(e)) add("tlf");
        else if (const auto* r = std::get_if<ppp::ProtocolRejectReceived>(&e))
            add("protocol-reject(" + ppp::hex_value(r->protocol) + ")");
        else if (const auto* er = std::get_if<ppp::EchoReplyReceived>(&e))
            add("echo-reply(id=" + ppp::hex_value(er->id) + " magic=" + ppp::hex_value(er->magic) + ")");
    }
    return s;
}

// Random bytes from a script: each 4-octet request takes the next value (big-endian); when the
// script runs out, values continue from 0x01010101 upwards, never zero. Copies share the state.
class ScriptedRandom {
public:
    explicit ScriptedRandom(std::vector<std::uint32_t> script = {})
        : state_(std::make_shared<State>()) {
        state_->values.assign(script.begin(), script.end());
    }
    RandomSource source() const {
        auto state = state_;
        return [state](std::span<std::uint8_t> out) {
            for (std::size_t i = 0; i < out.size(); i += 4) {
                std::uint32_t v;
                if (!state->values.empty()) {
                    v = state->values.front();
                    state->values.pop_front();
                } else {
                    v = state->next;
                    state->next += 0x01010101u;
                }
                ++state->calls;
                for (std::size_t k = 0; k < 4 && i + k < out.size(); ++k)
                    out[i + k] = static_cast<std::uint8_t>(v >> (24 - 8 * k));
            }
        };
    }
    void push(std::uint32_t v) { state_->values.push_back(v); }
    int calls() const { return state_->calls; }

private:
    struct State {
        std::deque<std::uint32_t> values;
        std::uint32_t next = 0x01010101u;
        int calls = 0;
    };
    std::shared_ptr<State> state_;
};

// One endpoint's automaton with a fake clock; every step returns what the automaton emitted.
struct Driver {
    ppp::OptionFsm& fsm;
    TimePoint now = t0;

    ppp::FsmOutputs open_and_up() {
        ppp::FsmOutputs out;
        fsm.open(now, out);
        fsm.up(now, out);
        return out;
    }
    ppp::FsmOutputs input(const Bytes& pkt) {
        ppp::FsmOutputs out;
        fsm.input(pkt, now, out);
        return out;
    }
    // Advances the clock to the pending deadline and fires it.
    ppp::FsmOutputs timeout() {
        ppp::FsmOutputs out;
        EXPECT_TRUE(fsm.next_timeout().has_value()) << "no restart timer pending";
        if (auto d = fsm.next_timeout()) now = *d;
        fsm.on_timeout(now, out);
        return out;
    }
};

// The only packet sent in `out` (fails the test when there is not exactly one).
inline Bytes only_packet(const ppp::FsmOutputs& out) {
    auto p = sent(out);
    EXPECT_EQ(p.size(), 1u) << "trace: " << trace(out);
    return p.empty() ? Bytes{} : p.front();
}

}  // namespace ec20ppp::test
