// RFC 1994 CHAP packet codec, pppd-style packet descriptions and the MD5 response (RFC 1994 §4.1).
// Pure: parse() never throws on peer bytes; malformed input yields nullopt and a reason.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace ec20ppp::chap {

// RFC 1994 §4: the Code field.
enum class ChapCode : std::uint8_t {
    challenge = 1,
    response = 2,
    success = 3,
    failure = 4,
};

// Code, Identifier, Length (RFC 1994 §4).
inline constexpr std::size_t chap_header_size = 4;
// RFC 1994 §4.1: "16 octets for MD5".
inline constexpr std::size_t md5_value_size = 16;
// The EC20 sends 16-octet challenges; we send the same length as authenticator.
inline constexpr std::size_t challenge_value_size = 16;

using Md5Digest = std::array<std::uint8_t, md5_value_size>;

struct ChapPacket {
    ChapCode code = ChapCode::challenge;
    std::uint8_t id = 0;
    // Challenge/Response (RFC 1994 §4.1): the Value (challenge octets or hash) and the Name of the
    // sender. Unused for Success/Failure.
    Bytes value;
    std::string name;
    // Success/Failure (RFC 1994 §4.2): the human-readable Message. Unused for Challenge/Response.
    std::string message;

    // Decodes one CHAP packet (the PPP Information field). Octets beyond the Length field are
    // Data Link Layer padding and ignored (RFC 1994 §4). Returns nullopt for a packet shorter than
    // its header, a Length field outside [4, size], an unknown Code, or a Challenge/Response whose
    // Value-Size is missing, zero ("one or more octets", §4.1) or runs past Length. On failure
    // `*error` (if given) gets a short reason such as "length 3 < 4"; it never quotes packet data.
    static std::optional<ChapPacket> parse(ByteView packet, std::string* error = nullptr);

    // Encodes the packet with a correct Length. A Value longer than 255 octets (Value-Size is one
    // octet) is cut to 255 and the total is cut to 65535 octets; the roles never build such
    // packets.
    Bytes serialize() const;
};

// "Challenge", "Response", "Success", "Failure"; empty for any other code.
std::string_view chap_code_name(std::uint8_t code);

// The packet as pppd logs it between "sent [" / "rcvd [" and "]", e.g.
//   CHAP Challenge id=0x1 <2e750da5c19ad54e1b3f558a3cf46c95>, name = "UMTS_CHAP_SRVR"
//   CHAP Success id=0x1 ""
// A malformed packet is described as "CHAP <Code name or code=0x..> id=0x.. <hex of the octets
// after the header>" as far as it goes; never throws, whatever the input.
std::string describe_chap(ByteView packet);

// RFC 1994 §4.1 with MD5 (§2.2 algorithm 5): MD5(Identifier || secret || Challenge Value),
// computed with OpenSSL 3 EVP. nullopt only if libcrypto cannot provide MD5 (for example a
// FIPS-only provider configuration).
std::optional<Md5Digest> try_chap_md5_response(std::uint8_t id, std::string_view secret,
                                               ByteView challenge);
// Same, for callers that know MD5 is available; all zero octets if it is not.
Md5Digest chap_md5_response(std::uint8_t id, std::string_view secret, ByteView challenge);

}  // namespace ec20ppp::chap
