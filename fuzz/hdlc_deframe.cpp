// libFuzzer target for the RFC 1662 deframer (src/hdlc).
//
// Input layout: byte 0 picks the receive configuration, byte 1 the way the rest is cut into
// reads, and (when byte 0 asks for it) the next 4 bytes are a little-endian receive ACCM. The
// rest is the byte stream from the "serial port".
//
// Checked properties (abort() on violation):
//  1. Chunking never matters: the stream decoded in one read and in fuzzer-chosen reads (with
//     no-op set_config calls sprinkled in) gives the same frames and the same statistics.
//  2. Every returned frame is well formed: valid protocol number (RFC 1661 §2) and content
//     within the configured limit; stats.frames counts exactly the frames returned.
//  3. Every returned frame survives a round trip: re-encoded with encode_frame (random ACFC/PFC,
//     a transmit ACCM that is a superset of the receive ACCM, same FCS kind) it decodes to the
//     same protocol and information, with no error counted and all input consumed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "hdlc/framer.hpp"

namespace {

using ec20ppp::Bytes;
using ec20ppp::ByteView;
using namespace ec20ppp::hdlc;

void check(bool ok) {
    if (!ok) std::abort();
}

struct Copied {
    std::uint16_t protocol;
    Bytes info;
    bool operator==(const Copied&) const = default;
};

bool same_stats(const DeframerStats& a, const DeframerStats& b) {
    return a.frames == b.frames && a.bad_fcs == b.bad_fcs && a.too_short == b.too_short &&
           a.too_long == b.too_long && a.aborted == b.aborted && a.bad_header == b.bad_header;
}

// Drains one read; Frame::info is only valid until the next call, so frames are copied.
void drain(Deframer& deframer, ByteView in, std::vector<Copied>& out) {
    while (auto frame = deframer.next_frame(in)) {
        const std::uint16_t p = frame->protocol;
        check((p & 0x0001) == 1 && (p & 0x0100) == 0);
        out.push_back({p, Bytes(frame->info.begin(), frame->info.end())});
    }
    check(in.empty());
}

// Deterministic chunk sizes derived from the fuzzer's byte (xorshift, no global state).
struct Chunker {
    std::uint32_t state;
    std::size_t max;
    std::size_t next() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return 1 + state % max;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t mode = data[0];
    const std::uint8_t chunking = data[1];
    data += 2;
    size -= 2;

    // Byte 0: bit 0 FCS kind, bits 1-3 MRU, bits 4-5 receive ACCM, bit 6 ACFC, bit 7 PFC (the
    // last two only for re-encoding).
    static constexpr std::size_t kMrus[] = {1500, 0, 1, 4, 64, 296, 1500, 4096};
    RxConfig rx;
    rx.fcs = (mode & 0x01) != 0 ? FcsKind::fcs32 : FcsKind::fcs16;
    rx.mru = kMrus[(mode >> 1) & 0x07];
    switch ((mode >> 4) & 0x03) {
        case 0: rx.accm = 0xffffffff; break;
        case 1: rx.accm = 0; break;
        case 2: rx.accm = 0x000a0000; break;  // XON/XOFF only
        default:
            if (size < 4) return 0;
            rx.accm = std::uint32_t{data[0]} | std::uint32_t{data[1]} << 8 |
                      std::uint32_t{data[2]} << 16 | std::uint32_t{data[3]} << 24;
            data += 4;
            size -= 4;
            break;
    }
    const ByteView stream{data, size};

    // 1. One read versus many.
    Deframer whole(rx);
    std::vector<Copied> frames;
    drain(whole, stream, frames);

    Deframer pieces(rx);
    std::vector<Copied> pieced;
    Chunker chunker{0x9e3779b9U ^ chunking, (chunking & 0x7fU) + 1U};
    for (std::size_t pos = 0; pos < stream.size();) {
        const std::size_t n = chunking == 0 ? 1 : std::min(chunker.next(), stream.size() - pos);
        drain(pieces, stream.subspan(pos, n), pieced);
        pos += n;
        if ((chunking & 0x80) != 0) pieces.set_config(rx);  // same options: must be a no-op
    }
    check(pieced == frames);
    check(same_stats(whole.stats(), pieces.stats()));

    // 2. Counters agree with what was returned; content within the limit. Info can be at most
    //    the limit minus the FCS and a one-octet (compressed) protocol field.
    check(whole.stats().frames == frames.size());
    for (const Copied& f : frames) check(f.info.size() <= rx.mru + 3);

    // 3. Round trip through the encoder. A frame may have arrived with a compressed header,
    //    and LCP is always re-encoded uncompressed (RFC 1661 §6.6), so allow 3 octets more.
    RxConfig verify_cfg = rx;
    verify_cfg.mru = rx.mru + 3;
    Deframer verify(verify_cfg);
    TxConfig tx;
    tx.accm = rx.accm | (static_cast<std::uint32_t>(chunking) * 0x01010101U);
    tx.acfc = (mode & 0x40) != 0;
    tx.pfc = (mode & 0x80) != 0;
    tx.fcs = rx.fcs;
    Bytes wire;
    std::vector<Copied> again;
    for (const Copied& f : frames) {
        wire.clear();
        encode_frame(tx, f.protocol, f.info, wire);
        again.clear();
        const DeframerStats before = verify.stats();
        drain(verify, wire, again);
        check(again.size() == 1 && again[0] == f);
        const DeframerStats& after = verify.stats();
        check(after.frames == before.frames + 1 && after.bad_fcs == 0 && after.too_short == 0 &&
              after.too_long == 0 && after.aborted == 0 && after.bad_header == 0);
    }
    return 0;
}
