#include "ppp/describe.hpp"

#include <cstdio>

namespace ec20ppp::ppp {

std::string hex_octets(ByteView bytes) {
    std::string s;
    char buf[4];
    for (std::uint8_t b : bytes) {
        std::snprintf(buf, sizeof buf, " %.2x", b);
        s += buf;
    }
    return s;
}

std::string hex_value(std::uint32_t value) {
    char buf[12];
    std::snprintf(buf, sizeof buf, "0x%x", value);
    return buf;
}

std::string quoted(ByteView text) {
    std::string s = "\"";
    for (std::uint8_t c : text) {
        if (c == '"' || c == '\\') {
            s += '\\';
            s += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            s += static_cast<char>(c);
        } else {
            char buf[6];
            std::snprintf(buf, sizeof buf, "\\%.3o", c);
            s += buf;
        }
    }
    return s + "\"";
}

std::string describe_control_packet(const OptionHandler& handler, ByteView packet) {
    std::string s(handler.name());
    auto pkt = ControlPacketView::parse(packet);
    if (!pkt) return s + " (malformed)" + hex_octets(packet);
    auto name = code_name(pkt->code);
    s += ' ';
    s += name.empty() ? "code=" + hex_value(pkt->code) : std::string(name);
    s += " id=" + hex_value(pkt->id);
    switch (static_cast<Code>(pkt->code)) {
        case Code::configure_request:
        case Code::configure_ack:
        case Code::configure_nak:
        case Code::configure_reject: {
            OptionReader reader(pkt->data);
            while (auto option = reader.next()) s += " <" + handler.describe_option(*option) + ">";
            if (reader.malformed()) s += hex_octets(reader.rest());
            break;
        }
        case Code::terminate_request:
        case Code::terminate_ack:
            if (!pkt->data.empty()) s += " " + quoted(pkt->data);
            break;
        default: s += handler.describe_extra_code(pkt->code, pkt->data);
    }
    return s;
}

}  // namespace ec20ppp::ppp
