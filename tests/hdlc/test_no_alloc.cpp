// Steady state must not touch the heap: the deframer reuses one buffer and the encoder writes
// into the caller's buffer. Checked by counting calls to the (replaced) global operator new.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "common/packet.hpp"
#include "hdlc/framer.hpp"

#include "support/counting_new.hpp"

namespace ec20ppp::hdlc {
namespace {

TEST(HdlcSteadyState, NoAllocationPerFrame) {
    Bytes wire;
    wire.reserve(1 << 20);
    for (int i = 0; i < 200; ++i) {
        Bytes info(static_cast<std::size_t>(i * 7 % 1500), static_cast<std::uint8_t>(i));
        encode_frame({}, proto::ip, info, wire);
    }
    // Sprinkle every error kind in between.
    const Bytes errors = {0x7e, 0x41, 0x7e,                    // too short
                          0x7e, 0xff, 0x03, 0x00, 0x21, 0x45, 0x00, 0x00, 0x7e,  // bad FCS
                          0x7e, 0xff, 0x7d, 0x7e};              // aborted
    wire.insert(wire.begin() + 1000, errors.begin(), errors.end());
    Bytes too_long;
    encode_frame({}, proto::ip, Bytes(1600, 1), too_long);
    wire.insert(wire.end(), too_long.begin(), too_long.end());

    Deframer deframer;
    Bytes out;
    out.reserve(8192);
    std::size_t frames = 0;

    const std::size_t before = testsupport::allocations();
    for (int pass = 0; pass < 3; ++pass) {
        for (std::size_t pos = 0; pos < wire.size(); pos += 61) {  // odd chunk size
            ByteView in = ByteView(wire).subspan(pos, std::min<std::size_t>(61, wire.size() - pos));
            while (auto frame = deframer.next_frame(in)) {
                ++frames;
                out.clear();  // keeps capacity
                encode_frame({.accm = 0, .acfc = true, .pfc = true}, frame->protocol, frame->info, out);
            }
        }
    }
    const std::size_t allocations = testsupport::allocations() - before;

    EXPECT_EQ(allocations, 0U);
    EXPECT_GE(frames, 3U * 199);
    EXPECT_GT(deframer.stats().too_short + deframer.stats().bad_fcs, 0U);
    EXPECT_GT(deframer.stats().too_long, 0U);
}

}  // namespace
}  // namespace ec20ppp::hdlc

// The zero counts above mean something only if the counter sees allocations at all.
TEST(HdlcSteadyState, TheAllocationCounterCounts) {
    const std::size_t before = ec20ppp::testsupport::allocations();
    auto* p = new std::vector<int>(100);
    delete p;
    EXPECT_GE(ec20ppp::testsupport::allocations() - before, 2U);
}
