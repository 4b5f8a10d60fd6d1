// The plain per-octet RFC 1662 framer: the textbook loop (one ACCM test and one table lookup for
// the FCS per octet, push_back per output octet), as the kernel's ppp_async and the usual user
// space stacks do it. Independent of src/hdlc's kernels; header-only so the equivalence tests
// (test_paths.cpp) and the benchmark (bench/bench_hdlc.cpp) use the very same code. Semantics are
// exactly those documented in src/hdlc/framer.hpp, statistics included.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include "common/bytes.hpp"
#include "common/packet.hpp"
#include "hdlc/framer.hpp"

namespace ec20ppp::hdlc::reference {

template <typename T>
constexpr std::array<T, 256> make_table(T poly) {
    std::array<T, 256> table{};
    for (unsigned i = 0; i < 256; ++i) {
        T reg = static_cast<T>(i);
        for (int bit = 0; bit < 8; ++bit) reg = (reg & 1U) ? static_cast<T>((reg >> 1) ^ poly) : static_cast<T>(reg >> 1);
        table[i] = reg;
    }
    return table;
}
inline constexpr auto kTable16 = make_table<std::uint16_t>(0x8408);
inline constexpr auto kTable32 = make_table<std::uint32_t>(0xedb88320);

inline std::uint16_t fcs16(std::uint16_t fcs, ByteView data) {
    for (std::uint8_t b : data) fcs = static_cast<std::uint16_t>((fcs >> 8) ^ kTable16[(fcs ^ b) & 0xff]);
    return fcs;
}
inline std::uint32_t fcs32(std::uint32_t fcs, ByteView data) {
    for (std::uint8_t b : data) fcs = (fcs >> 8) ^ kTable32[(fcs ^ b) & 0xff];
    return fcs;
}

// The register of either FCS in one 32-bit variable, updated per octet.
struct RunningFcs {
    bool wide;
    std::uint32_t reg;
    explicit RunningFcs(FcsKind kind) : wide(kind == FcsKind::fcs32), reg(wide ? kFcs32Init : kFcs16Init) {}
    void update(std::uint8_t b) {
        reg = wide ? (reg >> 8) ^ kTable32[(reg ^ b) & 0xff]
                   : static_cast<std::uint16_t>((reg >> 8) ^ kTable16[(reg ^ b) & 0xff]);
    }
    bool good() const { return wide ? reg == kFcs32Good : reg == kFcs16Good; }
};

inline void put(Bytes& out, std::uint8_t b, std::uint32_t accm) {
    if ((b < 0x20 && ((accm >> b) & 1U) != 0) || b == kFlag || b == kEscape) {
        out.push_back(kEscape);
        out.push_back(static_cast<std::uint8_t>(b ^ kEscapeXor));
    } else {
        out.push_back(b);
    }
}

inline void encode_frame(const TxConfig& cfg, std::uint16_t protocol, ByteView info, Bytes& out) {
    const bool lcp = protocol == proto::lcp;
    const bool link_packet = lcp && !info.empty() && info[0] >= 1 && info[0] <= 7;
    const std::uint32_t accm = link_packet ? 0xffffffffU : cfg.accm;
    const bool acfc = cfg.acfc && !lcp;
    const bool pfc = cfg.pfc && protocol < 0x100;
    RunningFcs fcs(cfg.fcs);
    auto put_fcs = [&](std::uint8_t b) {
        fcs.update(b);
        put(out, b, accm);
    };
    out.push_back(kFlag);
    if (!acfc) {
        put_fcs(kAllStations);
        put_fcs(kUi);
    }
    if (!pfc) put_fcs(static_cast<std::uint8_t>(protocol >> 8));
    put_fcs(static_cast<std::uint8_t>(protocol));
    for (std::uint8_t b : info) put_fcs(b);
    const std::uint32_t value = ~fcs.reg;
    put(out, static_cast<std::uint8_t>(value), accm);
    put(out, static_cast<std::uint8_t>(value >> 8), accm);
    if (fcs.wide) {
        put(out, static_cast<std::uint8_t>(value >> 16), accm);
        put(out, static_cast<std::uint8_t>(value >> 24), accm);
    }
    out.push_back(kFlag);
}

class Deframer {
public:
    explicit Deframer(RxConfig cfg = {}) : fcs_(cfg.fcs) { set_config(cfg); }

    void set_config(const RxConfig& cfg) {
        cfg_ = cfg;
        cfg_.mru = std::min<std::size_t>(cfg.mru, 0xffff);
        limit_ = cfg_.mru + 4 + fcs_size(cfg_.fcs);
        if (buf_.size() < limit_) buf_.resize(limit_);
        if (state_ == State::receiving && len_ > limit_) {
            ++stats_.too_long;
            state_ = State::discarding;
            len_ = 0;
        }
    }

    std::optional<Frame> next_frame(ByteView& in) {
        for (std::size_t i = 0; i < in.size();) {
            std::uint8_t b = in[i++];
            if (b == kFlag) {
                if (auto frame = end_of_frame()) {
                    in = in.subspan(i);
                    return frame;
                }
                continue;
            }
            if (b < 0x20 && ((cfg_.accm >> b) & 1U) != 0) continue;  // inserted by the DCE
            if (b == kEscape && !escaped_) {
                escaped_ = true;
                continue;
            }
            if (state_ != State::receiving) continue;
            if (escaped_) {
                b = static_cast<std::uint8_t>(b ^ kEscapeXor);
                escaped_ = false;
            }
            if (len_ == limit_) {
                ++stats_.too_long;
                state_ = State::discarding;
                continue;
            }
            buf_[len_++] = b;
            fcs_.update(b);
        }
        in = in.subspan(in.size());
        return std::nullopt;
    }

    const DeframerStats& stats() const { return stats_; }
    ByteView partial() const { return state_ == State::receiving ? ByteView(buf_.data(), len_) : ByteView(); }
    void reset() {
        state_ = State::hunting;
        escaped_ = false;
        len_ = 0;
    }

private:
    enum class State : std::uint8_t { hunting, receiving, discarding };

    std::optional<Frame> end_of_frame() {
        const State state = state_;
        const bool escaped = escaped_;
        const std::size_t len = len_;
        const RunningFcs fcs = fcs_;
        state_ = State::receiving;
        escaped_ = false;
        len_ = 0;
        fcs_ = RunningFcs(cfg_.fcs);
        if (state != State::receiving) return std::nullopt;
        if (escaped) {
            ++stats_.aborted;
            return std::nullopt;
        }
        if (len == 0) return std::nullopt;
        const std::size_t fcs_len = fcs_size(cfg_.fcs);
        if (len < fcs_len + 2) {
            ++stats_.too_short;
            return std::nullopt;
        }
        // The running register was started with the FCS kind of its frame's first octet; a
        // set_config in the middle of a frame may have changed the kind, so recheck then.
        const bool good = fcs.wide == (cfg_.fcs == FcsKind::fcs32)
                              ? fcs.good()
                              : (cfg_.fcs == FcsKind::fcs32 ? fcs32(kFcs32Init, {buf_.data(), len}) == kFcs32Good
                                                            : fcs16(kFcs16Init, {buf_.data(), len}) == kFcs16Good);
        if (!good) {
            ++stats_.bad_fcs;
            return std::nullopt;
        }
        const std::size_t body = len - fcs_len;
        std::size_t pos = (body >= 2 && buf_[0] == kAllStations && buf_[1] == kUi) ? 2 : 0;
        if (pos >= body) {
            ++stats_.bad_header;
            return std::nullopt;
        }
        std::uint16_t protocol = buf_[pos];
        if ((protocol & 1U) != 0) {
            pos += 1;
        } else {
            if (pos + 2 > body || (buf_[pos + 1] & 1U) == 0) {
                ++stats_.bad_header;
                return std::nullopt;
            }
            protocol = load_be16(&buf_[pos]);
            pos += 2;
        }
        ++stats_.frames;
        return Frame{protocol, ByteView{buf_.data() + pos, body - pos}};
    }

    RxConfig cfg_;
    std::size_t limit_ = 0;
    Bytes buf_;
    std::size_t len_ = 0;
    State state_ = State::hunting;
    bool escaped_ = false;
    RunningFcs fcs_;
    DeframerStats stats_;
};

}  // namespace ec20ppp::hdlc::reference
