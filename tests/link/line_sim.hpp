// A simulated serial line between two FramedLinks, driven by fake time: seeded byte corruption,
// dropped chunks, latency and arbitrary chunking, so a whole dial runs in memory in milliseconds.
#pragma once

#include <deque>
#include <functional>
#include <random>
#include <vector>

#include "link/framed_link.hpp"

namespace ec20ppp::testsupport {

struct LineFaults {
    double corrupt_byte = 0;  // probability that a byte has one bit flipped
    double drop_chunk = 0;    // probability that a written chunk is lost
    std::chrono::milliseconds latency{0};
    std::size_t max_chunk = 64;  // writes are split into random chunks of 1..max_chunk bytes
    // End 1 loses whatever end 0 writes before this time: a modem still switching to data mode
    // after CONNECT.
    std::chrono::milliseconds deaf_until{0};
};

// A deterministic RandomSource.
inline RandomSource seeded_random(std::uint32_t seed) {
    auto engine = std::make_shared<std::mt19937>(seed);
    return [engine](std::span<std::uint8_t> out) {
        for (auto& b : out) b = static_cast<std::uint8_t>((*engine)() & 0xff);
    };
}

class SimulatedLine {
public:
    struct End {
        link::FramedLink* link = nullptr;
        link::LinkEvents events;  // everything this end emitted, in order
    };

    SimulatedLine(link::FramedLink& a, link::FramedLink& b, LineFaults faults, std::uint32_t seed)
        : faults_(faults), rng_(seed) {
        ends_[0].link = &a;
        ends_[1].link = &b;
    }

    TimePoint now() const { return now_; }
    End& end(int i) { return ends_[i]; }

    // Runs one call on end i and ships whatever it sent.
    void act(int i, const std::function<void(link::FramedLink&, link::LinkEvents&)>& call) {
        link::LinkEvents out;
        call(*ends_[i].link, out);
        ship(i, out);
    }

    // Runs everything due before `t`, then sets the clock to `t`.
    void run_to(TimePoint t) {
        if (t > now_) run_until([] { return false; }, std::chrono::duration_cast<std::chrono::milliseconds>(t - now_));
        now_ = std::max(now_, t);
    }

    // Advances fake time, delivering bytes and firing timers, until `done` or `limit` passes.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
        const TimePoint end_time = now_ + limit;
        while (!done()) {
            std::optional<TimePoint> next;
            for (auto& e : ends_) next = earliest(next, e.link->link().next_timeout());
            if (!in_flight_.empty()) next = earliest(next, in_flight_.front().arrival);
            if (!next || *next > end_time) return done();
            now_ = std::max(now_, *next);
            while (!in_flight_.empty() && in_flight_.front().arrival <= now_) {
                Chunk c = std::move(in_flight_.front());
                in_flight_.pop_front();
                link::LinkEvents out;
                ends_[c.to].link->receive_bytes(c.bytes, now_, out);
                ship(c.to, out);
            }
            for (int i = 0; i < 2; ++i) {
                auto d = ends_[i].link->link().next_timeout();
                if (d && *d <= now_) {
                    link::LinkEvents out;
                    ends_[i].link->link().on_timeout(now_, out);
                    ship(i, out);
                }
            }
        }
        return true;
    }

private:
    struct Chunk {
        TimePoint arrival;
        int to;
        Bytes bytes;
    };

    void ship(int from, link::LinkEvents& out) {
        Bytes wire;
        ends_[from].link->encode_all(out, wire);
        for (auto& e : out) ends_[from].events.push_back(std::move(e));
        if (from == 0 && now_ - TimePoint{} < faults_.deaf_until) return;
        std::uniform_real_distribution<double> coin(0, 1);
        std::size_t pos = 0;
        while (pos < wire.size()) {
            std::size_t n = std::uniform_int_distribution<std::size_t>(1, faults_.max_chunk)(rng_);
            n = std::min(n, wire.size() - pos);
            Bytes piece(wire.begin() + static_cast<std::ptrdiff_t>(pos), wire.begin() + static_cast<std::ptrdiff_t>(pos + n));
            pos += n;
            if (coin(rng_) < faults_.drop_chunk) continue;
            for (auto& b : piece) {
                if (coin(rng_) < faults_.corrupt_byte) b ^= static_cast<std::uint8_t>(1u << (rng_() % 8));
            }
            // Chunks stay in order: a serial line does not reorder.
            TimePoint arrival = now_ + faults_.latency;
            if (!in_flight_.empty()) arrival = std::max(arrival, in_flight_.back().arrival);
            in_flight_.push_back(Chunk{arrival, 1 - from, std::move(piece)});
        }
    }

    LineFaults faults_;
    std::mt19937 rng_;
    TimePoint now_{};
    End ends_[2];
    std::deque<Chunk> in_flight_;
};

}  // namespace ec20ppp::testsupport
