// pppd's exit statuses (pppd(8) "EXIT STATUS"), so scripts written for pppd keep working.
#pragma once

#include "link/link.hpp"

namespace ec20ppp::app {

enum ExitCode : int {
    exit_ok = 0,
    exit_fatal = 1,
    exit_option_error = 2,
    exit_not_root = 3,
    exit_user_request = 5,       // killed by SIGINT/SIGTERM/SIGHUP
    exit_lock_failed = 6,
    exit_open_failed = 7,
    exit_connect_failed = 8,     // the AT chat failed
    exit_negotiation_failed = 10,
    exit_peer_auth_failed = 11,
    exit_peer_dead = 15,         // no answer to LCP echo requests
    exit_hangup = 16,            // the modem hung up / the network ended the call
    exit_loopback = 17,
    exit_auth_to_peer_failed = 19,
};

inline int exit_code_for(link::EndReason reason) {
    switch (reason) {
        case link::EndReason::none:
        case link::EndReason::local_request: return exit_user_request;
        case link::EndReason::peer_terminated:
        case link::EndReason::lower_layer_down: return exit_hangup;
        case link::EndReason::negotiation_failed: return exit_negotiation_failed;
        case link::EndReason::we_failed_auth: return exit_auth_to_peer_failed;
        case link::EndReason::peer_failed_auth: return exit_peer_auth_failed;
        case link::EndReason::echo_timeout: return exit_peer_dead;
        case link::EndReason::looped_back: return exit_loopback;
    }
    return exit_fatal;
}

}  // namespace ec20ppp::app
