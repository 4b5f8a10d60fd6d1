// --persist decisions (pppd's persist/maxfail/holdoff, with bounded exponential backoff).
#include <gtest/gtest.h>

#include "app/exit_codes.hpp"
#include "app/retry_policy.hpp"

using namespace ec20ppp;
using namespace ec20ppp::app;
using namespace std::chrono_literals;

namespace {
// Random bytes fixed at 0x80..: the jitter factor is then ~1.0.
RandomSource middle_random() {
    return [](std::span<std::uint8_t> out) {
        for (auto& b : out) b = 0x80;
    };
}
PersistOptions persist(unsigned max_fail = 10) {
    PersistOptions o;
    o.persist = true;
    o.max_fail = max_fail;
    o.holdoff = 1s;
    o.max_holdoff = 60s;
    return o;
}
}  // namespace

TEST(RetryPolicy, WithoutPersistNeverRetries) {
    RetryPolicy p({}, middle_random());
    EXPECT_FALSE(p.after_attempt(exit_hangup, true).retry);
}

TEST(RetryPolicy, BacksOffExponentiallyToTheBoundWithJitter) {
    RetryPolicy p(persist(0), middle_random());
    std::vector<long> waits;
    for (int i = 0; i < 9; ++i) waits.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(p.after_attempt(exit_connect_failed, false).wait).count());
    // 1, 2, 4, 8, 16, 32, 60, 60, 60 s, each within +-20 % (here the middle, ~1.0).
    const long expected[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000};
    for (int i = 0; i < 9; ++i) {
        EXPECT_NEAR(waits[i], expected[i], expected[i] * 0.21) << "attempt " << i + 1;
        EXPECT_LE(waits[i], 60000);
    }
}

TEST(RetryPolicy, JitterStaysWithinTwentyPercent) {
    for (std::uint8_t fill : {0x00, 0xff}) {
        RetryPolicy p(persist(0), [fill](std::span<std::uint8_t> out) { std::fill(out.begin(), out.end(), fill); });
        p.after_attempt(exit_connect_failed, false);
        auto wait = p.after_attempt(exit_connect_failed, false).wait;  // base 2 s
        EXPECT_GE(wait, 1600ms);
        EXPECT_LE(wait, 2400ms);
    }
}

TEST(RetryPolicy, GivesUpAfterMaxFailConsecutiveFailures) {
    RetryPolicy p(persist(3), middle_random());
    EXPECT_TRUE(p.after_attempt(exit_negotiation_failed, false).retry);
    EXPECT_TRUE(p.after_attempt(exit_negotiation_failed, false).retry);
    auto last = p.after_attempt(exit_negotiation_failed, false);
    EXPECT_FALSE(last.retry);
    EXPECT_NE(last.explanation.find("giving up after 3"), std::string::npos);
}

TEST(RetryPolicy, AConnectionThatWasUpResetsTheCount) {
    RetryPolicy p(persist(2), middle_random());
    EXPECT_TRUE(p.after_attempt(exit_connect_failed, false).retry);
    auto after_up = p.after_attempt(exit_hangup, true);
    EXPECT_TRUE(after_up.retry);
    EXPECT_EQ(after_up.wait, 1s);  // the plain holdoff, no backoff
    EXPECT_EQ(p.consecutive_failures(), 0u);
    EXPECT_TRUE(p.after_attempt(exit_connect_failed, false).retry);
}

TEST(RetryPolicy, OutcomesThatCannotChangeAreNotRetried) {
    for (int code : {exit_ok, exit_option_error, exit_not_root, exit_user_request}) {
        RetryPolicy p(persist(0), middle_random());
        EXPECT_FALSE(p.after_attempt(code, false).retry) << code;
    }
}

TEST(RetryPolicy, ResetsTheModemEveryKFailures) {
    auto o = persist(0);
    o.modem_reset_after = 3;
    RetryPolicy p(o, middle_random());
    std::vector<bool> resets;
    for (int i = 0; i < 7; ++i) resets.push_back(p.after_attempt(exit_connect_failed, false).reset_modem);
    EXPECT_EQ(resets, (std::vector<bool>{false, false, true, false, false, true, false}));
}
