// Every framing path (hdlc/path.hpp: portable, SSE2, AVX2, ... whatever this CPU runs) must give
// results bit-identical to the plain per-octet reference framer (reference_hdlc.hpp): the same
// FCS values, the same encoded octets, and from the deframer the same frames, the same
// statistics, the same partial frame and the same unconsumed input after every call. Checked on
// random and adversarial inputs and on every fuzz corpus/regression input of the deframer target.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "common/packet.hpp"
#include "hdlc/path.hpp"
#include "hdlc_test_util.hpp"
#include "reference_hdlc.hpp"

namespace ec20ppp::hdlc {
namespace {

// Runs the body once per available path and puts the default path back afterwards.
class AllPaths : public ::testing::Test {
protected:
    void TearDown() override { select_path(default_path_); }
    template <typename Body>
    void for_each_path(Body body) {
        for (Path p : available_paths()) {
            ASSERT_TRUE(select_path(p));
            ASSERT_EQ(active_path(), p);
            SCOPED_TRACE("path " + std::string(to_string(p)));
            body(p);
        }
    }
    Path default_path_ = active_path();
};

// Says which paths the equivalence tests below cover on this machine (under qemu-user too), and
// checks that a CPU with the vector unit gets its path: AArch64 always has Advanced SIMD.
TEST(HdlcPaths, ListsThePathsThisCpuRuns) {
    std::string names;
    for (Path p : available_paths()) names.append(" ").append(to_string(p));
    std::printf("hdlc paths tested:%s (default %s)\n", names.c_str(), std::string(to_string(active_path())).c_str());
    RecordProperty("hdlc_paths", names);
    ASSERT_FALSE(available_paths().empty());
    EXPECT_EQ(available_paths().front(), Path::portable);
#if defined(__aarch64__)
    EXPECT_NE(names.find("arm_neon"), std::string::npos);
#endif
#if defined(__x86_64__)
    // SIMD scanning with the table CRC: what a CPU without PCLMULQDQ gets, and the x86 stand-in
    // for ARMv7 with NEON in the benchmarks.
    if (__builtin_cpu_supports("ssse3")) {
        EXPECT_NE(names.find("x86_ssse3"), std::string::npos);
    }
#endif
    for (Path p : available_paths()) EXPECT_TRUE(select_path(to_string(p))) << to_string(p);
    select_path(available_paths().back());
}

// Payload shapes: uniform random; only octets that always need escaping; only control
// characters; mostly clean with sparse specials; long clean runs with bursts.
Bytes make_payload(std::mt19937& rng, std::size_t n, int shape) {
    Bytes b(n);
    std::uniform_int_distribution<int> any(0, 255);
    for (std::size_t i = 0; i < n; ++i) {
        const auto r = static_cast<std::uint8_t>(any(rng));
        switch (shape) {
            case 0: b[i] = r; break;
            case 1: b[i] = (r & 1U) ? 0x7d : 0x7e; break;
            case 2: b[i] = static_cast<std::uint8_t>(r & 0x1f); break;
            case 3: b[i] = (r < 8) ? static_cast<std::uint8_t>(0x7d + (r & 1U)) : static_cast<std::uint8_t>(0x41 + r % 26); break;
            default: b[i] = ((i / 37) % 3 == 0) ? static_cast<std::uint8_t>(r % 0x22 + 0x60) : static_cast<std::uint8_t>(0x80 | r); break;
        }
    }
    return b;
}

std::uint32_t pick_accm(std::mt19937& rng) {
    static constexpr std::uint32_t kAccms[] = {0, 0xffffffff, 0x000a0000, 0x80000001};
    std::uniform_int_distribution<int> d(0, 4);
    const int k = d(rng);
    return k < 4 ? kAccms[k] : static_cast<std::uint32_t>(rng());
}

TEST_F(AllPaths, FcsMatchesReferenceOnEveryLengthAndRegister) {
    std::mt19937 rng(1662);
    std::vector<std::size_t> lengths;
    for (std::size_t n = 0; n <= 300; ++n) lengths.push_back(n);
    for (std::size_t n : {511, 512, 513, 1499, 1500, 1501, 4096, 65535}) lengths.push_back(n);
    for_each_path([&](Path) {
        for (std::size_t n : lengths) {
            const Bytes data = make_payload(rng, n, static_cast<int>(n % 5));
            const auto r16 = static_cast<std::uint16_t>(rng());
            const auto r32 = static_cast<std::uint32_t>(rng());
            ASSERT_EQ(fcs16(r16, data), reference::fcs16(r16, data)) << "n=" << n;
            ASSERT_EQ(fcs32(r32, data), reference::fcs32(r32, data)) << "n=" << n;
            ASSERT_EQ(fcs16(kFcs16Init, data), reference::fcs16(kFcs16Init, data)) << "n=" << n;
            ASSERT_EQ(fcs32(kFcs32Init, data), reference::fcs32(kFcs32Init, data)) << "n=" << n;
        }
    });
}

TEST_F(AllPaths, EncodeMatchesReference) {
    std::mt19937 rng(7);
    static constexpr std::uint16_t kProtocols[] = {proto::ip, proto::ipv6, proto::lcp, proto::ipcp, proto::chap, 0x00fd};
    for_each_path([&](Path) {
        for (int iter = 0; iter < 3000; ++iter) {
            TxConfig tx;
            tx.accm = pick_accm(rng);
            tx.acfc = (rng() & 1U) != 0;
            tx.pfc = (rng() & 1U) != 0;
            tx.fcs = (rng() & 1U) != 0 ? FcsKind::fcs32 : FcsKind::fcs16;
            const std::uint16_t protocol = kProtocols[rng() % std::size(kProtocols)];
            const std::size_t n = iter < 200 ? static_cast<std::size_t>(iter) : rng() % 1700;
            Bytes info = make_payload(rng, n, static_cast<int>(rng() % 5));
            if (protocol == proto::lcp && !info.empty() && (rng() & 1U)) info[0] = static_cast<std::uint8_t>(1 + rng() % 9);
            // Append to a buffer that already holds something, as the link's write batch does.
            Bytes fast(rng() % 5, 0xaa), ref = fast;
            encode_frame(tx, protocol, info, fast);
            reference::encode_frame(tx, protocol, info, ref);
            ASSERT_EQ(to_hex(fast), to_hex(ref)) << "iter " << iter << " accm " << tx.accm;
        }
    });
}

struct Outcome {
    std::vector<std::string> events;  // frames, leftovers and partials, in order
    DeframerStats stats;
};

bool same(const DeframerStats& a, const DeframerStats& b) {
    return a.frames == b.frames && a.bad_fcs == b.bad_fcs && a.too_short == b.too_short && a.too_long == b.too_long &&
           a.aborted == b.aborted && a.bad_header == b.bad_header;
}

std::string stats_text(const DeframerStats& s) {
    return std::to_string(s.frames) + "/" + std::to_string(s.bad_fcs) + "/" + std::to_string(s.too_short) + "/" +
           std::to_string(s.too_long) + "/" + std::to_string(s.aborted) + "/" + std::to_string(s.bad_header);
}

// Feeds `stream` in the given chunk sizes (0 = one read), recording everything observable.
template <typename D>
Outcome run(D& deframer, ByteView stream, const std::vector<std::size_t>& chunks, const RxConfig* switch_to) {
    Outcome out;
    std::size_t pos = 0, k = 0;
    while (pos < stream.size()) {
        std::size_t n = chunks.empty() ? stream.size() : chunks[k++ % chunks.size()];
        n = std::min(n, stream.size() - pos);
        ByteView in = stream.subspan(pos, n);
        while (auto frame = deframer.next_frame(in)) {
            out.events.push_back("frame " + std::to_string(frame->protocol) + " " + to_hex(frame->info) + " left " +
                                 std::to_string(in.size()));
        }
        out.events.push_back("partial " + to_hex(deframer.partial()) + " stats " + stats_text(deframer.stats()));
        pos += n;
        if (switch_to != nullptr && k % 7 == 3) deframer.set_config(*switch_to);
    }
    out.stats = deframer.stats();
    return out;
}

void expect_same_decode(ByteView stream, const RxConfig& rx, const std::vector<std::size_t>& chunks,
                        const RxConfig* switch_to = nullptr) {
    Deframer fast(rx);
    reference::Deframer ref(rx);
    const Outcome a = run(fast, stream, chunks, switch_to);
    const Outcome b = run(ref, stream, chunks, switch_to);
    ASSERT_EQ(a.events.size(), b.events.size());
    for (std::size_t i = 0; i < a.events.size(); ++i) ASSERT_EQ(a.events[i], b.events[i]) << "event " << i;
    ASSERT_TRUE(same(a.stats, b.stats));
}

// A stream of frames encoded under various options, with noise, corruption, aborts, DCE
// characters, oversized frames and modem text in between.
Bytes make_stream(std::mt19937& rng, std::uint32_t accm, FcsKind fcs) {
    Bytes wire;
    const int frames = 1 + static_cast<int>(rng() % 12);
    for (int f = 0; f < frames; ++f) {
        TxConfig tx{.accm = (rng() & 3U) == 0 ? static_cast<std::uint32_t>(rng()) : accm,
                    .acfc = (rng() & 1U) != 0,
                    .pfc = (rng() & 1U) != 0,
                    .fcs = (rng() % 8) == 0 ? (fcs == FcsKind::fcs16 ? FcsKind::fcs32 : FcsKind::fcs16) : fcs};
        const std::size_t n = (rng() % 6) == 0 ? 1400 + rng() % 400 : rng() % 300;
        const Bytes info = make_payload(rng, n, static_cast<int>(rng() % 5));
        const std::size_t start = wire.size();
        encode_frame(tx, (rng() & 1U) ? proto::ip : proto::ipcp, info, wire);
        switch (rng() % 10) {
            case 0: wire[start + 1 + rng() % (wire.size() - start - 2)] ^= static_cast<std::uint8_t>(1U << (rng() % 8)); break;
            case 1: wire.insert(wire.end() - 1, 0x7d); break;  // abort
            case 2: wire.insert(wire.begin() + static_cast<std::ptrdiff_t>(start + 1 + rng() % (wire.size() - start - 1)),
                                static_cast<std::uint8_t>(rng() % 0x20)); break;  // a DCE character anywhere
            case 3: wire.pop_back(); break;  // frames run together
            case 4: {
                const Bytes noise = make_payload(rng, rng() % 80, static_cast<int>(rng() % 5));
                wire.insert(wire.end(), noise.begin(), noise.end());
                break;
            }
            case 5: {
                const std::string text = "\r\nNO CARRIER\r\n";
                wire.insert(wire.end(), text.begin(), text.end());
                break;
            }
            default: break;
        }
    }
    return wire;
}

TEST_F(AllPaths, DeframeMatchesReferenceOnRandomStreams) {
    std::mt19937 rng(1661);
    static constexpr std::size_t kMrus[] = {1500, 0, 4, 64, 296, 1500, 4096};
    for_each_path([&](Path) {
        for (int iter = 0; iter < 1500; ++iter) {
            const std::uint32_t accm = pick_accm(rng);
            const FcsKind fcs = (rng() % 4) == 0 ? FcsKind::fcs32 : FcsKind::fcs16;
            const Bytes stream = make_stream(rng, accm, fcs);
            RxConfig rx{.accm = (rng() & 3U) == 0 ? pick_accm(rng) : accm, .mru = kMrus[rng() % std::size(kMrus)], .fcs = fcs};
            std::vector<std::size_t> chunks;
            if (iter % 3 != 0) {
                for (int c = 0; c < 5; ++c) chunks.push_back(1 + rng() % (iter % 3 == 1 ? 8 : 700));
            }
            SCOPED_TRACE("iter " + std::to_string(iter));
            expect_same_decode(stream, rx, chunks);
            if (iter % 10 == 0) {
                RxConfig other = rx;
                other.accm = pick_accm(rng);
                other.mru = kMrus[rng() % std::size(kMrus)];
                expect_same_decode(stream, rx, chunks.empty() ? std::vector<std::size_t>{97} : chunks, &other);
            }
        }
    });
}

// Every regular octet pattern around the block boundaries the kernels use (8, 16, 32, 64).
TEST_F(AllPaths, DeframeMatchesReferenceAroundBlockBoundaries) {
    static constexpr std::uint8_t kSpecials[] = {0x7d, 0x7e, 0x11, 0x00, 0x5d, 0x20};
    for_each_path([&](Path) {
        for (std::uint32_t accm : {0U, 0xffffffffU, 0x000a0000U}) {
            for (std::size_t pos = 0; pos < 70; ++pos) {
                for (std::uint8_t a : kSpecials) {
                    for (std::uint8_t b : kSpecials) {
                        Bytes content(80, 0x41);
                        content[pos] = a;
                        content[pos + 1] = b;
                        static constexpr std::uint8_t kFlagOctet[] = {0x7e};
                        const Bytes good = test::raw_frame(content);
                        const Bytes stream = test::concat({kFlagOctet, content, kFlagOctet, good});
                        for (std::size_t mru : {1500U, 60U}) {
                            expect_same_decode(stream, {.accm = accm, .mru = mru}, {});
                            expect_same_decode(stream, {.accm = accm, .mru = mru}, {pos + 1});
                        }
                    }
                }
            }
        }
    });
}

// Any octet may follow a Control Escape, which the receiver always XORs with 0x20 (RFC 1662
// §4.2), even one a sender need not have escaped: "7d 7d" is 0x5d, and "7d 11" is 0x31 unless the
// ACCM makes 0x11 a DCE character to drop (the escape then applies to the octet after it, and
// the frame's FCS fails, as it must). Frames with such pairs and the FCS of their content, alone
// and two in a row, at every offset around the blocks and words the kernels use, decoded whole
// and cut at the pair: a kernel that mishandles an escape carried from one word into the next
// ("7d | 7d 41" read as one 0x61) loses a good frame.
TEST_F(AllPaths, DeframeMatchesReferenceOnUnneededEscapesAtEveryOffset) {
    static constexpr std::uint8_t kEscapedValues[] = {0x5d, 0x31, 0x41};
    for_each_path([&](Path) {
        for (std::uint32_t accm : {0U, 0xffffffffU, 0x000a0000U}) {
            for (std::size_t pos = 0; pos < 70; ++pos) {
                for (std::uint8_t value : kEscapedValues) {
                    for (std::size_t run : {1U, 2U}) {
                        Bytes content(80, 0x41);
                        for (std::size_t k = 0; k < run; ++k) content[pos + k] = value;
                        const Bytes canonical = test::raw_frame(content);
                        // Octets before pos are all 0x41, sent as they are: content[pos] is at
                        // 1 + pos on the wire, after the opening flag.
                        Bytes stream(canonical.begin(), canonical.begin() + static_cast<std::ptrdiff_t>(1 + pos));
                        for (std::size_t k = 0; k < run; ++k) {
                            stream.push_back(0x7d);
                            stream.push_back(static_cast<std::uint8_t>(value ^ 0x20));
                        }
                        stream.insert(stream.end(), canonical.begin() + static_cast<std::ptrdiff_t>(1 + pos + run),
                                      canonical.end());
                        for (std::size_t mru : {1500U, 60U}) {
                            SCOPED_TRACE("accm " + std::to_string(accm) + " pos " + std::to_string(pos) + " value " +
                                         std::to_string(value) + " run " + std::to_string(run) + " mru " +
                                         std::to_string(mru));
                            expect_same_decode(stream, {.accm = accm, .mru = mru}, {});
                            expect_same_decode(stream, {.accm = accm, .mru = mru}, {pos + 2});
                            if (HasFatalFailure()) return;
                        }
                    }
                }
            }
        }
    });
}

// Short frames, where the kernels' tails do the work (the octets after the last whole block, the
// final block that overlaps ones already consumed, an escape carried from one block into the
// next): every information length 0..80 under ACCM 0, 0xffffffff and a sparse one, every payload
// shape, encoded and then decoded whole, cut in two at every point, and back to back.
TEST_F(AllPaths, ShortFramesAtEveryLengthMatchReference) {
    std::mt19937 rng(80);
    for_each_path([&](Path) {
        for (std::uint32_t accm : {0U, 0xffffffffU, 0x000a0000U}) {
            for (std::size_t n = 0; n <= 80; ++n) {
                for (int shape = 0; shape < 5; ++shape) {
                    const Bytes info = make_payload(rng, n, shape);
                    const TxConfig tx{.accm = accm, .acfc = (n & 1U) != 0, .pfc = (n & 2U) != 0};
                    Bytes fast, ref;
                    encode_frame(tx, proto::ip, info, fast);
                    reference::encode_frame(tx, proto::ip, info, ref);
                    ASSERT_EQ(to_hex(fast), to_hex(ref)) << "n=" << n << " shape " << shape << " accm " << accm;
                    const RxConfig rx{.accm = accm};
                    SCOPED_TRACE("n=" + std::to_string(n) + " shape " + std::to_string(shape));
                    expect_same_decode(ref, rx, {});
                    for (std::size_t cut = 1; cut < ref.size(); cut += 1 + n / 16) {
                        expect_same_decode(ref, rx, {cut, ref.size()});
                    }
                    // Two frames in one read, the second one cut short (its flag missing).
                    Bytes two = ref;
                    two.insert(two.end(), ref.begin() + 1, ref.end() - 1);
                    expect_same_decode(two, rx, {});
                }
            }
        }
    });
}

// The deframer fuzz target's input layout (fuzz/hdlc_deframe.cpp): byte 0 the receive options,
// byte 1 the chunking, maybe 4 ACCM octets, then the stream.
void check_fuzz_input(ByteView data) {
    if (data.size() < 2) return;
    const std::uint8_t mode = data[0], chunking = data[1];
    data = data.subspan(2);
    static constexpr std::size_t kMrus[] = {1500, 0, 1, 4, 64, 296, 1500, 4096};
    RxConfig rx;
    rx.fcs = (mode & 0x01) != 0 ? FcsKind::fcs32 : FcsKind::fcs16;
    rx.mru = kMrus[(mode >> 1) & 0x07];
    switch ((mode >> 4) & 0x03) {
        case 0: rx.accm = 0xffffffff; break;
        case 1: rx.accm = 0; break;
        case 2: rx.accm = 0x000a0000; break;
        default:
            if (data.size() < 4) return;
            rx.accm = std::uint32_t{data[0]} | std::uint32_t{data[1]} << 8 | std::uint32_t{data[2]} << 16 |
                      std::uint32_t{data[3]} << 24;
            data = data.subspan(4);
    }
    expect_same_decode(data, rx, {});
    expect_same_decode(data, rx, {std::size_t{chunking & 0x7fU} + 1U});
}

TEST_F(AllPaths, DeframeMatchesReferenceOnFuzzInputs) {
    std::size_t files = 0;
    const std::filesystem::path root = EC20PPP_SOURCE_DIR;
    for (const char* dir : {"fuzz/corpus/hdlc_deframe", "fuzz/regressions/hdlc_deframe"}) {
        if (!std::filesystem::is_directory(root / dir)) continue;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(root / dir)) {
            if (!entry.is_regular_file()) continue;
            std::ifstream f(entry.path(), std::ios::binary);
            const Bytes data{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
            for_each_path([&](Path) {
                SCOPED_TRACE(entry.path().string());
                check_fuzz_input(data);
            });
            ++files;
        }
    }
    if (files == 0) GTEST_SKIP() << "no fuzz corpus for hdlc_deframe in this checkout";
}

}  // namespace
}  // namespace ec20ppp::hdlc
