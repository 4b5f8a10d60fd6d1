// Shared helpers for the chap tests: hex literals, picking events out of AuthOutputs, a
// deterministic random source and fake time.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chap/auth_events.hpp"
#include "common/bytes.hpp"

namespace ec20ppp::chap::test {

using namespace std::chrono_literals;

inline Bytes hex(std::string_view h) {
    Bytes b;
    EXPECT_TRUE(from_hex(h, b)) << "bad hex literal " << h;
    return b;
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline Bytes text(std::string_view s) {
    const ByteView b = as_bytes(s);
    return {b.begin(), b.end()};
}

// An arbitrary fixed start time (not the epoch, so "time zero" bugs would show).
inline const TimePoint t0 = TimePoint{} + 1h;

template <class T>
std::vector<T> events_of(const AuthOutputs& out) {
    std::vector<T> found;
    for (const auto& e : out) {
        if (const auto* v = std::get_if<T>(&e)) found.push_back(*v);
    }
    return found;
}

inline std::vector<Bytes> sent(const AuthOutputs& out, std::uint16_t protocol) {
    std::vector<Bytes> packets;
    for (const auto& s : events_of<SendPacket>(out)) {
        EXPECT_EQ(s.protocol, protocol);
        packets.push_back(s.packet);
    }
    return packets;
}

inline std::vector<std::string> log_lines(const AuthOutputs& out) {
    std::vector<std::string> lines;
    for (const auto& l : events_of<AuthLog>(out)) lines.push_back(l.text);
    return lines;
}

inline bool has_log_containing(const AuthOutputs& out, std::string_view needle) {
    for (const auto& l : log_lines(out)) {
        if (l.find(needle) != std::string::npos) return true;
    }
    return false;
}

// Hands every SendPacket of `out` to `to` and returns what `to` emitted in reply.
template <class Role>
AuthOutputs deliver(const AuthOutputs& out, Role& to, TimePoint now) {
    AuthOutputs reply;
    for (const auto& e : out) {
        if (const auto* s = std::get_if<SendPacket>(&e)) to.input(s->packet, now, reply);
    }
    return reply;
}

// Deterministic "random" octets: 0x00, 0x01, ... from `first`. Shared state so that the copy
// held by the role and the test's view agree.
struct CountingRandom {
    std::shared_ptr<std::uint8_t> next = std::make_shared<std::uint8_t>(0);
    explicit CountingRandom(std::uint8_t first = 0) { *next = first; }
    void operator()(std::span<std::uint8_t> out) const {
        for (auto& b : out) b = (*next)++;
    }
};

}  // namespace ec20ppp::chap::test
