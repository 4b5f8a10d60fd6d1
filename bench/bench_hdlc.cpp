// HDLC framing throughput (RFC 1662): every framing path this CPU runs (hdlc/path.hpp), the plain
// per-octet reference framer (tests/hdlc/reference_hdlc.hpp) and memcpy, on the same packets in
// the same run, so the ratios printed at the end compare like with like on a noisy machine.
//
//   encode|decode / <path|reference> / <64|576|1500> / <random|worst> / accm<0|ffffffff>
//   fcs16|fcs32  / <path|reference> / <size>
//   memcpy       / <size>
//
// Bytes/s count payload (information field) octets. "worst" payloads need escaping in every
// octet: 0x7d/0x7e under ACCM 0, any of 0x00-0x1f/0x7d/0x7e under ACCM 0xffffffff. Decode is fed
// the frame its encoder produced, as one read per frame, with the same ACCM on receive.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/packet.hpp"
#include "hdlc/framer.hpp"
#include "hdlc/path.hpp"
#include "reference_hdlc.hpp"

namespace {

using namespace ec20ppp;
using namespace ec20ppp::hdlc;

constexpr std::size_t kSizes[] = {64, 576, 1500};

// Every case reads its input from and writes its output to the start of a page, as the deframer
// receives into one: where they sit is fixed, not left to the heap. Where a heap block happened
// to put a 64-octet frame across a page boundary, every iteration paid for the split stores
// (SIMD decode up to 70 % slower), and which cases did changed with the allocations before them;
// in a stream such a split comes once per page of traffic, not once per frame. (Input and output
// at the same offset in their pages measured the same as input in the middle of a page.)
constexpr std::size_t kPage = 4096;
std::size_t page_offset(const std::uint8_t* p) {
    return static_cast<std::size_t>(-reinterpret_cast<std::uintptr_t>(p) & (kPage - 1));
}
constexpr std::uint32_t kAccms[] = {0, 0xffffffff};

Bytes payload(std::size_t n, bool worst, std::uint32_t accm) {
    std::mt19937 rng(static_cast<std::uint32_t>(n * 31 + (worst ? 7 : 0) + accm));
    Bytes b(n);
    for (auto& octet : b) {
        const auto r = static_cast<std::uint8_t>(rng());
        if (!worst) {
            octet = r;
        } else if (accm == 0) {
            octet = (r & 1U) ? 0x7d : 0x7e;
        } else {
            const std::uint8_t pick = r % 34;
            octet = pick < 32 ? pick : (pick == 32 ? 0x7d : 0x7e);
        }
    }
    return b;
}

// Names built with snprintf: GCC 12 at -O3 warns falsely (-Wrestrict) on some std::string sums.
std::string case_name(const char* op, const std::string& impl, std::size_t size, const char* payload_kind = nullptr,
                      std::uint32_t accm = 0) {
    char s[96];
    if (impl.empty()) {
        std::snprintf(s, sizeof s, "%s/%zu", op, size);
    } else if (payload_kind != nullptr) {
        std::snprintf(s, sizeof s, "%s/%s/%zu/%s/accm%x", op, impl.c_str(), size, payload_kind, accm);
    } else {
        std::snprintf(s, sizeof s, "%s/%s/%zu", op, impl.c_str(), size);
    }
    return s;
}

// impl: a Path name, or "reference".
void register_cases(const std::string& impl, bool reference, Path path) {
    for (std::size_t size : kSizes) {
        for (bool worst : {false, true}) {
            for (std::uint32_t accm : kAccms) {
                const char* kind = worst ? "worst" : "random";
                const Bytes info = payload(size, worst, accm);
                const TxConfig tx{.accm = accm};
                benchmark::RegisterBenchmark(case_name("encode", impl, size, kind, accm).c_str(), [=](benchmark::State& state) {
                    if (!reference) select_path(path);
                    Bytes out;
                    out.reserve(4 * size + 256 + kPage);
                    const std::size_t start = page_offset(out.data());
                    for (auto _ : state) {
                        out.resize(start);
                        if (reference) {
                            reference::encode_frame(tx, proto::ip, info, out);
                        } else {
                            encode_frame(tx, proto::ip, info, out);
                        }
                        benchmark::DoNotOptimize(out.data());
                        benchmark::ClobberMemory();
                    }
                    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
                });
                Bytes encoded;
                reference::encode_frame(tx, proto::ip, info, encoded);
                // The frame at a page boundary (above). Shared, not copied into the lambda: a copy
                // would be a new allocation, placed differently.
                const auto stored = std::make_shared<Bytes>(encoded.size() + kPage);
                const std::size_t wire_at = page_offset(stored->data());
                std::copy(encoded.begin(), encoded.end(), stored->begin() + static_cast<std::ptrdiff_t>(wire_at));
                const std::size_t wire_size = encoded.size();  // captured instead of the whole frame
                benchmark::RegisterBenchmark(case_name("decode", impl, size, kind, accm).c_str(), [=](benchmark::State& state) {
                    if (!reference) select_path(path);
                    const RxConfig rx{.accm = accm};
                    Deframer fast(rx);
                    reference::Deframer ref(rx);
                    std::size_t got = 0;
                    for (auto _ : state) {
                        ByteView in{stored->data() + wire_at, wire_size};
                        if (reference) {
                            while (auto frame = ref.next_frame(in)) got += frame->info.size();
                        } else {
                            while (auto frame = fast.next_frame(in)) got += frame->info.size();
                        }
                        benchmark::DoNotOptimize(got);
                    }
                    // Every iteration after the first completes one frame (the first only syncs).
                    if (got + size < state.iterations() * size) state.SkipWithError("frames lost");
                    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
                });
            }
        }
        const Bytes data = payload(size, false, 0);
        benchmark::RegisterBenchmark(case_name("fcs16", impl, size).c_str(), [=](benchmark::State& state) {
            if (!reference) select_path(path);
            for (auto _ : state) {
                std::uint16_t f = reference ? reference::fcs16(kFcs16Init, data) : fcs16(kFcs16Init, data);
                benchmark::DoNotOptimize(f);
            }
            state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
        });
        benchmark::RegisterBenchmark(case_name("fcs32", impl, size).c_str(), [=](benchmark::State& state) {
            if (!reference) select_path(path);
            for (auto _ : state) {
                std::uint32_t f = reference ? reference::fcs32(kFcs32Init, data) : fcs32(kFcs32Init, data);
                benchmark::DoNotOptimize(f);
            }
            state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
        });
    }
}

void register_memcpy() {
    for (std::size_t size : kSizes) {
        benchmark::RegisterBenchmark(case_name("memcpy", "", size).c_str(), [=](benchmark::State& state) {
            const Bytes src = payload(size, false, 0);
            Bytes dst(size + 64);
            for (auto _ : state) {
                benchmark::DoNotOptimize(src.data());
                std::memcpy(dst.data(), src.data(), size);
                benchmark::DoNotOptimize(dst.data());
                benchmark::ClobberMemory();
            }
            state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
        });
    }
}

// Keeps bytes/s per benchmark (the median when repetitions are asked for) for the summary.
class Collector : public benchmark::ConsoleReporter {
public:
    std::map<std::string, double> rate;  // name -> bytes/s

    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& run : runs) {
            if (run.error_occurred) continue;
            const auto it = run.counters.find("bytes_per_second");
            if (it == run.counters.end()) continue;
            const std::string name = run.run_name.str();
            if (run.run_type == Run::RT_Aggregate) {
                if (run.aggregate_name == "median") medians_[name] = it->second.value;
            } else if (!medians_.count(name)) {
                rate[name] = it->second.value;  // the last repetition, until a median comes
            }
        }
        for (const auto& [name, value] : medians_) rate[name] = value;
    }

private:
    std::map<std::string, double> medians_;
};

void print_summary(const Collector& c) {
    std::printf("\nSummary (payload GB/s; x ref = speed-up over the per-octet reference, %% memcpy = fraction of memcpy's rate):\n");
    std::printf("%-7s %-9s %5s %-7s %-14s %9s %9s %8s %9s\n", "op", "path", "size", "payload", "accm", "GB/s", "ref GB/s",
                "x ref", "% memcpy");
    for (const auto& [name, value] : c.rate) {
        // name: op/impl/rest...
        const auto s1 = name.find('/');
        if (s1 == std::string::npos) continue;
        const std::string op = name.substr(0, s1);
        if (op == "memcpy") continue;
        const auto s2 = name.find('/', s1 + 1);
        const std::string impl = name.substr(s1 + 1, s2 - s1 - 1);
        if (impl == "reference") continue;
        const std::string rest = name.substr(s2 + 1);
        const auto ref = c.rate.find(op + "/reference/" + rest);
        const std::string size = rest.substr(0, rest.find('/'));
        const auto mem = c.rate.find("memcpy/" + size);
        std::string payload_kind = "-", accm = "-";
        if (const auto s3 = rest.find('/'); s3 != std::string::npos) {
            const auto s4 = rest.find('/', s3 + 1);
            payload_kind = rest.substr(s3 + 1, s4 - s3 - 1);
            accm = rest.substr(s4 + 1);
        }
        const double r = ref == c.rate.end() ? 0 : ref->second;
        const double m = mem == c.rate.end() ? 0 : mem->second;
        std::printf("%-7s %-9s %5s %-7s %-14s %9.3f %9.3f %8.2f %8.1f%%\n", op.c_str(), impl.c_str(), size.c_str(),
                    payload_kind.c_str(), accm.c_str(), value / 1e9, r / 1e9, r > 0 ? value / r : 0.0,
                    m > 0 ? 100.0 * value / m : 0.0);
    }
}

}  // namespace

int main(int argc, char** argv) {
    // The default path is what the library picks (or EC20PPP_HDLC_PATH forces); every available
    // path is measured as well, each benchmark selecting its own.
    const Path default_path = active_path();
    std::string available;
    for (Path p : available_paths()) {
        if (!available.empty()) available.push_back(' ');
        available.append(to_string(p));
    }
    std::printf("hdlc path in use by default: %s; measured: %s\n", std::string(to_string(default_path)).c_str(),
                available.c_str());
    benchmark::AddCustomContext("hdlc_default_path", std::string(to_string(default_path)));
    benchmark::AddCustomContext("hdlc_paths", available);

    register_cases("reference", true, Path::portable);
    for (Path p : available_paths()) register_cases(std::string(to_string(p)), false, p);
    register_memcpy();

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    Collector collector;
    benchmark::RunSpecifiedBenchmarks(&collector);
    select_path(default_path);
    print_summary(collector);
    benchmark::Shutdown();
    return 0;
}
