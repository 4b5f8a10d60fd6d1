// Steady state must not touch the heap: the deframer reuses one buffer and the encoder writes
// into the caller's buffer. Checked by counting calls to the (replaced) global operator new.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "common/packet.hpp"
#include "hdlc/framer.hpp"

namespace {
std::atomic<std::size_t> g_allocations{0};
}  // namespace

// Replacing the global allocation functions is allowed by [replacement.functions]; only the
// plain forms are replaced, every other form forwards to them by default.
// Out of line, so GCC (with -fsanitize=address) does not pair an inlined new with free() and
// fail the build with -Wmismatched-new-delete.
namespace {
[[gnu::noinline]] void* counted_malloc(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }
}  // namespace

void* operator new(std::size_t size) {
    if (void* p = counted_malloc(size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }

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

    const std::size_t before = g_allocations.load();
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
    const std::size_t allocations = g_allocations.load() - before;

    EXPECT_EQ(allocations, 0U);
    EXPECT_GE(frames, 3U * 199);
    EXPECT_GT(deframer.stats().too_short + deframer.stats().bad_fcs, 0U);
    EXPECT_GT(deframer.stats().too_long, 0U);
}

}  // namespace
}  // namespace ec20ppp::hdlc
