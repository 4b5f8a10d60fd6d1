// RFC 1662 asynchronous HDLC-like framing: octet-stuffed frames on a byte stream.
//
//   7e | ff 03 | protocol (1-2) | information | FCS (2 or 4) | 7e
//   flag  addr/ctrl (RFC 1662 §3.1)             (§3.1, App. C)  flag
//
// Pure code: no I/O, no clock, no exceptions on peer bytes. encode_frame appends to a buffer
// the caller owns; Deframer reassembles frames from whatever chunks the serial port delivers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.hpp"
#include "hdlc/fcs.hpp"

namespace ec20ppp::hdlc {

inline constexpr std::uint8_t kFlag = 0x7e;        // Flag Sequence, RFC 1662 §4.1
inline constexpr std::uint8_t kEscape = 0x7d;      // Control Escape, RFC 1662 §4.2
inline constexpr std::uint8_t kEscapeXor = 0x20;   // escaped octet = original ^ 0x20, §4.2
inline constexpr std::uint8_t kAllStations = 0xff; // Address field, RFC 1662 §3.1
inline constexpr std::uint8_t kUi = 0x03;          // Control field (UI frame), RFC 1662 §3.1

// What the peer asked us to send (its negotiated options). Defaults are the RFC 1661/1662 link
// defaults before LCP has negotiated anything: every control character escaped, no header
// compression, 16-bit FCS.
struct TxConfig {
    // Peer's receive ACCM (RFC 1662 §7.1): bit n set -> octet n (0x00..0x1f) is escaped.
    std::uint32_t accm = 0xffffffff;
    bool acfc = false;  // Address-and-Control-Field-Compression, RFC 1661 §6.6
    bool pfc = false;   // Protocol-Field-Compression, RFC 1661 §6.5
    FcsKind fcs = FcsKind::fcs16;
};

// Appends one complete frame to `out`: flag, FF 03 unless acfc, protocol (one octet when pfc and
// the protocol is < 0x100, RFC 1661 §6.5), info, FCS (complemented, LSB first), flag. 0x7d and
// 0x7e are always escaped, control characters < 0x20 when their ACCM bit is set.
//
// LCP is special-cased because the RFC requires it no matter what the caller negotiated:
//  - LCP frames never use ACFC (RFC 1661 §6.6) and never PFC (§6.5; 0xc021 cannot be
//    compressed anyway), so the peer can always recognise them;
//  - LCP codes 1..7 (Configure-*, Terminate-*, Code-Reject) are sent "as if no Configuration
//    Options were negotiated" (RFC 1661 §5), i.e. with the default ACCM 0xffffffff.
// The FCS kind is used as configured for every frame.
//
// `protocol` must be a valid PPP protocol number (odd low octet, even high octet, RFC 1661 §2);
// this is not checked. `out` grows geometrically, so appending many frames to one buffer is
// amortised O(n), and a buffer with enough capacity is never reallocated (enough: the worst case,
// 2 + 2 * (header + info + FCS) octets, plus 64 octets the fast paths may write past the frame).
// The escaping and the FCS run on the fastest kernels this CPU has (hdlc/path.hpp).
void encode_frame(const TxConfig& cfg, std::uint16_t protocol, ByteView info, Bytes& out);

// What we accept (our own negotiated receive options).
struct RxConfig {
    // Our receive ACCM (RFC 1662 §7.1): an *unescaped* octet n < 0x20 with bit n set is assumed
    // to have been inserted by the DCE (e.g. XON/XOFF) and is silently dropped (§4.2).
    std::uint32_t accm = 0xffffffff;
    // Largest information field to accept. RFC 1661 §6.1: even after negotiating a smaller MRU
    // the receiver must still accept 1500-octet information fields, so the caller sets
    // mru = max(negotiated MRU, 1500); the deframer only enforces what it is given. The limit is
    // applied to the whole frame content: at most mru + 4 (address, control, 2-octet protocol)
    // + FCS octets after unescaping. Values above 65535 (the MRU option is 16 bits) are clamped.
    std::size_t mru = 1500;
    FcsKind fcs = FcsKind::fcs16;
};

// A received frame. `info` points into the deframer's buffer and is valid until the next call
// to any non-const member of that Deframer.
struct Frame {
    std::uint16_t protocol;
    ByteView info;
};

// Every discarded frame is counted exactly once, under the first reason that applied. Empty
// frames (back-to-back flags) and bytes before the first flag are not frames and not counted.
struct DeframerStats {
    std::uint64_t frames = 0;      // good frames returned
    std::uint64_t bad_fcs = 0;     // FCS residue wrong (RFC 1662 §3.1)
    std::uint64_t too_short = 0;   // < 4 octets (FCS-16) or < 6 (FCS-32) of content (§4.3)
    std::uint64_t too_long = 0;    // content over mru + 4 + FCS octets
    std::uint64_t aborted = 0;     // 7d 7e (§4.2: Control Escape followed by Flag aborts)
    std::uint64_t bad_header = 0;  // FCS good but no valid protocol field (RFC 1661 §2)
};

class Deframer {
public:
    explicit Deframer(RxConfig cfg = {});

    // Applies new options (e.g. once LCP is Opened). A partial frame is kept: the peer may
    // switch to the new options on the very next frame, and receive-side unescaping does not
    // depend on the ACCM. If the partial frame already exceeds a smaller new limit it is
    // discarded and counted as too_long. May allocate only when the limit grows.
    void set_config(const RxConfig& cfg);

    // Consumes bytes from `in` (advancing the span) until one good frame completes and returns
    // it; returns nullopt once `in` is exhausted. Partial frames are kept across calls. Bytes
    // after the returned frame's closing flag are left in `in`. Never allocates.
    std::optional<Frame> next_frame(ByteView& in) noexcept;

    const DeframerStats& stats() const noexcept { return stats_; }

    // The unescaped content of the frame being received, empty between frames. Lets the caller
    // recognise modem text that arrives where a frame should (e.g. "NO CARRIER" after a call
    // drops) without waiting for a flag that will never come.
    ByteView partial() const noexcept {
        return state_ == State::receiving ? ByteView(content(), len_) : ByteView();
    }

    // Drops any partial frame; the next byte that counts is an opening flag (hunt mode, as after
    // construction). Statistics are kept.
    void reset() noexcept;

private:
    enum class State : std::uint8_t {
        hunting,     // before the first flag: bytes are not part of any frame (e.g. modem text)
        receiving,   // between flags, buffering unescaped content
        discarding,  // frame already counted as an error; skip to the next flag
    };
    // Per-octet classification, rebuilt from the ACCM by set_config so the hot loop does one
    // table lookup per octet.
    enum Class : std::uint8_t { kData = 0, kIsFlag, kIsEscape, kDrop };

    std::optional<Frame> end_of_frame(const std::uint8_t* content) noexcept;
    std::uint8_t* content() noexcept { return storage_.data() + content_offset_; }
    const std::uint8_t* content() const noexcept { return storage_.data() + content_offset_; }

    RxConfig cfg_;
    std::size_t limit_ = 0;  // maximum content octets (after unescaping, FCS included)
    // The frame being received, at content(): a page boundary in `storage_`, so frames up to
    // a page long never straddle two pages (vector stores across one cost the SIMD paths up to
    // 70 % more on a 64-octet frame). An offset, not a pointer: a copied Deframer stays correct.
    Bytes storage_;  // sized once to >= limit_ plus alignment, reused for every frame
    std::size_t content_offset_ = 0;
    std::size_t len_ = 0;
    State state_ = State::hunting;
    bool escaped_ = false;
    std::array<std::uint8_t, 256> class_{};
    DeframerStats stats_;
};

}  // namespace ec20ppp::hdlc
