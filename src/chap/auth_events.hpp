// What the authentication roles (CHAP and PAP, both directions) hand back to the link controller.
// Every role is a pure state machine: the caller passes in packets and `now`, and receives
// AuthEvents in an AuthOutputs vector; nothing here performs I/O, reads a clock or draws random
// numbers on its own (randomness is injected as a RandomSource).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/packet.hpp"
#include "common/random.hpp"
#include "common/time.hpp"

namespace ec20ppp::chap {

// The peer proved its identity (authenticator role: `peer_name` is the name it proved), or the
// peer accepted ours (client role: `peer_name` is the name the authenticator gave, if any).
struct AuthSucceeded {
    std::string peer_name;
};

// Authentication is over and did not succeed. `reason` is a sentence a person can act on. It is
// emitted at most once per authentication; the link controller is expected to close the link
// (RFC 1994 §4.2 and RFC 1334 §2.2.2: a failure SHOULD take action to terminate the link).
struct AuthFailed {
    std::string reason;
};

// Something worth a line in the log: a verdict, a dropped packet. Never contains a secret.
struct AuthLog {
    std::string text;
};

using AuthEvent = std::variant<SendPacket, AuthSucceeded, AuthFailed, AuthLog>;
using AuthOutputs = std::vector<AuthEvent>;

// Fills the span with unpredictable octets (RFC 1994 §2.3: challenge values should be
// unpredictable). Injected so that tests can be deterministic.
using RandomSource = ::ec20ppp::RandomSource;

// The secret (CHAP) or password (PAP) for a peer name, or nullopt for an unknown name.
using SecretLookup = std::function<std::optional<std::string>(std::string_view peer_name)>;

// Timer defaults follow RFC 1661 §4.6 (Restart timer 3 s, Max-Configure 10), which pppd also
// applies to CHAP challenges and PAP requests; `wait_for_peer` bounds how long a passive role
// waits for the other side to start.
struct AuthTimers {
    Duration restart{3000};
    int max_transmits = 10;
    Duration wait_for_peer{30000};
};

}  // namespace ec20ppp::chap
