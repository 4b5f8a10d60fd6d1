#include "link/presets.hpp"

#include <algorithm>

namespace ec20ppp::link {

LinkConfig client_config(std::string user, std::string password) {
    LinkConfig c;
    c.role = Role::client;
    c.user = std::move(user);
    c.password = std::move(password);
    // RFC 1661 §4.6 note: start the Restart timer small and double it up to the 3 s default. The
    // peer is the modem itself over USB (round trips of milliseconds), and a Configure-Request
    // lost while it switches to data mode after CONNECT then costs 0.5 s instead of 3 s.
    c.fsm.initial_restart_interval = std::chrono::milliseconds(500);
    // And when the modem's first Configure-Request arrives while ours is still unanswered after
    // 100 ms (it answers in milliseconds when it heard us), send ours again right away.
    c.fsm.resend_request_on_peer_request = std::chrono::milliseconds(100);
    return c;
}

void fit_restart_timers_to_round_trip(LinkConfig& config, Duration modem_round_trip) {
    using std::chrono::milliseconds;
    const Duration rtt = std::max(modem_round_trip, Duration::zero());
    config.fsm.initial_restart_interval =
        std::clamp<Duration>(2 * rtt + milliseconds(100), milliseconds(500),
                             std::max<Duration>(config.fsm.restart_interval, milliseconds(500)));
    config.fsm.resend_request_on_peer_request = std::max<Duration>(rtt + milliseconds(50), milliseconds(100));
}

LinkConfig ec20_network_config(const Ec20NetworkPlan& plan) {
    LinkConfig c;
    c.role = Role::network;
    c.fsm.first_id = 0;  // the EC20 numbers its requests from 0
    c.lcp.require_auth = plan.auth;
    c.lcp.allow_chap = false;  // it never authenticates itself to the host
    c.lcp.allow_pap = false;
    c.ipcp.request_address = false;  // its IPCP ConfReq carries no options
    c.ipcp.request_dns = false;
    c.ipcp.accept_remote = false;
    c.ipcp.remote = plan.client_address;
    c.ipcp.ask_peer_address = false;
    c.ipcp.dns1 = plan.dns1;
    c.ipcp.dns2 = plan.dns2;
    c.auth_name = plan.auth_name;
    c.secrets = plan.secrets ? plan.secrets : [](std::string_view name) -> std::optional<std::string> {
        if (name == "user") return std::string("passwd");
        return std::nullopt;
    };
    c.send_discard_after_open = true;
    return c;
}

}  // namespace ec20ppp::link
