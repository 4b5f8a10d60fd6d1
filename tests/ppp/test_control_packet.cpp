// RFC 1661 §5 (packet format: Code, Identifier, Length, Data) and §6 (Type-Length-Value
// options), on literal bytes; plus pppd's rendering helpers from ppp/describe.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "fsm_test_util.hpp"
#include "ppp/control_packet.hpp"
#include "ppp/describe.hpp"

namespace ec20ppp::ppp {
namespace {

using test::hex;

Bytes to_bytes(ByteView v) { return {v.begin(), v.end()}; }

// --- §5 parse ---------------------------------------------------------------------------------

TEST(Rfc1661_5, ParsesHeaderAndData) {
    // LCP ConfReq id=0x1 <asyncmap 0x0> <magic 0xaee1219c> <pcomp> <accomp>, as pppd sent it.
    const Bytes wire = hex("01 01 00 14 02 06 00 00 00 00 05 06 ae e1 21 9c 07 02 08 02");
    auto p = ControlPacketView::parse(wire);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, 1);
    EXPECT_EQ(p->id, 1);
    EXPECT_EQ(to_bytes(p->data), hex("02 06 00 00 00 00 05 06 ae e1 21 9c 07 02 08 02"));
    EXPECT_EQ(p->data.data(), wire.data() + 4) << "a view in place, not a copy";
}

TEST(Rfc1661_5, HeaderOnlyPacketHasEmptyData) {
    const Bytes wire = hex("06 2a 00 04");  // Terminate-Ack id 0x2a
    auto p = ControlPacketView::parse(wire);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, 6);
    EXPECT_EQ(p->id, 0x2a);
    EXPECT_TRUE(p->data.empty());
}

TEST(Rfc1661_5, FewerThanFourOctetsIsTruncated) {
    for (const Bytes& wire : {Bytes{}, hex("01"), hex("01 01"), hex("01 01 00")}) {
        PacketError e = PacketError::bad_length;
        EXPECT_FALSE(ControlPacketView::parse(wire, &e)) << wire.size();
        EXPECT_EQ(e, PacketError::truncated) << wire.size();
    }
}

TEST(Rfc1661_5, LengthBelowFourIsBadLength) {
    for (const Bytes& wire : {hex("01 01 00 00"), hex("01 01 00 03 aa"), hex("01 01 00 01 aa aa")}) {
        PacketError e = PacketError::truncated;
        EXPECT_FALSE(ControlPacketView::parse(wire, &e));
        EXPECT_EQ(e, PacketError::bad_length);
    }
}

TEST(Rfc1661_5, LengthBeyondReceivedOctetsIsBadLength) {
    // Length 8 but only 7 octets arrived: RFC 1661 §5 says the packet MUST be dropped.
    PacketError e = PacketError::truncated;
    EXPECT_FALSE(ControlPacketView::parse(hex("01 01 00 08 01 02 03"), &e));
    EXPECT_EQ(e, PacketError::bad_length);
    // 0xffff, the largest possible Length.
    EXPECT_FALSE(ControlPacketView::parse(hex("09 01 ff ff 00 00 00 00"), &e));
    EXPECT_EQ(e, PacketError::bad_length);
}

TEST(Rfc1661_5, OctetsBeyondLengthArePaddingAndIgnored) {
    // Length 6: the two trailing octets are padding (RFC 1661 §5: "MUST be ignored").
    const Bytes wire = hex("02 07 00 06 07 02 ee ff");
    auto p = ControlPacketView::parse(wire);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, 2);
    EXPECT_EQ(p->id, 7);
    EXPECT_EQ(to_bytes(p->data), hex("07 02"));
}

TEST(Rfc1661_5, ParseWithoutErrorPointerIsAllowed) {
    EXPECT_FALSE(ControlPacketView::parse(hex("01")));
    EXPECT_FALSE(ControlPacketView::parse(hex("01 01 00 09")));
}

TEST(Rfc1661_5, ErrorsHaveText) {
    EXPECT_EQ(to_string(PacketError::truncated), "truncated: fewer than 4 octets");
    EXPECT_EQ(to_string(PacketError::bad_length), "Length field disagrees with the octets received");
}

// --- §5 build ---------------------------------------------------------------------------------

TEST(Rfc1661_5, BuildsHeaderWithLengthIncludingHeader) {
    EXPECT_EQ(build_control_packet(Code::configure_ack, 0, hex("02 06 00 00 00 00")),
              hex("02 00 00 0a 02 06 00 00 00 00"));
    EXPECT_EQ(build_control_packet(Code::terminate_ack, 0xff, {}), hex("06 ff 00 04"));
    EXPECT_EQ(build_control_packet(std::uint8_t{0x0e}, 3, hex("de ad")), hex("0e 03 00 06 de ad"));
}

TEST(Rfc1661_5, BuildsLengthBigEndianAbove255) {
    Bytes data(300, 0x55);
    Bytes p = build_control_packet(Code::discard_request, 9, data);
    ASSERT_EQ(p.size(), 304u);
    EXPECT_EQ(p[2], 0x01);
    EXPECT_EQ(p[3], 0x30);  // 304 = 0x0130
}

TEST(Rfc1661_5, BuildThenParseRoundTrips) {
    const Bytes data = hex("03 06 0a 12 0e d8");
    Bytes p = build_control_packet(Code::configure_nak, 0x42, data);
    auto v = ControlPacketView::parse(p);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->code, 3);
    EXPECT_EQ(v->id, 0x42);
    EXPECT_EQ(to_bytes(v->data), data);
}

TEST(Rfc1661_5, CodeNamesArePppds) {
    const char* expected[] = {"",        "ConfReq", "ConfAck", "ConfNak", "ConfRej", "TermReq", "TermAck",
                              "CodeRej", "ProtRej", "EchoReq", "EchoRep", "DiscReq", "Ident",   "TimeRem"};
    for (int c = 0; c < 14; ++c) EXPECT_EQ(code_name(static_cast<std::uint8_t>(c)), expected[c]) << c;
    EXPECT_EQ(code_name(14), "");
    EXPECT_EQ(code_name(255), "");
}

// --- §6 options ---------------------------------------------------------------------------------

TEST(Rfc1661_6, ReaderWalksTypeLengthValue) {
    const Bytes opts = hex("02 06 00 00 00 00 03 05 c2 23 05 07 02 08 02");
    OptionReader r(opts);
    auto a = r.next();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->type, 2);
    EXPECT_EQ(to_bytes(a->value), hex("00 00 00 00"));
    EXPECT_EQ(to_bytes(a->whole), hex("02 06 00 00 00 00"));
    auto b = r.next();
    ASSERT_TRUE(b);
    EXPECT_EQ(b->type, 3);
    EXPECT_EQ(to_bytes(b->value), hex("c2 23 05"));
    auto c = r.next();
    ASSERT_TRUE(c);
    EXPECT_EQ(c->type, 7);
    EXPECT_TRUE(c->value.empty());
    EXPECT_EQ(to_bytes(c->whole), hex("07 02"));
    auto d = r.next();
    ASSERT_TRUE(d);
    EXPECT_EQ(d->type, 8);
    EXPECT_FALSE(r.next());
    EXPECT_FALSE(r.malformed());
    EXPECT_TRUE(r.rest().empty());
}

TEST(Rfc1661_6, ReaderOnEmptyOptionsYieldsNothing) {
    OptionReader r(ByteView{});
    EXPECT_FALSE(r.next());
    EXPECT_FALSE(r.malformed());
}

TEST(Rfc1661_6, OptionLengthBelowTwoIsMalformed) {
    for (const Bytes& opts : {hex("07 00"), hex("07 01"), hex("07 01 08 02")}) {
        OptionReader r(opts);
        EXPECT_FALSE(r.next());
        EXPECT_TRUE(r.malformed());
        EXPECT_EQ(to_bytes(r.rest()), opts) << "nothing was consumed";
        EXPECT_FALSE(r.next()) << "the reader stays stopped";
    }
}

TEST(Rfc1661_6, OptionRunningPastTheEndIsMalformed) {
    // The second option claims 6 octets but only 4 remain.
    const Bytes opts = hex("07 02 05 06 c6 3d");
    OptionReader r(opts);
    auto first = r.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->type, 7);
    EXPECT_FALSE(r.next());
    EXPECT_TRUE(r.malformed());
    EXPECT_EQ(to_bytes(r.rest()), hex("05 06 c6 3d"));
}

TEST(Rfc1661_6, LoneTrailingOctetIsMalformed) {
    const Bytes opts = hex("07 02 08");
    OptionReader r(opts);
    ASSERT_TRUE(r.next());
    EXPECT_FALSE(r.next());
    EXPECT_TRUE(r.malformed());
    EXPECT_EQ(to_bytes(r.rest()), hex("08"));
}

TEST(Rfc1661_6, OptionFillingExactlyTheRestIsFine) {
    const Bytes opts = hex("81 06 dd 06 04 42");
    OptionReader r(opts);
    auto o = r.next();
    ASSERT_TRUE(o);
    EXPECT_EQ(o->type, 0x81);
    EXPECT_EQ(to_bytes(o->value), hex("dd 06 04 42"));
    EXPECT_FALSE(r.next());
    EXPECT_FALSE(r.malformed());
}

TEST(Rfc1661_6, WriterProducesExactBytes) {
    Bytes out = hex("aa");  // existing content is left alone
    OptionWriter w(out);
    EXPECT_TRUE(w.empty());
    w.add_u16(1, 1500);
    EXPECT_FALSE(w.empty());
    w.add_u32(5, 0xc63dcf81);
    w.add_empty(7);
    const std::uint8_t chap[] = {0xc2, 0x23, 0x05};
    w.add(3, chap);
    w.add_raw(hex("08 02"));
    EXPECT_EQ(out, hex("aa 01 04 05 dc 05 06 c6 3d cf 81 07 02 03 05 c2 23 05 08 02"));
}

TEST(Rfc1661_6, WriterEmptyCountsOnlyItsOwnOctets) {
    Bytes out = hex("01 02 03");
    OptionWriter w(out);
    EXPECT_TRUE(w.empty());
    w.add_raw({});
    EXPECT_TRUE(w.empty());
}

// --- pppd renderings --------------------------------------------------------------------------

TEST(PppdText, HexOctetsHexValueQuoted) {
    EXPECT_EQ(hex_octets(hex("0a 0b ff")), " 0a 0b ff");
    EXPECT_EQ(hex_octets({}), "");
    EXPECT_EQ(hex_value(0), "0x0");
    EXPECT_EQ(hex_value(0xc63dcf81), "0xc63dcf81");
    EXPECT_EQ(hex_value(0x1f), "0x1f");
    EXPECT_EQ(quoted(as_bytes("User request")), "\"User request\"");
    EXPECT_EQ(quoted(as_bytes("a\"b\\c")), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(quoted(hex("41 0a ff")), "\"A\\012\\377\"");
}

}  // namespace
}  // namespace ec20ppp::ppp
