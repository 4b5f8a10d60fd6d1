// The portable path: plain C++ for any CPU (what an ARMv7 board without NEON or CLMUL runs).
// CRC by slicing-by-16 tables; escape scanning 8 octets at a time in a 64-bit word (SWAR): clean
// words are copied whole; words whose every octet is escaped (the worst case) are interleaved with
// 0x7d (encode) or have their odd octets packed out (decode) in the register; words with one or
// two escapes have them inserted (encode) or removed (decode) in the register; the rest go octet
// by octet without a branch per octet (each octet's output position from a prefix sum of the
// word's escape mask). Decode carries an escape in a word's last octet into the next word and
// leaves words with a flag, a control character or an escape after an escape to the octet state
// machine.
#include <algorithm>
#include <bit>
#include <cstring>

#include "hdlc/crc_tables.hpp"
#include "hdlc/kernels.hpp"

namespace ec20ppp::hdlc::detail {
namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;

// High bit of each octet set where the octet equals c (exact: no carries between octets).
inline std::uint64_t swar_eq(std::uint64_t x, std::uint8_t c) {
    const std::uint64_t y = x ^ (kOnes * c);
    return ~(((y & kLow7) + kLow7) | y) & kHigh;
}
// High bit of each octet set where the octet is < 0x20 (exact).
inline std::uint64_t swar_lt20(std::uint64_t x) { return ~(((x & kLow7) + kOnes * (0x80 - 0x20)) | x) & kHigh; }

inline void store64le(std::uint8_t* p, std::uint64_t v) noexcept {
    if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
    std::memcpy(p, &v, sizeof v);
}

// Octets 0..3 of v spread to the odd octets of a 64-bit word, 0x7d in the even ones: four
// "7d X" pairs (RFC 1662 §4.2), little-endian.
inline std::uint64_t interleave_escapes(std::uint32_t v) {
    std::uint64_t t = v;
    t = (t | (t << 16)) & 0x0000ffff0000ffffULL;
    t = (t | (t << 8)) & 0x00ff00ff00ff00ffULL;
    return (t << 8) | 0x007d007d007d007dULL;
}

// The even octets of v (0, 2, 4, 6) packed into 32 bits.
inline std::uint32_t pack_even_octets(std::uint64_t v) {
    std::uint64_t t = v & 0x00ff00ff00ff00ffULL;
    t = (t | (t >> 8)) & 0x0000ffff0000ffffULL;
    return static_cast<std::uint32_t>(t | (t >> 16));
}

enum class Controls { none, all, some };  // which control characters the ACCM flags

// High bit of each octet set where the octet is 0x7d or 0x7e (with `controls`: or < 0x20), in
// one pass: t = the low 7 bits, t + 3 reaches 0x80 from 0x7d on, t + 1 from 0x7f on, t + 0x60
// from 0x20 on (no carry leaves an octet), and octets >= 0x80 are none of these.
inline std::uint64_t swar_special(std::uint64_t x, bool controls) {
    const std::uint64_t t = x & kLow7;
    std::uint64_t m = (t + kOnes * 3) & ~(t + kOnes);
    if (controls) m |= ~(t + kOnes * 0x60);
    return m & ~x & kHigh;
}

// SWAR mask of the octets of x (at src) to escape under accm: 0x7d, 0x7e and flagged controls.
template <Controls kCtl>
inline std::uint64_t tx_mask(std::uint64_t x, const std::uint8_t* src, std::uint32_t accm) {
    std::uint64_t m = swar_special(x, kCtl == Controls::all);
    if constexpr (kCtl == Controls::some) {
        // A sparse ACCM (e.g. only XON/XOFF): test the candidates' ACCM bits one by one.
        std::uint64_t ctl = swar_lt20(x);
        for (std::uint64_t c = ctl; c != 0; c &= c - 1) {
            const unsigned k = static_cast<unsigned>(std::countr_zero(c)) / 8;
            if (((accm >> src[k]) & 1U) == 0) ctl &= ~(std::uint64_t{0x80} << (8 * k));
        }
        m |= ctl;
    }
    return m;
}

// Words with at most two octets to escape, without a branch on where they are: each escaped
// octet is replaced by X ^ 0x20 (RFC 1662 §4.2) and a 0x7d inserted before it, the higher one first
// so the lower one's position still holds. The result is up to 10 octets in lo/hi; both words are
// stored (hi into the slack when it holds nothing) and the caller moves on by 8 + escapes.
// `lower` and `upper` are the escape mask's lowest and next set bit (0 when absent).
inline void insert_escapes(std::uint64_t x, std::uint64_t lower, std::uint64_t upper, std::uint8_t* dst) {
    std::uint64_t lo = x ^ ((lower | upper) >> 2);
    std::uint64_t hi = 0;
    for (const std::uint64_t at : {upper, lower}) {
        const std::uint64_t unit = at >> 7;  // 0x01 in the escaped octet, or 0
        const std::uint64_t below = unit - 1;  // the octets below it (all of them when unit is 0)
        const std::uint64_t moved = lo & ~below;
        hi = (hi << 8) | (moved >> 56);
        lo = (lo & below) | (moved << 8) | (unit * 0x7d);
    }
    store64le(dst, lo);
    store64le(dst + 8, hi);
}

template <Controls kCtl>
std::uint8_t* escape_words(const std::uint8_t* src, std::size_t n, std::uint8_t* dst, std::uint32_t accm) noexcept {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const std::uint64_t x = load64le(src + i);
        const std::uint64_t special = tx_mask<kCtl>(x, src + i, accm);
        // Clean words first under every ACCM: under 0xffffffff two words in three hold an octet
        // to escape and this test mispredicts often, but skipping the rest for the clean third
        // is worth more (sending them through the insertion below, which would handle them,
        // made the loop a third slower).
        if (special == 0) {
            store64le(dst, x);
            dst += 8;
            continue;
        }
        const std::uint64_t above_first = special & (special - 1);
        if ((above_first & (above_first - 1)) == 0) {
            // At most two octets to escape: nine words in ten of random data under ACCM 0xffffffff.
            insert_escapes(x, special ^ above_first, above_first, dst);
            dst += 8 + ((special >> 7) * kOnes >> 56);
        } else if (special == kHigh) {
            // Every octet escaped (a worst-case payload): eight "7d X^20" pairs (RFC 1662 §4.2).
            const std::uint64_t y = x ^ (kOnes * 0x20);
            store64le(dst, interleave_escapes(static_cast<std::uint32_t>(y)));
            store64le(dst + 8, interleave_escapes(static_cast<std::uint32_t>(y >> 32)));
            dst += 16;
        } else {
            // Three to seven: octet by octet, without a branch on any octet: each writes its
            // first output octet (itself, or 0x7d) and its second (X ^ 0x20, overwritten by the
            // next octet unless escaped) at k + (escapes before it), a prefix sum over the octets
            // by one multiplication (each sum is at most 8), so no store waits for another.
            const std::uint64_t ones = special >> 7;
            const std::uint64_t sums = ones * kOnes;
            const std::uint64_t at = 0x0706050403020100ULL + (sums << 8);
            const std::uint64_t first = (x & ~(ones * 0xff)) | (kOnes * 0x7d & (ones * 0xff));
            const std::uint64_t second = x ^ (kOnes * 0x20);
            for (unsigned k = 0; k < 64; k += 8) {
                const std::size_t pos = (at >> k) & 0xff;
                dst[pos] = static_cast<std::uint8_t>(first >> k);
                dst[pos + 1] = static_cast<std::uint8_t>(second >> k);
            }
            dst += 8 + (sums >> 56);
        }
    }
    return escape_scalar(src + i, n - i, dst, accm);
}

std::uint8_t* escape_portable(const std::uint8_t* src, std::size_t n, std::uint8_t* dst, std::uint32_t accm) noexcept {
    if (accm == 0) return escape_words<Controls::none>(src, n, dst, accm);
    if (accm == 0xffffffffU) return escape_words<Controls::all>(src, n, dst, accm);
    return escape_words<Controls::some>(src, n, dst, accm);
}

template <bool kControls>
std::size_t unescape_words(const std::uint8_t* src, std::size_t n, std::uint8_t* dst, std::size_t room,
                           const std::uint8_t* cls, std::size_t& produced) noexcept {
    constexpr std::uint64_t kEvenOctets = 0x0080008000800080ULL;
    std::size_t i = 0, o = 0;
    // 1 when the previous word ended with an escape: this word's first octet is its X. Carried
    // rather than starting the next word one octet earlier, which would make every load's address
    // wait for the previous word's result.
    std::uint64_t pending = 0;
    while (n - i >= 8 && room - o >= 8) {
        const std::uint64_t x = load64le(src + i);
        const std::uint64_t special = swar_special(x, kControls);
        // Clean words first under every ACCM (as in escape_words: cheaper than the path below
        // even where the test mispredicts).
        if ((special | pending) == 0) {
            store64le(dst + o, x);
            i += 8;
            o += 8;
            continue;
        }
        // Every octet escaped (7d X 7d X ..., the receive side of a worst case), tested before
        // the general path below, which takes half as long again: the X octets packed out.
        // After a word that ended with an escape, the same one octet out of step (X 7d X ... 7d).
        constexpr std::uint64_t kEvenMask = 0x00ff00ff00ff00ffULL;
        if (special == (kEvenOctets << (8 * pending)) &&
            (x & (kEvenMask << (8 * pending))) == (0x007d007d007d007dULL << (8 * pending))) {
            store64le(dst + o, pack_even_octets((x >> (8 * (1 - pending))) ^ (kOnes * 0x20)));
            i += 8;
            o += 4;
            continue;
        }
        const std::uint64_t esc = swar_eq(x, 0x7d);
        if (esc == special && (esc & ((esc << 8) | (pending << 7))) == 0) {
            // Data and "7d X" pairs only (no flag, no control character, no escape after an
            // escape): X is XORed with 0x20 (RFC 1662 §4.2) and the escapes dropped.
            const std::uint64_t y = x ^ (esc << 6) ^ (pending << 5);
            const std::uint64_t above_first = esc & (esc - 1);
            const std::uint64_t escapes = (esc >> 7) * kOnes >> 56;
            if ((above_first & (above_first - 1)) == 0) {
                // At most two escapes (nine words in ten of random data under ACCM 0xffffffff):
                // removed from the word in the register, the higher one first, without a branch
                // on where they are: below an escape the octets stay, from it on they move down.
                std::uint64_t v = y;
                for (const std::uint64_t at : {above_first, esc ^ above_first}) {
                    const std::uint64_t below = (at >> 7) - 1;  // the octets below it (all when none)
                    v = ((v ^ (v >> 8)) & below) ^ (v >> 8);
                }
                store64le(dst + o, v);
            } else {
                // More: octet k goes to o + (data octets before it), a prefix sum over the octets
                // by one multiplication: no branch on any octet and no store waiting for another.
                // An escape is stored too, where the next data octet overwrites it.
                const std::uint64_t at = (((~esc >> 7) & kOnes) * kOnes) << 8;
                for (unsigned k = 0; k < 64; k += 8) dst[o + ((at >> k) & 0xff)] = static_cast<std::uint8_t>(y >> k);
            }
            o += 8 - escapes;
            pending = esc >> 63;
            i += 8;
            continue;
        }
        // Octet by octet through this word (one more octet so an escape at its end can pair),
        // from its pending escape if it has one: a flag, a control character or an escape after
        // an escape.
        i -= pending;
        pending = 0;
        const std::size_t block_end = i + 8;
        std::size_t out = 0;
        const std::size_t stop = unescape_scalar(src, std::min(n, block_end + 1), dst, room, cls, i, o, out);
        o = out;
        if (stop < block_end) {
            produced = o;
            return stop;
        }
        i = stop;
    }
    return unescape_scalar(src, n, dst, room, cls, i - pending, o, produced);
}

std::size_t unescape_portable(const std::uint8_t* src, std::size_t n, std::uint8_t* dst, std::size_t room,
                              const std::uint8_t* cls, std::uint32_t accm, std::size_t& produced) noexcept {
    return accm != 0 ? unescape_words<true>(src, n, dst, room, cls, produced)
                     : unescape_words<false>(src, n, dst, room, cls, produced);
}

}  // namespace

std::uint16_t fcs16_tables(std::uint16_t fcs, const std::uint8_t* p, std::size_t n) noexcept {
    return crc_slice16(fcs, p, n, kSlice16);
}
std::uint32_t fcs32_tables(std::uint32_t fcs, const std::uint8_t* p, std::size_t n) noexcept {
    return crc_slice16(fcs, p, n, kSlice32);
}

const Kernels kPortable{Path::portable, fcs16_tables, fcs32_tables, escape_portable, unescape_portable};

}  // namespace ec20ppp::hdlc::detail
