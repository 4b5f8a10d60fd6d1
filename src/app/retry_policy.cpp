#include "app/retry_policy.hpp"

#include <algorithm>

#include "app/exit_codes.hpp"

namespace ec20ppp::app {

namespace {

std::string seconds_text(Duration d) {
    auto ms = d.count();
    std::string s = std::to_string(ms / 1000);
    if (ms % 1000) s += "." + std::to_string((ms % 1000) / 100);
    return s + " s";
}

}  // namespace

bool is_retryable(int exit_code) {
    switch (exit_code) {
        case exit_ok:
        case exit_option_error:
        case exit_not_root:
        case exit_user_request: return false;
        default: return true;
    }
}

RetryPolicy::RetryPolicy(PersistOptions options, RandomSource random)
    : options_(options), random_(std::move(random)) {}

RetryDecision RetryPolicy::after_attempt(int exit_code, bool was_up) {
    ++attempts_;
    RetryDecision d;
    if (!options_.persist) {
        d.explanation = "not retrying (no --persist)";
        return d;
    }
    if (!is_retryable(exit_code)) {
        d.explanation = "not retrying: trying again cannot change this outcome (exit status " + std::to_string(exit_code) + ")";
        return d;
    }
    // A connection that came up and later dropped starts the count afresh (pppd does the same).
    failures_ = was_up ? 0 : failures_ + 1;
    if (options_.max_fail > 0 && failures_ >= options_.max_fail) {
        d.explanation = "giving up after " + std::to_string(failures_) + " failed attempts in a row (--max-fail " +
                        std::to_string(options_.max_fail) + ")";
        return d;
    }
    d.retry = true;
    if (failures_ == 0) {
        d.wait = options_.holdoff;
    } else {
        // Exponential backoff, bounded, with +-20 % jitter so a fleet that lost the same cell
        // does not redial in lock step.
        Duration base = options_.holdoff;
        for (unsigned i = 1; i < failures_ && base < options_.max_holdoff; ++i) base *= 2;
        base = std::min(base, options_.max_holdoff);
        std::uint32_t r = random_u32(random_);
        double factor = 0.8 + 0.4 * (static_cast<double>(r) / 4294967295.0);
        d.wait = std::min(options_.max_holdoff, Duration(static_cast<Duration::rep>(static_cast<double>(base.count()) * factor)));
    }
    d.reset_modem = options_.modem_reset_after > 0 && failures_ > 0 && failures_ % options_.modem_reset_after == 0;
    d.explanation = (failures_ == 0 ? std::string("the connection ended") : std::to_string(failures_) + " failed attempt(s) in a row") +
                    (d.reset_modem ? "; resetting the modem (AT+CFUN=1,1)" : "") + "; dialing again in " + seconds_text(d.wait);
    return d;
}

}  // namespace ec20ppp::app
