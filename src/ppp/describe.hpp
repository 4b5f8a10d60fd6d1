// pppd's readable form of a control packet, e.g. "LCP ConfReq id=0x1 <asyncmap 0x0> <pcomp>".
// Users compare our logs with pppd's line by line, so the spelling follows pppd's.
#pragma once

#include <string>

#include "common/bytes.hpp"
#include "ppp/option_fsm.hpp"

namespace ec20ppp::ppp {

// Codes 1-7 are printed generically using the handler's option names; other codes print their
// data as pppd does (LCP's Echo/Discard get "magic=0x..." from describe_lcp_extra in src/lcp).
std::string describe_control_packet(const OptionHandler& handler, ByteView packet);

// " 0a 0b 0c" — pppd's rendering of octets it does not decode.
std::string hex_octets(ByteView bytes);
// "0x1f" — pppd prints identifiers and numbers with %x.
std::string hex_value(std::uint32_t value);
// A quoted string with non-printable characters escaped, as pppd's print_string does.
std::string quoted(ByteView text);

}  // namespace ec20ppp::ppp
