// Receive side: RFC 1662 §3.1/§4.2/§4.3/§7.1 and the liberal header rules of RFC 1661 §6.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "common/packet.hpp"
#include "hdlc/framer.hpp"
#include "hdlc_test_util.hpp"

namespace ec20ppp::hdlc {
namespace {

using test::bytes;
using test::concat;
using test::decode_all;
using test::Decoded;
using test::encode;
using test::raw_frame;

std::string describe(const DeframerStats& s) {
    return "frames=" + std::to_string(s.frames) + " bad_fcs=" + std::to_string(s.bad_fcs) +
           " too_short=" + std::to_string(s.too_short) + " too_long=" + std::to_string(s.too_long) +
           " aborted=" + std::to_string(s.aborted) + " bad_header=" + std::to_string(s.bad_header);
}

#define EXPECT_STATS(actual, ...) \
    EXPECT_EQ(describe(actual), describe(DeframerStats{__VA_ARGS__}))

// A good IP frame used after every error to show the deframer resynchronised.
const Bytes kGoodInfo = {0x45, 0x00, 0x00, 0x14, 0x7e, 0x7d, 0x01};
Bytes good_frame() { return encode({}, proto::ip, kGoodInfo); }
const Decoded kGood{proto::ip, kGoodInfo};

// --- §3.1 basics ---------------------------------------------------------------------------

TEST(Rfc1662_3_1, DecodesOneFrame) {
    Deframer d;
    const Bytes wire = good_frame();
    EXPECT_EQ(decode_all(d, wire), std::vector<Decoded>{kGood});
    EXPECT_STATS(d.stats(), .frames = 1);
}

// next_frame stops right after the closing flag and leaves the rest of the read in `in`.
TEST(Rfc1662_3_1, ReturnsAfterEachFrameLeavingTheRestInInput) {
    const Bytes a = encode({}, proto::ip, bytes({1, 2, 3}));
    const Bytes b = encode({}, proto::ipcp, bytes({4, 5}));
    const Bytes wire = concat({a, b});
    Deframer d;
    ByteView in = wire;
    auto f = d.next_frame(in);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->protocol, proto::ip);
    EXPECT_EQ(Bytes(f->info.begin(), f->info.end()), bytes({1, 2, 3}));
    EXPECT_EQ(in.size(), b.size());
    EXPECT_EQ(in.data(), wire.data() + a.size());
    f = d.next_frame(in);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->protocol, proto::ipcp);
    EXPECT_TRUE(in.empty());
    EXPECT_FALSE(d.next_frame(in));
}

// §3.1: only one flag is required between frames; a shared flag closes one and opens the next.
TEST(Rfc1662_3_1, SingleFlagBetweenFrames) {
    const Bytes a = encode({}, proto::ip, bytes({1}));
    const Bytes b = encode({}, proto::ip, bytes({2}));
    const Bytes wire = concat({a, ByteView(b).subspan(1)});  // drop b's opening flag
    EXPECT_EQ(decode_all(wire), (std::vector<Decoded>{{proto::ip, {1}}, {proto::ip, {2}}}));
}

// §3.1: back-to-back flags are empty frames, silently discarded and not counted as errors.
TEST(Rfc1662_3_1, EmptyFramesAreNotErrors) {
    Deframer d;
    const Bytes wire = concat({bytes({0x7e, 0x7e, 0x7e, 0x7e}), good_frame(), bytes({0x7e, 0x7e})});
    EXPECT_EQ(decode_all(d, wire), std::vector<Decoded>{kGood});
    EXPECT_STATS(d.stats(), .frames = 1);
}

// Before the first flag nothing is a frame: e.g. the tail of the modem's "CONNECT" line.
TEST(Rfc1662_3_1, BytesBeforeFirstFlagAreIgnored) {
    Deframer d;
    const Bytes wire = concat({as_bytes("\r\nCONNECT 150000000\r\n"), good_frame()});
    EXPECT_EQ(decode_all(d, wire), std::vector<Decoded>{kGood});
    EXPECT_STATS(d.stats(), .frames = 1);
}

// --- §4.2 transparency on receive -----------------------------------------------------------

// The receiver unescapes any escaped octet, not only the ones it asked for.
TEST(Rfc1662_4_2, ReceiverUnescapesAnyEscapedOctet) {
    Bytes content = bytes({0xff, 0x03, 0x00, 0x21, 'A', 'B', 0x00, 0xff});
    const std::uint16_t fcs = test::reference_fcs16(content);
    content.push_back(static_cast<std::uint8_t>(fcs));
    content.push_back(static_cast<std::uint8_t>(fcs >> 8));
    Bytes wire{0x7e};
    for (std::uint8_t octet : content) {
        // Not escapable: 0x5e (7d 7e is the abort sequence) and 0x20-0x3f, whose escaped form
        // is a control character that a receiver with that ACCM bit set drops as DCE noise.
        if (octet == 0x5e || (octet >= 0x20 && octet < 0x40)) {
            wire.push_back(octet);
            continue;
        }
        wire.push_back(0x7d);
        wire.push_back(static_cast<std::uint8_t>(octet ^ 0x20));
    }
    wire.push_back(0x7e);
    for (std::uint32_t accm : {0U, 0xffffffffU}) {
        EXPECT_EQ(decode_all(wire, {.accm = accm}),
                  (std::vector<Decoded>{{proto::ip, {'A', 'B', 0x00, 0xff}}}));
    }
}

// A frame sent with a larger ACCM than we asked for is still read correctly.
TEST(Rfc1662_4_2, ExtraEscapingByPeerIsHarmless) {
    const Bytes info = bytes({0x00, 0x01, 0x11, 0x13, 0x1f, 0x20});
    const Bytes wire = encode({.accm = 0xffffffff}, proto::ip, info);
    EXPECT_EQ(decode_all(wire, {.accm = 0}), (std::vector<Decoded>{{proto::ip, info}}));
}

// --- §4.3 invalid frames: each counted once, and the next good frame still arrives -----------

TEST(Rfc1662_4_3, TooShortFcs16) {
    Deframer d;
    // 3 octets of content: even with a correct FCS over a one-octet protocol it is too short.
    const Bytes wire = concat({raw_frame(bytes({0x21})), bytes({0x7e, 0x41, 0x7e}), good_frame()});
    EXPECT_EQ(decode_all(d, wire), std::vector<Decoded>{kGood});
    EXPECT_STATS(d.stats(), .frames = 1, .too_short = 2);
}

TEST(Rfc1662_4_3, FourOctetsIsLongEnoughForFcs16) {
    EXPECT_EQ(decode_all(raw_frame(bytes({0x21, 0x45}))),
              (std::vector<Decoded>{{proto::ip, {0x45}}}));
}

TEST(Rfc1662_4_3, TooShortFcs32) {
    Deframer d({.fcs = FcsKind::fcs32});
    const Bytes wire = concat({raw_frame(bytes({0x21}), FcsKind::fcs32),
                               encode({.fcs = FcsKind::fcs32}, proto::ip, kGoodInfo)});
    EXPECT_EQ(decode_all(d, wire), std::vector<Decoded>{kGood});
    EXPECT_STATS(d.stats(), .frames = 1, .too_short = 1);
    // Six octets are enough.
    EXPECT_EQ(decode_all(raw_frame(bytes({0x21, 0x45}), FcsKind::fcs32), {.fcs = FcsKind::fcs32}),
              (std::vector<Decoded>{{proto::ip, {0x45}}}));
}

TEST(Rfc1662_4_3, BadFcsCounted) {
    Deframer d;
    const Bytes content = bytes({0xff, 0x03, 0x00, 0x21, 0x45, 0x00});
    Bytes corrupted = encode({}, proto::ip, bytes({0x45, 0x00}));
    corrupted[7] ^= 0x01;  // flip one bit of the info octet 0x45 (sent unescaped)
    const Bytes wire = concat({raw_frame(content, FcsKind::fcs16, 0x8000), corrupted, good_frame()});
    EXPECT_EQ(decode_all(d, wire), std::vector<Decoded>{kGood});
    EXPECT_STATS(d.stats(), .frames = 1, .bad_fcs = 2);
}

TEST(Rfc1662_4_3, BadFcs32Counted) {
    Deframer d({.fcs = FcsKind::fcs32});
    const Bytes content = bytes({0xff, 0x03, 0x00, 0x21, 0x45, 0x00});
    const Bytes wire = concat({raw_frame(content, FcsKind::fcs32, 0x00010000),
                               raw_frame(content, FcsKind::fcs16),  // FCS-16 on an FCS-32 link
                               encode({.fcs = FcsKind::fcs32}, proto::ip, kGoodInfo)});
    EXPECT_EQ(decode_all(d, wire), std::vector<Decoded>{kGood});
    EXPECT_STATS(d.stats(), .frames = 1, .bad_fcs = 2);
}

// §4.2: Control Escape followed by Flag aborts the frame; the flag then opens the next one.
TEST(Rfc1662_4_3, AbortSequenceCounted) {
    Deframer d;
    const Bytes good = good_frame();
    const Bytes wire = concat({bytes({0x7e, 0xff, 0x7d, 0x23, 0x00, 0x21, 0x45, 0x7d, 0x7e}),
                               ByteView(good).subspan(1),            // shares the abort's flag
                               bytes({0x7e, 0x7d, 0x7e}), good});    // abort of an empty frame
    EXPECT_EQ(decode_all(d, wire), (std::vector<Decoded>{kGood, kGood}));
    EXPECT_STATS(d.stats(), .frames = 2, .aborted = 2);
}

// Content longer than mru + 4 + FCS is counted once; its tail is skipped up to the next flag.
TEST(Rfc1662_4_3, TooLongCountedOnceThenResync) {
    Deframer d({.mru = 10});
    const Bytes long_info(5000, 0x55);
    const Bytes wire = concat({encode({}, proto::ip, long_info), encode({}, proto::ip, kGoodInfo)});
    EXPECT_EQ(decode_all(d, wire), std::vector<Decoded>{kGood});
    EXPECT_STATS(d.stats(), .frames = 1, .too_long = 1);
}

TEST(Rfc1662_4_3, TooLongWithoutClosingFlagDoesNotGrowOrStall) {
    Deframer d({.mru = 100});
    Bytes noise = {0x7e};
    noise.resize(100000, 0x42);
    ByteView in = noise;
    EXPECT_FALSE(d.next_frame(in));
    EXPECT_TRUE(in.empty());
    EXPECT_STATS(d.stats(), .too_long = 1);
    EXPECT_EQ(decode_all(d, good_frame()), std::vector<Decoded>{kGood});
    EXPECT_STATS(d.stats(), .frames = 1, .too_long = 1);
}

// RFC 1661 §2: protocol numbers have an odd low octet and an even high octet.
TEST(Rfc1661_2, BadProtocolFieldCounted) {
    Deframer d;
    const Bytes wire = concat({
        raw_frame(bytes({0xff, 0x03, 0x00, 0x20, 0x45})),  // even low octet
        raw_frame(bytes({0xff, 0x03, 0x01, 0x21, 0x45})),  // odd high octet -> 0x01 is one-octet
                                                           //   protocol, fine; see below
        raw_frame(bytes({0xff, 0x03, 0x20})),              // one even octet left, no low octet
        raw_frame(bytes({0xff, 0x03})),                    // address/control only, no protocol
        raw_frame(bytes({0x02, 0x02, 0x45})),              // two even octets
        good_frame(),
    });
    // 0x01 0x21 ... : the odd first octet is a complete compressed protocol 0x0001 (liberal
    // decode, RFC 1661 §6.5), with info 21 45. Header validity is all the deframer can check.
    EXPECT_EQ(decode_all(d, wire),
              (std::vector<Decoded>{{0x0001, {0x21, 0x45}}, kGood}));
    EXPECT_STATS(d.stats(), .frames = 2, .bad_header = 4);
}

// --- §7.1 / §4.2: characters inserted by the DCE -------------------------------------------

// XON/XOFF (and any other flagged control character) arriving unescaped is dropped, wherever
// it lands: between header octets, inside the FCS, between a Control Escape and its octet.
TEST(Rfc1662_7_1, DceInsertedCharactersAreDropped) {
    for (std::uint32_t accm : {0xffffffffU, 0x000a0000U}) {
        const Bytes wire = encode({.accm = accm}, proto::ip, kGoodInfo);
        for (std::uint8_t dce : {std::uint8_t{0x11}, std::uint8_t{0x13}}) {
            for (std::size_t pos = 0; pos <= wire.size(); ++pos) {
                Bytes noisy = wire;
                noisy.insert(noisy.begin() + static_cast<std::ptrdiff_t>(pos), dce);
                Deframer d({.accm = accm});
                EXPECT_EQ(decode_all(d, noisy), std::vector<Decoded>{kGood}) << "pos " << pos;
                EXPECT_STATS(d.stats(), .frames = 1);
            }
        }
    }
}

TEST(Rfc1662_7_1, DceCharacterBetweenEscapeAndOctet) {
    // info 7d 5e = escaped 0x7e; XON in between must not cancel the pending escape.
    Bytes wire = encode({}, proto::ip, bytes({0x7e}));
    const auto esc = std::find(wire.begin() + 1, wire.end(), std::uint8_t{0x7d});
    ASSERT_NE(esc, wire.end());
    wire.insert(esc + 1, 0x11);
    EXPECT_EQ(decode_all(wire), (std::vector<Decoded>{{proto::ip, {0x7e}}}));
}

// A control character whose bit is clear in our receive ACCM is data, so an inserted one
// corrupts the frame (caught by the FCS) — the ACCM is what makes dropping safe.
TEST(Rfc1662_7_1, ControlCharacterNotInAccmIsData) {
    Bytes wire = encode({.accm = 0}, proto::ip, kGoodInfo);
    wire.insert(wire.begin() + 5, 0x11);
    Deframer d({.accm = 0});
    EXPECT_TRUE(decode_all(d, concat({wire, good_frame()})) == std::vector<Decoded>{kGood});
    EXPECT_STATS(d.stats(), .frames = 1, .bad_fcs = 1);
    // And one sent raw by the peer (allowed by an ACCM of 0) is kept.
    const Bytes raw = encode({.accm = 0}, proto::ip, bytes({0x11, 0x13, 0x00}));
    EXPECT_EQ(decode_all(raw, {.accm = 0}), (std::vector<Decoded>{{proto::ip, {0x11, 0x13, 0x00}}}));
}

// --- RFC 1661 §6.5 / §6.6: liberal header decoding -----------------------------------------

TEST(Rfc1661_6_5, DecodesOneAndTwoOctetProtocol) {
    for (bool pfc : {false, true}) {
        for (bool acfc : {false, true}) {
            const TxConfig tx{.acfc = acfc, .pfc = pfc};
            const Bytes wire = concat({encode(tx, proto::ip, kGoodInfo),
                                       encode(tx, proto::ipcp, bytes({1, 1, 0, 4})),
                                       encode(tx, 0x00fd, bytes({9}))});
            // The receiver never needs to know what was negotiated.
            EXPECT_EQ(decode_all(wire),
                      (std::vector<Decoded>{kGood, {proto::ipcp, {1, 1, 0, 4}}, {0x00fd, {9}}}))
                << "acfc=" << acfc << " pfc=" << pfc;
        }
    }
}

TEST(Rfc1661_6_6, DecodesWithAndWithoutAddressControl) {
    const Bytes with = raw_frame(bytes({0xff, 0x03, 0xc0, 0x21, 0x09, 0x01, 0x00, 0x04}));
    const Bytes without = raw_frame(bytes({0xc0, 0x21, 0x09, 0x01, 0x00, 0x04}));
    const std::vector<Decoded> expected{{proto::lcp, {0x09, 0x01, 0x00, 0x04}}};
    EXPECT_EQ(decode_all(with), expected);
    EXPECT_EQ(decode_all(without), expected);
}

// --- RFC 1661 §6.1: MRU ----------------------------------------------------------------------

TEST(Rfc1661_6_1, MruSizedInformationAcceptedOneMoreRejected) {
    for (FcsKind fcs : {FcsKind::fcs16, FcsKind::fcs32}) {
        Deframer d({.fcs = fcs});  // default mru 1500
        const Bytes max_info(1500, 0x7e);  // every octet escaped on the wire
        const Bytes over(1501, 0x00);
        const Bytes wire = concat({encode({.fcs = fcs}, proto::ip, max_info),
                                   encode({.fcs = fcs}, proto::ip, over),
                                   encode({.fcs = fcs}, proto::ip, kGoodInfo)});
        EXPECT_EQ(decode_all(d, wire), (std::vector<Decoded>{{proto::ip, max_info}, kGood}));
        EXPECT_STATS(d.stats(), .frames = 2, .too_long = 1);
    }
}

// The limit is on the content, so a peer using ACFC/PFC can fit up to mru + 3 info octets; the
// deframer accepts that rather than guess which header form the peer would have used.
TEST(Rfc1661_6_1, LimitAppliesToWholeContent) {
    Deframer d({.mru = 100});
    const TxConfig compressed{.acfc = true, .pfc = true};
    const Bytes wire = concat({encode(compressed, proto::ip, Bytes(103, 1)),
                               encode(compressed, proto::ip, Bytes(104, 1))});
    EXPECT_EQ(decode_all(d, wire), (std::vector<Decoded>{{proto::ip, Bytes(103, 1)}}));
    EXPECT_STATS(d.stats(), .frames = 1, .too_long = 1);
}

// §6.1: "the implementation MUST still be able to receive 1500-octet frames" after a smaller MRU
// was negotiated. That is the caller's job: it configures max(negotiated, 1500).
TEST(Rfc1661_6_1, CallerKeeps1500AfterNegotiatingSmallerMru) {
    const std::size_t negotiated = 296;
    Deframer d({.mru = std::max<std::size_t>(negotiated, 1500)});
    const Bytes info(1500, 0xab);
    EXPECT_EQ(decode_all(d, encode({}, proto::ip, info)), (std::vector<Decoded>{{proto::ip, info}}));
}

TEST(Rfc1661_6_1, HugeMruIsClampedTo16Bits) {
    Deframer d({.mru = static_cast<std::size_t>(-1)});
    const Bytes info(0xffff, 0x5a);
    const Bytes wire = concat({encode({}, proto::ip, info), encode({}, proto::ip, Bytes(0x10000, 1))});
    EXPECT_EQ(decode_all(d, wire), (std::vector<Decoded>{{proto::ip, info}}));
    EXPECT_STATS(d.stats(), .frames = 1, .too_long = 1);
}

// --- configuration changes and reset ---------------------------------------------------------

// When LCP opens, the peer may switch ACCM on the next frame; a frame in flight survives.
TEST(DeframerConfig, SetConfigKeepsPartialFrame) {
    const Bytes wire = encode({.accm = 0xffffffff}, proto::ip, bytes({0x00, 0x01, 0x45}));
    Deframer d;
    ByteView first = ByteView(wire).first(5);
    ByteView rest = ByteView(wire).subspan(5);
    EXPECT_FALSE(d.next_frame(first));
    d.set_config({.accm = 0, .mru = 1500});
    EXPECT_EQ(decode_all(d, rest), (std::vector<Decoded>{{proto::ip, {0x00, 0x01, 0x45}}}));
}

// A larger MRU reallocates the buffer (and re-aligns it, below): the frame in flight moves along.
TEST(DeframerConfig, GrowingLimitKeepsPartialFrame) {
    const Bytes info(300, 0x42);
    const Bytes wire = encode({}, proto::ip, info);
    Deframer d;
    ByteView first = ByteView(wire).first(150);
    ByteView rest = ByteView(wire).subspan(150);
    EXPECT_FALSE(d.next_frame(first));
    d.set_config({.mru = 60000});
    EXPECT_EQ(decode_all(d, rest), (std::vector<Decoded>{{proto::ip, info}}));
}

// A moved-from deframer (its storage gone with the move) is reset by set_config and works again;
// it never copies the partial frame it no longer holds (ASan saw that read overflow).
TEST(DeframerConfig, MovedFromDeframerCanBeReconfigured) {
    const Bytes wire = encode({}, proto::ip, Bytes(30000, 0x42));
    Deframer moved_from({.mru = 60000});
    ByteView first = ByteView(wire).first(wire.size() / 2);
    EXPECT_FALSE(moved_from.next_frame(first));
    Deframer moved_to = std::move(moved_from);
    moved_from.set_config({.mru = 1500});  // NOLINT(bugprone-use-after-move): the point of the test
    EXPECT_EQ(decode_all(moved_from, good_frame()), std::vector<Decoded>{kGood});
    ByteView rest = ByteView(wire).subspan(wire.size() / 2);
    EXPECT_EQ(decode_all(moved_to, rest), (std::vector<Decoded>{{proto::ip, Bytes(30000, 0x42)}}));
}

// Frames are received at the start of a page, so one up to a page long never straddles two
// (the SIMD paths' stores across a page boundary made 64-octet decode up to 70 % slower);
// also after the buffer grew.
TEST(DeframerConfig, FramesStartOnAPageBoundary) {
    const auto frame_start = [](const Frame& f) {
        // Address, Control and the two-octet Protocol precede the information field.
        return reinterpret_cast<std::uintptr_t>(f.info.data()) - 4;
    };
    for (const std::size_t mru : {std::size_t{1500}, std::size_t{9000}, std::size_t{0xffff}}) {
        Deframer d;
        d.set_config({.mru = mru});
        const Bytes wire = concat({encode({}, proto::ip, Bytes(64, 0x7d)), encode({}, proto::ip, Bytes(64, 0x11))});
        ByteView in = wire;
        for (int k = 0; k < 2; ++k) {
            const auto frame = d.next_frame(in);
            ASSERT_TRUE(frame.has_value()) << "mru " << mru;
            EXPECT_EQ(frame_start(*frame) % 4096, 0U) << "mru " << mru << ", frame " << k;
        }
    }
}

TEST(DeframerConfig, ShrinkingLimitDiscardsOversizedPartialFrame) {
    const Bytes wire = encode({}, proto::ip, Bytes(200, 0x33));
    Deframer d;
    ByteView first = ByteView(wire).first(100);
    ByteView rest = ByteView(wire).subspan(100);
    EXPECT_FALSE(d.next_frame(first));
    d.set_config({.mru = 10});
    EXPECT_EQ(decode_all(d, concat({rest, good_frame()})), std::vector<Decoded>{kGood});
    EXPECT_STATS(d.stats(), .frames = 1, .too_long = 1);
}

TEST(DeframerConfig, SwitchToFcs32) {
    Deframer d;
    EXPECT_EQ(decode_all(d, good_frame()), std::vector<Decoded>{kGood});
    d.set_config({.fcs = FcsKind::fcs32});
    EXPECT_EQ(decode_all(d, encode({.fcs = FcsKind::fcs32}, proto::ip, kGoodInfo)),
              std::vector<Decoded>{kGood});
    EXPECT_EQ(decode_all(d, good_frame()), std::vector<Decoded>{});
    EXPECT_STATS(d.stats(), .frames = 2, .bad_fcs = 1);
}

TEST(DeframerConfig, ResetDropsPartialFrame) {
    const Bytes wire = good_frame();
    Deframer d;
    ByteView first = ByteView(wire).first(6);
    EXPECT_FALSE(d.next_frame(first));
    d.reset();
    // The tail of the dropped frame is skipped up to its closing flag, which resynchronises.
    EXPECT_EQ(decode_all(d, concat({ByteView(wire).subspan(6), wire})), std::vector<Decoded>{kGood});
    EXPECT_STATS(d.stats(), .frames = 1);
}

}  // namespace
}  // namespace ec20ppp::hdlc
