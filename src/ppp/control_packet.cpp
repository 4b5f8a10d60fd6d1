#include "ppp/control_packet.hpp"

#include <array>

namespace ec20ppp::ppp {

std::string_view code_name(std::uint8_t code) {
    static constexpr std::array<std::string_view, 14> names = {
        "",        "ConfReq", "ConfAck", "ConfNak", "ConfRej", "TermReq", "TermAck",
        "CodeRej", "ProtRej", "EchoReq", "EchoRep", "DiscReq", "Ident",   "TimeRem"};
    if (code >= 1 && code < names.size()) return names[code];
    return {};
}

std::string_view to_string(PacketError e) {
    switch (e) {
        case PacketError::truncated: return "truncated: fewer than 4 octets";
        case PacketError::bad_length: return "Length field disagrees with the octets received";
    }
    return "unknown";
}

std::optional<ControlPacketView> ControlPacketView::parse(ByteView packet, PacketError* error) {
    if (packet.size() < 4) {
        if (error) *error = PacketError::truncated;
        return std::nullopt;
    }
    std::uint16_t length = load_be16(packet.data() + 2);
    if (length < 4 || length > packet.size()) {
        if (error) *error = PacketError::bad_length;
        return std::nullopt;
    }
    return ControlPacketView{packet[0], packet[1], packet.subspan(4, length - 4u)};
}

Bytes build_control_packet(std::uint8_t code, std::uint8_t id, ByteView data) {
    Bytes out;
    out.reserve(4 + data.size());
    out.push_back(code);
    out.push_back(id);
    append_be16(out, static_cast<std::uint16_t>(4 + data.size()));
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

std::optional<OptionView> OptionReader::next() {
    if (rest_.empty() || malformed_) return std::nullopt;
    if (rest_.size() < 2 || rest_[1] < 2 || rest_[1] > rest_.size()) {
        malformed_ = true;
        return std::nullopt;
    }
    std::size_t len = rest_[1];
    OptionView opt{rest_[0], rest_.subspan(2, len - 2), rest_.first(len)};
    rest_ = rest_.subspan(len);
    return opt;
}

void OptionWriter::add(std::uint8_t type, ByteView value) {
    out_.push_back(type);
    out_.push_back(static_cast<std::uint8_t>(value.size() + 2));
    out_.insert(out_.end(), value.begin(), value.end());
}

void OptionWriter::add_u16(std::uint8_t type, std::uint16_t value) {
    out_.push_back(type);
    out_.push_back(4);
    append_be16(out_, value);
}

void OptionWriter::add_u32(std::uint8_t type, std::uint32_t value) {
    out_.push_back(type);
    out_.push_back(6);
    append_be32(out_, value);
}

void OptionWriter::add_raw(ByteView whole_option) {
    out_.insert(out_.end(), whole_option.begin(), whole_option.end());
}

}  // namespace ec20ppp::ppp
