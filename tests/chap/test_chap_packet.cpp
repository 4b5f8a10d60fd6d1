// RFC 1994 §4 packet codec, pppd-style descriptions and the MD5 response, checked against a real
// EC20 dial (pppd log, user "user", password "passwd"):
//   rcvd [CHAP Challenge id=0x1 <2e750da5c19ad54e1b3f558a3cf46c95>, name = "UMTS_CHAP_SRVR"]
//   sent [CHAP Response id=0x1 <61712dbe7c3685e20e294713ff4f0a6b>, name = "user"]
//   rcvd [CHAP Success id=0x1 ""]
#include <gtest/gtest.h>

#include "auth_test_util.hpp"
#include "chap/chap_packet.hpp"

namespace ec20ppp::chap {
namespace {

using test::concat;
using test::hex;
using test::text;

const Bytes golden_challenge_value = hex("2e750da5c19ad54e1b3f558a3cf46c95");
const Bytes golden_response_value = hex("61712dbe7c3685e20e294713ff4f0a6b");

// Code 1, id 1, Length 4 + 1 + 16 + 14 = 35, Value-Size 16, value, "UMTS_CHAP_SRVR".
Bytes golden_challenge() {
    return concat({hex("01010023" "10"), golden_challenge_value, text("UMTS_CHAP_SRVR")});
}
// Code 2, id 1, Length 4 + 1 + 16 + 4 = 25, Value-Size 16, MD5 value, "user".
Bytes golden_response() {
    return concat({hex("02010019" "10"), golden_response_value, text("user")});
}
Bytes golden_success() { return hex("03010004"); }

std::string parse_error(const Bytes& packet) {
    std::string error;
    EXPECT_FALSE(ChapPacket::parse(packet, &error).has_value());
    return error;
}

TEST(chap_packet, Rfc1994_4_1_ChallengeParsesFromGoldenEc20Bytes) {
    const auto p = ChapPacket::parse(golden_challenge());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, ChapCode::challenge);
    EXPECT_EQ(p->id, 1);
    EXPECT_EQ(p->value, golden_challenge_value);
    EXPECT_EQ(p->name, "UMTS_CHAP_SRVR");
}

TEST(chap_packet, Rfc1994_4_1_ChallengeSerializesToGoldenEc20Bytes) {
    ChapPacket p;
    p.code = ChapCode::challenge;
    p.id = 1;
    p.value = golden_challenge_value;
    p.name = "UMTS_CHAP_SRVR";
    EXPECT_EQ(p.serialize(), golden_challenge());
}

TEST(chap_packet, Rfc1994_4_1_ResponseRoundTrips) {
    const auto p = ChapPacket::parse(golden_response());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, ChapCode::response);
    EXPECT_EQ(p->value, golden_response_value);
    EXPECT_EQ(p->name, "user");
    EXPECT_EQ(p->serialize(), golden_response());
}

TEST(chap_packet, Rfc1994_4_1_ResponseIsMd5OfIdSecretChallenge) {
    const Md5Digest r = chap_md5_response(1, "passwd", golden_challenge_value);
    EXPECT_EQ(Bytes(r.begin(), r.end()), golden_response_value);
    const auto t = try_chap_md5_response(1, "passwd", golden_challenge_value);
    ASSERT_TRUE(t);
    EXPECT_EQ(*t, r);
}

TEST(chap_packet, Rfc1994_4_1_ResponseDependsOnIdSecretAndChallenge) {
    const Md5Digest base = chap_md5_response(1, "passwd", golden_challenge_value);
    EXPECT_NE(chap_md5_response(2, "passwd", golden_challenge_value), base);
    EXPECT_NE(chap_md5_response(1, "passwe", golden_challenge_value), base);
    Bytes other = golden_challenge_value;
    other[15] ^= 1;
    EXPECT_NE(chap_md5_response(1, "passwd", other), base);
}

TEST(chap_packet, Rfc1994_4_1_Md5OfEmptySecretAndChallengeIsWellDefined) {
    // MD5(0x00) = 93b885adfe0da089cdf634904fd59f71
    const Md5Digest r = chap_md5_response(0, "", {});
    EXPECT_EQ(to_hex(r), "93b885adfe0da089cdf634904fd59f71");
}

TEST(chap_packet, Rfc1994_4_2_SuccessWithEmptyMessageFromGoldenBytes) {
    const auto p = ChapPacket::parse(golden_success());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, ChapCode::success);
    EXPECT_EQ(p->id, 1);
    EXPECT_EQ(p->message, "");
    EXPECT_EQ(p->serialize(), golden_success());
}

TEST(chap_packet, Rfc1994_4_2_FailureCarriesMessage) {
    const Bytes bytes = concat({hex("04070013"), text("Login incorrect")});
    const auto p = ChapPacket::parse(bytes);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, ChapCode::failure);
    EXPECT_EQ(p->id, 7);
    EXPECT_EQ(p->message, "Login incorrect");
    EXPECT_EQ(p->serialize(), bytes);
}

TEST(chap_packet, Rfc1994_4_OctetsBeyondLengthArePaddingAndIgnored) {
    Bytes padded = golden_challenge();
    padded.insert(padded.end(), {0x00, 0x00, 0x7e});
    const auto p = ChapPacket::parse(padded);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->name, "UMTS_CHAP_SRVR");
    EXPECT_EQ(p->serialize(), golden_challenge());
}

TEST(chap_packet, Rfc1994_4_PacketShorterThanHeaderIsRejected) {
    EXPECT_EQ(parse_error({}), "length 0 < 4");
    EXPECT_EQ(parse_error(hex("01")), "length 1 < 4");
    EXPECT_EQ(parse_error(hex("0101")), "length 2 < 4");
    EXPECT_EQ(parse_error(hex("010100")), "length 3 < 4");
}

TEST(chap_packet, Rfc1994_4_LengthFieldBelowHeaderIsRejected) {
    EXPECT_EQ(parse_error(hex("03010003")), "Length field 3 < 4");
    EXPECT_EQ(parse_error(hex("03010000")), "Length field 0 < 4");
}

TEST(chap_packet, Rfc1994_4_LengthFieldBeyondReceivedOctetsIsRejected) {
    EXPECT_EQ(parse_error(hex("03010005")), "Length field 5 > 4 octets received");
    Bytes truncated = golden_challenge();
    truncated.pop_back();
    EXPECT_EQ(parse_error(truncated), "Length field 35 > 34 octets received");
}

TEST(chap_packet, Rfc1994_4_UnknownCodeIsRejected) {
    EXPECT_EQ(parse_error(hex("05010004")), "unknown code 0x5");
    EXPECT_EQ(parse_error(hex("00010004")), "unknown code 0x0");
    EXPECT_EQ(parse_error(hex("ff010004")), "unknown code 0xff");
}

TEST(chap_packet, Rfc1994_4_1_MissingOrZeroValueSizeIsRejected) {
    EXPECT_EQ(parse_error(hex("01010004")), "no Value-Size octet");
    // "The Value field is one or more octets."
    EXPECT_EQ(parse_error(hex("0201000500")), "Value-Size 0");
}

TEST(chap_packet, Rfc1994_4_1_ValueSizePastLengthIsRejected) {
    // Value-Size 16 but only 2 octets follow within Length (the rest is padding).
    EXPECT_EQ(parse_error(hex("0101000710aabb" "cccccccc")), "Value-Size 16 > 2 octets left");
}

TEST(chap_packet, Rfc1994_4_1_EmptyNameIsTolerated) {
    const auto p = ChapPacket::parse(hex("0101000601aa"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->value, hex("aa"));
    EXPECT_EQ(p->name, "");
}

TEST(chap_packet, Rfc1994_4_EveryTruncationOfTheGoldenExchangeIsRejectedNotCrashed) {
    for (const Bytes& whole : {golden_challenge(), golden_response(), golden_success()}) {
        for (std::size_t n = 0; n < whole.size(); ++n) {
            const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
            std::string error;
            EXPECT_FALSE(ChapPacket::parse(cut, &error)) << n;
            EXPECT_FALSE(error.empty());
            EXPECT_FALSE(describe_chap(cut).empty());
        }
    }
}

TEST(chap_packet, Rfc1994_4_1_SerializeCapsValueSizeAtOneOctet) {
    ChapPacket p;
    p.code = ChapCode::response;
    p.id = 9;
    p.value.assign(300, 0xab);
    p.name = "n";
    const Bytes b = p.serialize();
    ASSERT_EQ(b.size(), 4u + 1 + 255 + 1);
    EXPECT_EQ(b[4], 255);
    EXPECT_EQ(load_be16(b.data() + 2), b.size());
    const auto back = ChapPacket::parse(b);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->value.size(), 255u);
    EXPECT_EQ(back->name, "n");
}

TEST(chap_packet, Rfc1994_4_SerializeCapsTotalLengthAt65535) {
    ChapPacket p;
    p.code = ChapCode::failure;
    p.message.assign(70000, 'x');
    const Bytes b = p.serialize();
    EXPECT_EQ(b.size(), 0xffffu);
    EXPECT_EQ(load_be16(b.data() + 2), 0xffff);
}

// --- describe_chap: pppd's log text ----------------------------------------------------------

TEST(chap_describe, GoldenEc20ChallengeMatchesPppdLog) {
    EXPECT_EQ(describe_chap(golden_challenge()),
              "CHAP Challenge id=0x1 <2e750da5c19ad54e1b3f558a3cf46c95>, name = \"UMTS_CHAP_SRVR\"");
}

TEST(chap_describe, GoldenResponseMatchesPppdLog) {
    EXPECT_EQ(describe_chap(golden_response()),
              "CHAP Response id=0x1 <61712dbe7c3685e20e294713ff4f0a6b>, name = \"user\"");
}

TEST(chap_describe, GoldenSuccessMatchesPppdLog) {
    EXPECT_EQ(describe_chap(golden_success()), "CHAP Success id=0x1 \"\"");
}

TEST(chap_describe, FailureMessageIsQuotedWithNonPrintablesEscaped) {
    const Bytes bytes = concat({hex("04ab000c"), text("no\x01\"q\\\n\xff")});
    EXPECT_EQ(describe_chap(bytes), "CHAP Failure id=0xab \"no\\001\\\"q\\\\\\n\\377\"");
}

TEST(chap_describe, MalformedPacketsAreDescribedAsFarAsTheyGo) {
    EXPECT_EQ(describe_chap({}), "CHAP <>");
    EXPECT_EQ(describe_chap(hex("01")), "CHAP Challenge");
    EXPECT_EQ(describe_chap(hex("0101")), "CHAP Challenge id=0x1");
    EXPECT_EQ(describe_chap(hex("010100")), "CHAP Challenge id=0x1");
    EXPECT_EQ(describe_chap(hex("0705000600aa")), "CHAP code=0x7 id=0x5 <00aa>");
    EXPECT_EQ(describe_chap(hex("0101000600aa")), "CHAP Challenge id=0x1 <00aa>");
    EXPECT_EQ(describe_chap(hex("030100ff")), "CHAP Success id=0x1");
    EXPECT_EQ(describe_chap(hex("0310000201")), "CHAP Success id=0x10 <01>");
}

}  // namespace
}  // namespace ec20ppp::chap
