// Transmit side: RFC 1662 §3.1 frame layout, §4.2 transparency, RFC 1661 §5/§6.5/§6.6 rules.
#include <gtest/gtest.h>

#include "common/packet.hpp"
#include "hdlc/framer.hpp"
#include "hdlc_test_util.hpp"

namespace ec20ppp::hdlc {
namespace {

using test::bytes;
using test::encode;

// What one encoded frame looks like on the wire, computed by walking it octet by octet.
struct WireScan {
    bool well_formed = false;        // starts and ends with a flag, no flag in between
    std::uint32_t raw_controls = 0;  // bit n: octet n < 0x20 appeared unescaped
    std::uint32_t escaped_controls = 0;  // bit n: octet n < 0x20 appeared as 7d (n ^ 0x20)
    Bytes unescaped;                 // content between the flags, escapes removed
    std::vector<std::uint8_t> escaped_high;  // octets >= 0x20 that were escaped
};

WireScan scan(ByteView wire) {
    WireScan s;
    if (wire.size() < 2 || wire.front() != kFlag || wire.back() != kFlag) return s;
    s.well_formed = true;
    for (std::size_t i = 1; i + 1 < wire.size(); ++i) {
        std::uint8_t octet = wire[i];
        if (octet == kFlag) {
            s.well_formed = false;
        } else if (octet == kEscape) {
            if (i + 2 >= wire.size()) {
                s.well_formed = false;
                break;
            }
            octet = static_cast<std::uint8_t>(wire[++i] ^ 0x20);
            if (octet < 0x20) {
                s.escaped_controls |= 1U << octet;
            } else if (octet != kFlag && octet != kEscape) {
                s.escaped_high.push_back(octet);
            }
            s.unescaped.push_back(octet);
        } else {
            if (octet < 0x20) s.raw_controls |= 1U << octet;
            s.unescaped.push_back(octet);
        }
    }
    return s;
}

Bytes all_controls() {
    Bytes info;
    for (unsigned c = 0; c < 0x20; ++c) info.push_back(static_cast<std::uint8_t>(c));
    return info;
}

// §3.1 layout and App. C FCS placement, checked against bytes computed independently
// (python3: bitwise CRC-16/X-25, escaping by hand): ACCM 0 leaves 0x00 0x11 0x20 raw but still
// escapes 7d and 7e.
TEST(Rfc1662_3_1, FrameLayoutFcs16) {
    const Bytes wire = encode({.accm = 0}, proto::ip, bytes({0x7d, 0x7e, 0x00, 0x20, 0x11}));
    const Bytes expected = {0x7e, 0xff, 0x03, 0x00, 0x21, 0x7d, 0x5d, 0x7d,
                            0x5e, 0x00, 0x20, 0x11, 0xf6, 0xb9, 0x7e};
    EXPECT_EQ(wire, expected);
}

TEST(Rfc1662_3_1, Fcs32TrailerIsFourOctetsLsbFirst) {
    const Bytes info = bytes({0x45, 0x00, 0x01, 0x02});
    const Bytes wire = encode({.accm = 0, .fcs = FcsKind::fcs32}, proto::ip, info);
    const WireScan s = scan(wire);
    ASSERT_TRUE(s.well_formed);
    const Bytes content = {0xff, 0x03, 0x00, 0x21, 0x45, 0x00, 0x01, 0x02};
    ASSERT_EQ(s.unescaped.size(), content.size() + 4);
    EXPECT_TRUE(std::equal(content.begin(), content.end(), s.unescaped.begin()));
    const std::uint32_t fcs = test::reference_fcs32(content);
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(s.unescaped[content.size() + static_cast<std::size_t>(i)],
                  static_cast<std::uint8_t>(fcs >> (8 * i)));
    }
    EXPECT_EQ(fcs32(kFcs32Init, s.unescaped), kFcs32Good);
}

TEST(Rfc1662_3_1, EncodeAppendsToExistingBytes) {
    Bytes out = {0xaa, 0xbb};
    encode_frame({}, proto::ipcp, bytes({0x01}), out);
    encode_frame({}, proto::ipcp, bytes({0x02}), out);
    EXPECT_EQ(out[0], 0xaa);
    EXPECT_EQ(out[1], 0xbb);
    const Bytes first = encode({}, proto::ipcp, bytes({0x01}));
    const Bytes second = encode({}, proto::ipcp, bytes({0x02}));
    EXPECT_EQ(out, test::concat({bytes({0xaa, 0xbb}), first, second}));
}

TEST(Rfc1662_3_1, EmptyInformationField) {
    const WireScan s = scan(encode({}, proto::ipcp, {}));
    ASSERT_TRUE(s.well_formed);
    EXPECT_EQ(s.unescaped.size(), 6U);  // ff 03 80 21 + FCS-16
    EXPECT_EQ(fcs16(kFcs16Init, s.unescaped), kFcs16Good);
}

// §4.2/§7.1: with only ACCM bit n set, control character n — and no other — is escaped.
TEST(Rfc1662_4_2, EachAccmBitSetEscapesExactlyThatCharacter) {
    const Bytes info = all_controls();
    for (unsigned n = 0; n < 32; ++n) {
        SCOPED_TRACE(n);
        const std::uint32_t accm = 1U << n;
        const WireScan s = scan(encode({.accm = accm}, proto::ip, info));
        ASSERT_TRUE(s.well_formed);
        EXPECT_EQ(s.escaped_controls, accm);
        EXPECT_EQ(s.raw_controls & accm, 0U);
        EXPECT_EQ(s.raw_controls | accm, 0xffffffffU);  // every other one went out raw
    }
}

// ... and with only bit n clear, character n is the one control character sent raw.
TEST(Rfc1662_4_2, EachAccmBitClearSendsThatCharacterRaw) {
    const Bytes info = all_controls();
    for (unsigned n = 0; n < 32; ++n) {
        SCOPED_TRACE(n);
        const std::uint32_t accm = ~(1U << n);
        const WireScan s = scan(encode({.accm = accm}, proto::ip, info));
        ASSERT_TRUE(s.well_formed);
        EXPECT_EQ(s.raw_controls, 1U << n);
        EXPECT_EQ(s.escaped_controls, accm);
    }
}

// §4.2: Flag and Control Escape are escaped whatever the ACCM, so a flag never appears inside a
// frame; no other octet >= 0x20 (DEL, 0x80-0x9f included) is escaped.
TEST(Rfc1662_4_2, FlagAndEscapeAlwaysEscapedNothingElseAbove0x1f) {
    Bytes info;
    for (unsigned v = 0x20; v < 0x100; ++v) info.push_back(static_cast<std::uint8_t>(v));
    for (std::uint32_t accm : {0U, 0xffffffffU, 0x000a0000U}) {
        const WireScan s = scan(encode({.accm = accm}, proto::ip, info));
        ASSERT_TRUE(s.well_formed);  // i.e. 0x7e only at both ends
        // Unescaping gives back exactly header + info + FCS, so every 7d on the wire was an
        // escape (a raw 7d would have swallowed the next octet) ...
        Bytes expected = test::concat({bytes({0xff, 0x03, 0x00, 0x21}), info});
        const std::uint16_t fcs = test::reference_fcs16(expected);
        expected.push_back(static_cast<std::uint8_t>(fcs));
        expected.push_back(static_cast<std::uint8_t>(fcs >> 8));
        EXPECT_EQ(s.unescaped, expected);
        // ... and nothing at or above 0x20 but 7d/7e was escaped.
        EXPECT_TRUE(s.escaped_high.empty());
    }
}

// The FCS octets themselves are subject to transparency (here the 0x7e/0x7d checked in §3.1).
TEST(Rfc1662_4_2, FcsOctetsAreEscapedToo) {
    // Search a one-octet info whose FCS-16 contains a 0x7e or 0x7d octet.
    for (unsigned v = 0; v < 0x10000; ++v) {
        const Bytes info = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
        const Bytes content = test::concat({bytes({0xff, 0x03, 0x00, 0x21}), info});
        const std::uint16_t fcs = test::reference_fcs16(content);
        if ((fcs & 0xff) != 0x7e && (fcs >> 8) != 0x7d) continue;
        const WireScan s = scan(encode({.accm = 0}, proto::ip, info));
        ASSERT_TRUE(s.well_formed);
        EXPECT_EQ(fcs16(kFcs16Init, s.unescaped), kFcs16Good);
        return;
    }
    FAIL() << "no such info found";
}

// RFC 1661 §6.5: with PFC, protocols 0x0000-0x00ff are sent as one octet; larger ones cannot be.
TEST(Rfc1661_6_5, PfcCompressesOnlyProtocolsBelow0x100) {
    const TxConfig pfc{.accm = 0, .pfc = true};
    EXPECT_EQ(scan(encode(pfc, proto::ip, bytes({0x45}))).unescaped.size(), 3U + 1 + 2);
    EXPECT_EQ(scan(encode(pfc, proto::ip, bytes({0x45}))).unescaped[2], 0x21);
    const Bytes ipcp = scan(encode(pfc, proto::ipcp, bytes({0x01}))).unescaped;
    ASSERT_EQ(ipcp.size(), 4U + 1 + 2);
    EXPECT_EQ(ipcp[2], 0x80);
    EXPECT_EQ(ipcp[3], 0x21);
    // Without PFC the IP protocol keeps its leading zero octet.
    const Bytes full = scan(encode({.accm = 0}, proto::ip, bytes({0x45}))).unescaped;
    EXPECT_EQ(full[2], 0x00);
    EXPECT_EQ(full[3], 0x21);
}

// RFC 1661 §6.6: ACFC omits FF 03 ...
TEST(Rfc1661_6_6, AcfcOmitsAddressAndControl) {
    const Bytes both = scan(encode({.accm = 0, .acfc = true, .pfc = true}, proto::ip, bytes({0x45}))).unescaped;
    ASSERT_EQ(both.size(), 1U + 1 + 2);
    EXPECT_EQ(both[0], 0x21);
    EXPECT_EQ(both[1], 0x45);
    const Bytes acfc_only = scan(encode({.accm = 0, .acfc = true}, proto::ipcp, bytes({0x01}))).unescaped;
    ASSERT_EQ(acfc_only.size(), 2U + 1 + 2);
    EXPECT_EQ(acfc_only[0], 0x80);
    EXPECT_EQ(acfc_only[1], 0x21);
}

// ... except on LCP packets, which "MUST NOT" be compressed (§6.6), whatever the code.
TEST(Rfc1661_6_6, LcpNeverUsesAcfc) {
    const TxConfig cfg{.accm = 0, .acfc = true, .pfc = true};
    for (std::uint8_t code : {1, 5, 9, 10, 12}) {
        const Bytes info = {code, 0x01, 0x00, 0x08, 0x12, 0x34, 0x56, 0x78};
        const Bytes content = scan(encode(cfg, proto::lcp, info)).unescaped;
        ASSERT_GE(content.size(), 4U);
        EXPECT_EQ(content[0], 0xff) << int{code};
        EXPECT_EQ(content[1], 0x03) << int{code};
        EXPECT_EQ(content[2], 0xc0) << int{code};
        EXPECT_EQ(content[3], 0x21) << int{code};
    }
}

// RFC 1661 §5: LCP codes 1..7 go out "as if no Configuration Options were negotiated", so with
// the default ACCM even after a smaller one was agreed; other LCP codes use the negotiated one.
TEST(Rfc1661_5, LcpLinkPacketsUseDefaultAccm) {
    const TxConfig negotiated{.accm = 0};
    for (std::uint8_t code = 1; code <= 7; ++code) {
        const Bytes info = {code, 0x00, 0x00, 0x05, 0x01};
        const WireScan s = scan(encode(negotiated, proto::lcp, info));
        EXPECT_EQ(s.raw_controls, 0U) << int{code};
        EXPECT_NE(s.escaped_controls & (1U << 0x01), 0U) << int{code};
    }
    for (std::uint8_t code : {8, 9, 10, 11}) {
        const Bytes info = {code, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01};
        const WireScan s = scan(encode(negotiated, proto::lcp, info));
        EXPECT_EQ(s.escaped_controls, 0U) << int{code};
        EXPECT_NE(s.raw_controls & 1U, 0U) << int{code};
    }
    // Non-LCP control protocols follow the negotiated ACCM.
    const WireScan ipcp = scan(encode(negotiated, proto::ipcp, bytes({0x01, 0x01, 0x00, 0x04})));
    EXPECT_EQ(ipcp.escaped_controls, 0U);
}

}  // namespace
}  // namespace ec20ppp::hdlc
