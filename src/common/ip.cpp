#include "common/ip.hpp"

#include <charconv>

namespace ec20ppp {

std::string to_string(Ipv4 a) {
    return std::to_string(a.value >> 24) + '.' + std::to_string((a.value >> 16) & 0xff) + '.' +
           std::to_string((a.value >> 8) & 0xff) + '.' + std::to_string(a.value & 0xff);
}

std::optional<Ipv4> parse_ipv4(std::string_view text) {
    std::uint32_t value = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int i = 0; i < 4; ++i) {
        if (i > 0) {
            if (p == end || *p != '.') return std::nullopt;
            ++p;
        }
        if (p == end || *p < '0' || *p > '9') return std::nullopt;
        unsigned octet = 0;
        auto [next, ec] = std::from_chars(p, end, octet);
        if (ec != std::errc{} || octet > 255 || next - p > 3) return std::nullopt;
        p = next;
        value = (value << 8) | octet;
    }
    if (p != end) return std::nullopt;
    return Ipv4{value};
}

}  // namespace ec20ppp
