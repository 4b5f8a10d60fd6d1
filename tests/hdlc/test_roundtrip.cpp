// Encoder and deframer together: the real EC20 LCP Configure-Request, and randomised round trips
// split at every byte boundary.
#include <gtest/gtest.h>

#include <random>

#include "common/packet.hpp"
#include "hdlc/framer.hpp"
#include "hdlc_test_util.hpp"

namespace ec20ppp::hdlc {
namespace {

using test::concat;
using test::decode_all;
using test::Decoded;
using test::encode;

// The EC20's first LCP Configure-Request as pppd logs it:
//   rcvd [LCP ConfReq id=0x0 <asyncmap 0x0> <auth chap MD5> <magic 0xc63dcf81> <pcomp> <accomp>]
// Built from RFC 1661 §5.1 (Code 1, Identifier 0, Length = 4 + 21 octets of options = 0x0019)
// and the options of RFC 1662 §7.1 (type 2, len 6), RFC 1661 §6.2 (type 3, len 5, c223 = CHAP,
// RFC 1994 algorithm 5 = MD5), §6.4 (type 5, len 6), §6.5 (type 7, len 2), §6.6 (type 8, len 2).
const Bytes kEc20ConfReq = {
    0x01, 0x00, 0x00, 0x19,                    // Code, Identifier, Length
    0x02, 0x06, 0x00, 0x00, 0x00, 0x00,        // Async-Control-Character-Map 0x00000000
    0x03, 0x05, 0xc2, 0x23, 0x05,              // Authentication-Protocol CHAP, MD5
    0x05, 0x06, 0xc6, 0x3d, 0xcf, 0x81,        // Magic-Number 0xc63dcf81
    0x07, 0x02,                                // Protocol-Field-Compression
    0x08, 0x02,                                // Address-and-Control-Field-Compression
};

// Computed independently of this code (python3: bitwise CRC-16/X-25 over ff 03 c0 21 + info,
// complemented, LSB first; every octet < 0x20, 0x7d, 0x7e escaped as 7d (x ^ 0x20)).
const Bytes kEc20ConfReqWire = {
    0x7e, 0xff, 0x7d, 0x23, 0xc0, 0x21, 0x7d, 0x21, 0x7d, 0x20, 0x7d, 0x20, 0x7d, 0x39,
    0x7d, 0x22, 0x7d, 0x26, 0x7d, 0x20, 0x7d, 0x20, 0x7d, 0x20, 0x7d, 0x20, 0x7d, 0x23,
    0x7d, 0x25, 0xc2, 0x23, 0x7d, 0x25, 0x7d, 0x25, 0x7d, 0x26, 0xc6, 0x3d, 0xcf, 0x81,
    0x7d, 0x27, 0x7d, 0x22, 0x7d, 0x28, 0x7d, 0x22, 0x86, 0xfe, 0x7e,
};

// Same frame with the 32-bit FCS (python3: binascii.crc32, LSB first).
const Bytes kEc20ConfReqWireFcs32 = {
    0x7e, 0xff, 0x7d, 0x23, 0xc0, 0x21, 0x7d, 0x21, 0x7d, 0x20, 0x7d, 0x20, 0x7d, 0x39,
    0x7d, 0x22, 0x7d, 0x26, 0x7d, 0x20, 0x7d, 0x20, 0x7d, 0x20, 0x7d, 0x20, 0x7d, 0x23,
    0x7d, 0x25, 0xc2, 0x23, 0x7d, 0x25, 0x7d, 0x25, 0x7d, 0x26, 0xc6, 0x3d, 0xcf, 0x81,
    0x7d, 0x27, 0x7d, 0x22, 0x7d, 0x28, 0x7d, 0x22, 0xa3, 0x9f, 0x7d, 0x29, 0xca, 0x7e,
};

TEST(Ec20Golden, LcpConfReqEncodesToKnownBytes) {
    EXPECT_EQ(encode({.accm = 0xffffffff}, proto::lcp, kEc20ConfReq), kEc20ConfReqWire);
    EXPECT_EQ(encode({.accm = 0xffffffff, .fcs = FcsKind::fcs32}, proto::lcp, kEc20ConfReq),
              kEc20ConfReqWireFcs32);
    // RFC 1661 §5/§6.6: a Configure-Request goes out identically whatever was negotiated.
    EXPECT_EQ(encode({.accm = 0, .acfc = true, .pfc = true}, proto::lcp, kEc20ConfReq),
              kEc20ConfReqWire);
}

TEST(Ec20Golden, LcpConfReqDecodesBack) {
    const std::vector<Decoded> expected{{proto::lcp, kEc20ConfReq}};
    EXPECT_EQ(decode_all(kEc20ConfReqWire), expected);
    EXPECT_EQ(decode_all(kEc20ConfReqWireFcs32, {.fcs = FcsKind::fcs32}), expected);
    // Byte by byte, as a slow serial port would deliver it.
    Deframer d;
    std::vector<Decoded> got;
    for (std::uint8_t octet : kEc20ConfReqWire) {
        ByteView in{&octet, 1};
        if (auto f = d.next_frame(in)) got.push_back({f->protocol, Bytes(f->info.begin(), f->info.end())});
        EXPECT_TRUE(in.empty());
    }
    EXPECT_EQ(got, expected);
}

// --- randomised round trips ------------------------------------------------------------------

constexpr std::uint16_t kProtocols[] = {proto::ip,   proto::ipv6, proto::vj_compressed, 0x00fd,
                                        proto::ipcp, proto::lcp,  proto::chap,          0x3eff};

struct Scenario {
    TxConfig tx;
    RxConfig rx;
    std::vector<Decoded> frames;
    Bytes wire;
};

// Random frames with a random receive ACCM; the peer's transmit ACCM is a random superset of it,
// as it is on a real link (the peer must escape at least what we asked for, RFC 1662 §7.1).
Scenario make_scenario(std::mt19937& rng, std::size_t nframes, std::size_t max_info) {
    Scenario s;
    const auto rnd32 = [&] { return static_cast<std::uint32_t>(rng()); };
    std::uint32_t rx_accm = rnd32();
    switch (rng() % 4) {  // favour the values seen in practice
        case 0: rx_accm = 0; break;
        case 1: rx_accm = 0xffffffff; break;
        case 2: rx_accm = 0x000a0000; break;
        default: break;
    }
    const FcsKind fcs = rng() % 2 ? FcsKind::fcs32 : FcsKind::fcs16;
    s.rx = {.accm = rx_accm, .mru = 1500, .fcs = fcs};
    s.tx = {.accm = rx_accm | (rng() % 2 ? rnd32() : 0), .acfc = rng() % 2 == 0,
            .pfc = rng() % 2 == 0, .fcs = fcs};
    for (std::size_t i = 0; i < nframes; ++i) {
        Decoded f;
        f.protocol = kProtocols[rng() % std::size(kProtocols)];
        f.info.resize(rng() % (max_info + 1));
        // Bias towards the octets that matter: controls, 7d, 7e.
        for (auto& b : f.info) {
            const unsigned r = rng() % 8;
            b = r == 0 ? 0x7e : r == 1 ? 0x7d : r < 4 ? static_cast<std::uint8_t>(rng() % 0x20)
                                                      : static_cast<std::uint8_t>(rng());
        }
        encode_frame(s.tx, f.protocol, f.info, s.wire);
        s.frames.push_back(std::move(f));
    }
    return s;
}

std::string describe(const Scenario& s) {
    return "tx.accm=" + std::to_string(s.tx.accm) + " rx.accm=" + std::to_string(s.rx.accm) +
           " acfc=" + std::to_string(s.tx.acfc) + " pfc=" + std::to_string(s.tx.pfc) +
           " fcs32=" + std::to_string(s.tx.fcs == FcsKind::fcs32);
}

// Several frames in one read.
TEST(Rfc1662_RoundTrip, SeveralFramesInOneRead) {
    std::mt19937 rng(1662);
    for (int trial = 0; trial < 200; ++trial) {
        const Scenario s = make_scenario(rng, 1 + rng() % 8, 1500);
        Deframer d(s.rx);
        EXPECT_EQ(decode_all(d, s.wire), s.frames) << describe(s);
        EXPECT_EQ(d.stats().frames, s.frames.size());
    }
}

// The same stream cut in two at every possible byte boundary.
TEST(Rfc1662_RoundTrip, SplitAtEveryByteBoundary) {
    std::mt19937 rng(1661);
    for (int trial = 0; trial < 40; ++trial) {
        const Scenario s = make_scenario(rng, 3, 120);
        for (std::size_t cut = 0; cut <= s.wire.size(); ++cut) {
            Deframer d(s.rx);
            std::vector<Decoded> got = decode_all(d, ByteView(s.wire).first(cut));
            const std::vector<Decoded> tail = decode_all(d, ByteView(s.wire).subspan(cut));
            got.insert(got.end(), tail.begin(), tail.end());
            ASSERT_EQ(got, s.frames) << describe(s) << " cut " << cut;
            const DeframerStats& st = d.stats();
            ASSERT_EQ(st.bad_fcs + st.too_short + st.too_long + st.aborted + st.bad_header, 0U);
        }
    }
}

// One byte per read, and random read sizes, with one Deframer for the whole session.
TEST(Rfc1662_RoundTrip, ByteByByteAndRandomChunks) {
    std::mt19937 rng(1994);
    for (int trial = 0; trial < 100; ++trial) {
        const Scenario s = make_scenario(rng, 5, 600);
        {
            Deframer d(s.rx);
            std::vector<Decoded> got;
            for (std::uint8_t octet : s.wire) {
                const std::vector<Decoded> part = decode_all(d, ByteView{&octet, 1});
                got.insert(got.end(), part.begin(), part.end());
            }
            EXPECT_EQ(got, s.frames) << describe(s);
        }
        {
            Deframer d(s.rx);
            std::vector<Decoded> got;
            for (std::size_t pos = 0; pos < s.wire.size();) {
                const std::size_t n = std::min<std::size_t>(1 + rng() % 64, s.wire.size() - pos);
                const std::vector<Decoded> part = decode_all(d, ByteView(s.wire).subspan(pos, n));
                got.insert(got.end(), part.begin(), part.end());
                pos += n;
            }
            EXPECT_EQ(got, s.frames) << describe(s);
        }
    }
}

// Every frame that can be encoded within the MRU decodes, at the exact MRU boundary too.
TEST(Rfc1662_RoundTrip, MruBoundaryAllHeaderForms) {
    for (FcsKind fcs : {FcsKind::fcs16, FcsKind::fcs32}) {
        for (bool acfc : {false, true}) {
            for (bool pfc : {false, true}) {
                const TxConfig tx{.accm = 0, .acfc = acfc, .pfc = pfc, .fcs = fcs};
                const Bytes info(296, 0x7d);
                Deframer d({.accm = 0, .mru = 296, .fcs = fcs});
                EXPECT_EQ(decode_all(d, encode(tx, proto::ipcp, info)),
                          (std::vector<Decoded>{{proto::ipcp, info}}));
            }
        }
    }
}

}  // namespace
}  // namespace ec20ppp::hdlc
