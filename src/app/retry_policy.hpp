// --persist: whether and when to dial again after a connection attempt ends. Pure: the caller
// reports each attempt's outcome and gets back a decision; time and randomness come in.
#pragma once

#include <string>

#include "app/dial_options.hpp"
#include "common/random.hpp"
#include "common/time.hpp"

namespace ec20ppp::app {


struct RetryDecision {
    bool retry = false;
    Duration wait{0};
    bool reset_modem = false;
    std::string explanation;  // for the log: why, and what happens next
};

class RetryPolicy {
public:
    RetryPolicy(PersistOptions options, RandomSource random);

    // One attempt ended with pppd exit status `exit_code`; `was_up` says whether IP came up
    // during it (a connection that worked and later dropped is not a failure to dial).
    RetryDecision after_attempt(int exit_code, bool was_up);

    unsigned consecutive_failures() const { return failures_; }
    unsigned attempts() const { return attempts_; }

private:
    PersistOptions options_;
    RandomSource random_;
    unsigned failures_ = 0;
    unsigned attempts_ = 0;
};

// Whether an exit status can change by trying again: option errors, missing privileges and a
// signal from the user cannot.
bool is_retryable(int exit_code);

}  // namespace ec20ppp::app
