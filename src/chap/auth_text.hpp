// Internal helpers shared by the CHAP and PAP code: log text formatting and the constant-time
// comparison. Not part of the module's interface (the link controller needs none of it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "common/time.hpp"

namespace ec20ppp::chap::detail {

// `s` in double quotes the way pppd prints names and messages: printable ASCII as is, `"` and `\`
// backslash-escaped, \t \n \r \f by name and any other octet as a three-digit octal escape. Peer
// text goes into log lines, so it must not be able to inject control characters.
std::string quoted(std::string_view s);

// "0x1", "0xff": the Identifier as pppd prints it.
std::string hex_id(std::uint8_t id);

// "30 s" for whole seconds, otherwise "1500 ms".
std::string duration_text(Duration d);

// Equality whose running time does not depend on where the inputs differ (only on their
// lengths), so a peer cannot recover an expected response or password octet by octet from
// timing. Uses OpenSSL's CRYPTO_memcmp.
bool constant_time_equal(ByteView a, ByteView b);

}  // namespace ec20ppp::chap::detail
