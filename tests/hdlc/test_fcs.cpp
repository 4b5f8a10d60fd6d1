// RFC 1662 Appendix C: the 16- and 32-bit Frame Check Sequences.
#include <gtest/gtest.h>

#include <random>

#include "hdlc/fcs.hpp"
#include "hdlc_test_util.hpp"

namespace ec20ppp::hdlc {
namespace {

using test::reference_fcs16;
using test::reference_fcs32;

const ByteView kCheckInput = as_bytes("123456789");

// The catalogued check value of CRC-16/X-25 (the PPP FCS-16): complemented FCS of "123456789".
TEST(Rfc1662_AppC, Fcs16CheckValue) {
    EXPECT_EQ(static_cast<std::uint16_t>(~fcs16(kFcs16Init, kCheckInput)), 0x906e);
}

// The catalogued check value of CRC-32 (ISO-HDLC, the PPP FCS-32).
TEST(Rfc1662_AppC, Fcs32CheckValue) {
    EXPECT_EQ(~fcs32(kFcs32Init, kCheckInput), 0xcbf43926U);
}

TEST(Rfc1662_AppC, EmptyDataLeavesRegisterUnchanged) {
    EXPECT_EQ(fcs16(kFcs16Init, {}), kFcs16Init);
    EXPECT_EQ(fcs32(kFcs32Init, {}), kFcs32Init);
    EXPECT_EQ(fcs16(0x1234, {}), 0x1234);
}

// App. C.2/C.3: appending the complemented FCS LSB first and running the FCS over the whole
// thing gives the fixed "good" residue, for any content.
TEST(Rfc1662_AppC, Fcs16GoodResidue) {
    std::mt19937 rng(16);
    for (std::size_t len = 0; len < 64; ++len) {
        Bytes data(len);
        for (auto& b : data) b = static_cast<std::uint8_t>(rng());
        const auto fcs = static_cast<std::uint16_t>(~fcs16(kFcs16Init, data));
        data.push_back(static_cast<std::uint8_t>(fcs));
        data.push_back(static_cast<std::uint8_t>(fcs >> 8));
        EXPECT_EQ(fcs16(kFcs16Init, data), kFcs16Good) << "len " << len;
    }
}

TEST(Rfc1662_AppC, Fcs32GoodResidue) {
    std::mt19937 rng(32);
    for (std::size_t len = 0; len < 64; ++len) {
        Bytes data(len);
        for (auto& b : data) b = static_cast<std::uint8_t>(rng());
        const std::uint32_t fcs = ~fcs32(kFcs32Init, data);
        for (int shift = 0; shift < 32; shift += 8) data.push_back(static_cast<std::uint8_t>(fcs >> shift));
        EXPECT_EQ(fcs32(kFcs32Init, data), kFcs32Good) << "len " << len;
    }
}

// The table-driven functions agree with a bit-at-a-time implementation of the polynomials.
TEST(Rfc1662_AppC, TablesMatchBitwiseReference) {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 200; ++trial) {
        Bytes data(rng() % 300);
        for (auto& b : data) b = static_cast<std::uint8_t>(rng());
        EXPECT_EQ(static_cast<std::uint16_t>(~fcs16(kFcs16Init, data)), reference_fcs16(data));
        EXPECT_EQ(~fcs32(kFcs32Init, data), reference_fcs32(data));
    }
    // Every single-octet input exercises every table entry once.
    for (unsigned v = 0; v < 256; ++v) {
        const std::uint8_t octet = static_cast<std::uint8_t>(v);
        const ByteView one{&octet, 1};
        EXPECT_EQ(static_cast<std::uint16_t>(~fcs16(kFcs16Init, one)), reference_fcs16(one));
        EXPECT_EQ(~fcs32(kFcs32Init, one), reference_fcs32(one));
    }
}

// The deframer and encoder rely on continuing a computation across pieces.
TEST(Rfc1662_AppC, ComputationCanBeSplitAnywhere) {
    const ByteView all = kCheckInput;
    for (std::size_t cut = 0; cut <= all.size(); ++cut) {
        EXPECT_EQ(fcs16(fcs16(kFcs16Init, all.first(cut)), all.subspan(cut)), fcs16(kFcs16Init, all));
        EXPECT_EQ(fcs32(fcs32(kFcs32Init, all.first(cut)), all.subspan(cut)), fcs32(kFcs32Init, all));
    }
}

// Both FCSs detect every single-bit error in a frame (the reason they exist).
TEST(Rfc1662_AppC, EverySingleBitErrorDetected) {
    Bytes data(40);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 37);
    const auto f16 = static_cast<std::uint16_t>(~fcs16(kFcs16Init, data));
    const std::uint32_t f32 = ~fcs32(kFcs32Init, data);
    Bytes d16 = data, d32 = data;
    d16.push_back(static_cast<std::uint8_t>(f16));
    d16.push_back(static_cast<std::uint8_t>(f16 >> 8));
    for (int shift = 0; shift < 32; shift += 8) d32.push_back(static_cast<std::uint8_t>(f32 >> shift));
    for (std::size_t bit = 0; bit < d16.size() * 8; ++bit) {
        Bytes bad = d16;
        bad[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
        EXPECT_NE(fcs16(kFcs16Init, bad), kFcs16Good) << "bit " << bit;
    }
    for (std::size_t bit = 0; bit < d32.size() * 8; ++bit) {
        Bytes bad = d32;
        bad[bit / 8] ^= static_cast<std::uint8_t>(1U << (bit % 8));
        EXPECT_NE(fcs32(kFcs32Init, bad), kFcs32Good) << "bit " << bit;
    }
}

TEST(Rfc1662_AppC, FcsSizes) {
    EXPECT_EQ(fcs_size(FcsKind::fcs16), 2U);
    EXPECT_EQ(fcs_size(FcsKind::fcs32), 4U);
}

}  // namespace
}  // namespace ec20ppp::hdlc
