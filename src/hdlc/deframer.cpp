// Receive side of RFC 1662 framing: a byte-at-a-time state machine, so frames may be split at
// any byte boundary across reads and several frames may arrive in one read. Its common cases run
// in bulk: between frames the next flag is found with memchr, and inside a frame a kernel chosen
// at run time (kernels.hpp) copies data octets and escaped pairs until the next octet that needs
// the state machine (a flag, a DCE octet, an escape it cannot pair, the size limit).
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "hdlc/framer.hpp"
#include "hdlc/kernels.hpp"

namespace ec20ppp::hdlc {
namespace {

// Largest value of the 16-bit Maximum-Receive-Unit option (RFC 1661 §6.1).
constexpr std::size_t kMaxMru = 0xffff;
// Address + Control + two-octet Protocol: the most header an MRU-sized frame may carry.
constexpr std::size_t kMaxHeader = 4;
// The receive buffer's alignment: the smallest page size of the CPUs we run on.
constexpr std::size_t kPage = 4096;

}  // namespace

Deframer::Deframer(RxConfig cfg) { set_config(cfg); }

void Deframer::set_config(const RxConfig& cfg) {
    static_assert(int{kData} == int{detail::kRxData} && int{kIsFlag} == int{detail::kRxFlag} &&
                  int{kIsEscape} == int{detail::kRxEscape} && int{kDrop} == int{detail::kRxDrop});
    cfg_ = cfg;
    cfg_.mru = std::min(cfg.mru, kMaxMru);
    limit_ = cfg_.mru + kMaxHeader + fcs_size(cfg_.fcs);
    // A partial frame already over the new limit cannot complete: counted once, skipped.
    if (state_ == State::receiving && len_ > limit_) {
        ++stats_.too_long;
        state_ = State::discarding;
        len_ = 0;
    }
    // Never shrink: going back to a larger limit later then costs nothing, and the steady state
    // (same limit for the life of the link) never touches the allocator.
    // The kernels may write up to kSlack octets past the limit (never counted in len_).
    const std::size_t needed = limit_ + detail::kSlack + kPage - 1;
    if (storage_.size() < needed) {
        const std::size_t old_offset = content_offset_;
        storage_.resize(needed);
        const auto address = reinterpret_cast<std::uintptr_t>(storage_.data());
        content_offset_ = static_cast<std::size_t>(-address & (kPage - 1));
        // A partial frame (set_config in the middle of one) moves to the new alignment; it fits
        // the limit (checked above), and only a frame being received has content to keep.
        if (state_ == State::receiving && len_ != 0) {
            std::memmove(content(), storage_.data() + old_offset, len_);
        }
    }

    for (unsigned octet = 0; octet < 256; ++octet) {
        Class c = kData;
        if (octet == kFlag) {
            c = kIsFlag;
        } else if (octet == kEscape) {
            c = kIsEscape;
        } else if (octet < 0x20 && ((cfg_.accm >> octet) & 1U) != 0) {
            // RFC 1662 §4.2/§7.1: a flagged control character that arrives unescaped cannot
            // have come from the peer (it would have escaped it); the DCE inserted it.
            c = kDrop;
        }
        class_[octet] = c;
    }
}

void Deframer::reset() noexcept {
    state_ = State::hunting;
    escaped_ = false;
    len_ = 0;
}

// Inlined into next_frame: returned from a call, the optional<Frame> went through memory that
// next_frame then copied with 16-octet loads spanning the callee's narrower stores, which cannot
// be forwarded (a stall of about a fifth of a 64-octet frame's decode).
[[gnu::always_inline]] inline std::optional<Frame> Deframer::end_of_frame(const std::uint8_t* content) noexcept {
    const State state = state_;
    const bool escaped = escaped_;
    const std::size_t len = len_;
    // The flag that closes this frame also opens the next one (RFC 1662 §3.1).
    state_ = State::receiving;
    escaped_ = false;
    len_ = 0;

    // Hunting: the first flag only synchronises. Discarding: the frame was already counted.
    if (state != State::receiving) return std::nullopt;
    // §4.2: a Control Escape followed by the Flag aborts the frame (§4.3: silently discarded;
    // counted separately here, never as an FCS error).
    if (escaped) {
        ++stats_.aborted;
        return std::nullopt;
    }
    // §3.1: back-to-back flags are an empty frame, silently discarded and not an error.
    if (len == 0) return std::nullopt;

    const std::size_t fcs_len = fcs_size(cfg_.fcs);
    // §4.3: frames shorter than 4 octets with the 16-bit FCS are invalid; the same two octets
    // beyond the FCS are required with the 32-bit FCS (6 octets).
    if (len < fcs_len + 2) {
        ++stats_.too_short;
        return std::nullopt;
    }

    const ByteView frame_content{content, len};
    const bool fcs_good = cfg_.fcs == FcsKind::fcs32 ? fcs32(kFcs32Init, frame_content) == kFcs32Good
                                                     : fcs16(kFcs16Init, frame_content) == kFcs16Good;
    if (!fcs_good) {
        ++stats_.bad_fcs;
        return std::nullopt;
    }

    // Be liberal on receive (RFC 1661 §6.5/§6.6): accept Address/Control present or omitted and
    // a one- or two-octet Protocol field, whatever was negotiated. FF 03 cannot be mistaken for
    // a compressed header: a Protocol field never starts with 0xff (its first octet would be
    // odd and therefore a complete one-octet protocol 0x00ff, which is reserved).
    const std::size_t body_len = len - fcs_len;
    std::size_t pos = 0;
    if (body_len >= 2 && content[0] == kAllStations && content[1] == kUi) pos = 2;

    // RFC 1661 §2: the low octet of a protocol number is odd and the high octet even, so an odd
    // first octet is a complete compressed (one-octet) Protocol field.
    if (pos >= body_len) {
        ++stats_.bad_header;
        return std::nullopt;
    }
    std::uint16_t protocol = content[pos];
    if ((protocol & 1U) != 0) {
        pos += 1;
    } else {
        if (pos + 2 > body_len || (content[pos + 1] & 1U) == 0) {
            ++stats_.bad_header;
            return std::nullopt;
        }
        protocol = load_be16(&content[pos]);
        pos += 2;
    }

    ++stats_.frames;
    return Frame{protocol, ByteView{content + pos, body_len - pos}};
}

std::optional<Frame> Deframer::next_frame(ByteView& in) noexcept {
    const std::uint8_t* const begin = in.data();
    const std::uint8_t* const end = begin + in.size();
    const detail::Kernels& kernels = detail::kernels();
    // Held in a register: storage_ and content_offset_, read through `this`, would be reloaded
    // after every kernel call (2-4 % of a 64-octet frame's decode).
    std::uint8_t* const content = this->content();
    for (const std::uint8_t* p = begin; p != end;) {
        if (state_ != State::receiving) {
            // Hunting or discarding: everything up to the next flag is skipped (a pending escape
            // does not matter: the flag clears it).
            const auto* flag = static_cast<const std::uint8_t*>(std::memchr(p, kFlag, static_cast<std::size_t>(end - p)));
            if (flag == nullptr) break;
            p = flag + 1;
            if (auto frame = end_of_frame(content)) {
                in = in.subspan(static_cast<std::size_t>(p - begin));
                return frame;
            }
            continue;
        }
        if (!escaped_) {
            // Flags with nothing before them (the closing flag of one frame followed by the
            // opening flag of the next, RFC 1662 §3.1) would only make empty frames, which are
            // discarded uncounted: skip them here rather than through a kernel call each.
            if (len_ == 0) {
                while (*p == kFlag) {
                    if (++p == end) break;
                }
                if (p == end) break;
            }
            std::size_t produced = 0;
            p += kernels.unescape(p, static_cast<std::size_t>(end - p), content + len_, limit_ - len_,
                                  class_.data(), cfg_.accm, produced);
            len_ += produced;
            if (p == end) break;
        }
        // One octet through the state machine.
        std::uint8_t octet = *p++;
        switch (class_[octet]) {
            case kIsFlag:
                // A flag always ends the current frame, whatever state we are in: this is how
                // the receiver resynchronises after any error (RFC 1662 §4.1).
                if (auto frame = end_of_frame(content)) {
                    in = in.subspan(static_cast<std::size_t>(p - begin));
                    return frame;
                }
                continue;
            case kDrop:
                // Removed before escape processing (§4.2 "prior to FCS computation"), so a DCE
                // character between 7d and the escaped octet leaves the escape pending.
                continue;
            case kIsEscape:
                if (!escaped_) {
                    escaped_ = true;
                    continue;
                }
                break;  // 7d 7d: the octet after a Control Escape is always XORed (§4.2)
            default:
                break;
        }
        if (state_ != State::receiving) continue;  // hunting or discarding: skip to next flag
        if (escaped_) {
            octet = static_cast<std::uint8_t>(octet ^ kEscapeXor);
            escaped_ = false;
        }
        if (len_ == limit_) {
            // Counted once; the rest of the frame is skipped without being buffered.
            ++stats_.too_long;
            state_ = State::discarding;
            continue;
        }
        content[len_++] = octet;
    }
    in = in.subspan(in.size());
    return std::nullopt;
}

}  // namespace ec20ppp::hdlc
