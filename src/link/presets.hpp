// Ready-made link configurations: the dialer's (pppd as quectel-pppd.sh runs it) and the
// network side of a real EC20 (as its PPP server behaves in the captured log).
#pragma once

#include "link/link.hpp"

namespace ec20ppp::link {

// The client: asyncmap 0, magic, pcomp, accomp; authenticates with CHAP-MD5 or PAP as the peer
// asks; IPCP asks for 0.0.0.0 and both DNS servers (noipdefault usepeerdns).
LinkConfig client_config(std::string user, std::string password);

// RFC 1661 §4.6 note: the first Restart interval SHOULD cover twice the round trip plus 100 ms.
// Sizes the client's timers to `modem_round_trip`, the modem's slowest answer in the AT chat:
// the first Configure-Request wait becomes 2 x round trip + 100 ms (at least 0.5 s, at most
// fsm.restart_interval), and the resend on the peer's first request waits round trip + 50 ms
// (at least 100 ms). A modem that answers slowly then never sees a request repeated before its
// answer could have arrived (a repeat reaching an Opened peer would restart its negotiation).
void fit_restart_timers_to_round_trip(LinkConfig& config, Duration modem_round_trip);

struct Ec20NetworkPlan {
    Ipv4 client_address{0x0a120ed8};  // 10.18.14.216
    std::optional<Ipv4> dns1 = Ipv4{0xdd060442};  // 221.6.4.66
    std::optional<Ipv4> dns2 = Ipv4{0x3af03921};  // 58.240.57.33
    lcp::AuthProtocol auth = lcp::AuthProtocol::chap_md5;
    std::string auth_name = "UMTS_CHAP_SRVR";
    // Who may log in; unset means quectel-pppd.sh's defaults, user "user" with "passwd".
    chap::SecretLookup secrets;
};

// The EC20's network side: LCP ConfReq id 0 asking for CHAP-MD5, a Discard-Request after LCP
// opens, the challenge named UMTS_CHAP_SRVR, an IPCP ConfReq with no options, and Naks that
// assign the client's address and DNS.
LinkConfig ec20_network_config(const Ec20NetworkPlan& plan);

}  // namespace ec20ppp::link
