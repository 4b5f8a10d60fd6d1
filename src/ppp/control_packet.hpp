// The packet format shared by every PPP control protocol (RFC 1661 §5): Code, Identifier,
// Length, Data; and the Type-Length-Value options inside Configure packets (RFC 1661 §6).
// Stateless and byte-exact: views over the caller's bytes, plus builders.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace ec20ppp::ppp {

// RFC 1661 §5 codes; 8-11 are LCP-only (RFC 1661 §5.7-5.9), 12-13 from RFC 1570.
enum class Code : std::uint8_t {
    configure_request = 1,
    configure_ack = 2,
    configure_nak = 3,
    configure_reject = 4,
    terminate_request = 5,
    terminate_ack = 6,
    code_reject = 7,
    protocol_reject = 8,
    echo_request = 9,
    echo_reply = 10,
    discard_request = 11,
    identification = 12,
    time_remaining = 13,
};

// pppd's names for codes, so our logs read like pppd's ("ConfReq", "EchoRep", ...).
std::string_view code_name(std::uint8_t code);

enum class PacketError : std::uint8_t { truncated, bad_length };
std::string_view to_string(PacketError e);

// A control packet viewed in place. `data` excludes the 4-octet header and any octets beyond
// Length, which RFC 1661 §5 says are padding to be ignored.
struct ControlPacketView {
    std::uint8_t code = 0;
    std::uint8_t id = 0;
    ByteView data;

    // Fails with `truncated` when fewer than 4 octets are present, `bad_length` when the Length
    // field is below 4 or exceeds the octets received (RFC 1661 §5: such packets are dropped).
    static std::optional<ControlPacketView> parse(ByteView packet, PacketError* error = nullptr);
};

Bytes build_control_packet(std::uint8_t code, std::uint8_t id, ByteView data);
inline Bytes build_control_packet(Code code, std::uint8_t id, ByteView data) {
    return build_control_packet(static_cast<std::uint8_t>(code), id, data);
}

// One Configuration Option (RFC 1661 §6): Type, Length (including the two header octets), Value.
struct OptionView {
    std::uint8_t type = 0;
    ByteView value;
    ByteView whole;  // the option including its Type and Length octets
};

// Walks the options of a Configure packet. Stops at the first malformed option (Length < 2 or
// running past the end); `malformed()` then says so and `rest()` holds the unread octets.
class OptionReader {
public:
    explicit OptionReader(ByteView options) : rest_(options) {}
    std::optional<OptionView> next();
    bool malformed() const { return malformed_; }
    ByteView rest() const { return rest_; }

private:
    ByteView rest_;
    bool malformed_ = false;
};

// Appends options to a buffer.
class OptionWriter {
public:
    explicit OptionWriter(Bytes& out) : out_(out) {}
    void add(std::uint8_t type, ByteView value);
    void add_empty(std::uint8_t type) { add(type, {}); }
    void add_u16(std::uint8_t type, std::uint16_t value);
    void add_u32(std::uint8_t type, std::uint32_t value);
    void add_raw(ByteView whole_option);
    bool empty() const { return out_.size() == start_; }

private:
    Bytes& out_;
    std::size_t start_ = out_.size();
};

}  // namespace ec20ppp::ppp
