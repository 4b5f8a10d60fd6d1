#include "chap/auth_text.hpp"

#include <openssl/crypto.h>

namespace ec20ppp::chap::detail {

std::string quoted(std::string_view s) {
    static constexpr char octal[] = "01234567";
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('"');
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c >= 0x20 && c < 0x7f) {
                    out.push_back(static_cast<char>(c));
                } else {
                    out.push_back('\\');
                    out.push_back(octal[(c >> 6) & 7]);
                    out.push_back(octal[(c >> 3) & 7]);
                    out.push_back(octal[c & 7]);
                }
        }
    }
    out.push_back('"');
    return out;
}

std::string hex_id(std::uint8_t id) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "0x";
    if (id >= 0x10) out.push_back(digits[id >> 4]);
    out.push_back(digits[id & 0x0f]);
    return out;
}

std::string duration_text(Duration d) {
    const auto ms = d.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    return std::to_string(ms) + " ms";
}

bool constant_time_equal(ByteView a, ByteView b) {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ec20ppp::chap::detail
