// IPv4 addresses as host-order integers, and their text form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ec20ppp {

struct Ipv4 {
    std::uint32_t value = 0;  // host order: 10.18.14.216 == 0x0a120ed8
    constexpr bool is_zero() const { return value == 0; }
    friend constexpr bool operator==(Ipv4, Ipv4) = default;
};

std::string to_string(Ipv4 address);
// Dotted quad only ("10.18.14.216"); no shorthand forms, no leading/trailing junk.
std::optional<Ipv4> parse_ipv4(std::string_view text);

}  // namespace ec20ppp
