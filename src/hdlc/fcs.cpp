#include "hdlc/fcs.hpp"

#include <array>

namespace ec20ppp::hdlc {
namespace {

// Both CRCs are computed least significant bit first (the asynchronous line sends bit 0 of each
// octet first), so the generator polynomials appear bit-reversed:
//   FCS-16: x^16 + x^12 + x^5 + 1                         -> 0x8408 (RFC 1662 App. C.2)
//   FCS-32: x^32 + x^26 + x^23 + ... + x^2 + x + 1         -> 0xedb88320 (RFC 1662 App. C.3)
constexpr std::uint16_t kPoly16 = 0x8408;
constexpr std::uint32_t kPoly32 = 0xedb88320;

// Entry i is the register after shifting the 8 bits of i through it, which lets the update step
// process a whole octet with one lookup instead of eight conditional shifts.
template <typename T>
constexpr std::array<T, 256> make_table(T poly) {
    std::array<T, 256> table{};
    for (unsigned i = 0; i < 256; ++i) {
        T reg = static_cast<T>(i);
        for (int bit = 0; bit < 8; ++bit) {
            reg = (reg & 1U) ? static_cast<T>((reg >> 1) ^ poly) : static_cast<T>(reg >> 1);
        }
        table[i] = reg;
    }
    return table;
}

constexpr auto kTable16 = make_table<std::uint16_t>(kPoly16);
constexpr auto kTable32 = make_table<std::uint32_t>(kPoly32);

// Spot checks against the tables printed in RFC 1662 App. C.2 / C.3 (first, second, last).
static_assert(kTable16[0] == 0x0000 && kTable16[1] == 0x1189 && kTable16[255] == 0x0f78);
static_assert(kTable32[0] == 0x00000000 && kTable32[1] == 0x77073096 && kTable32[255] == 0x2d02ef8d);

constexpr std::uint16_t step16(std::uint16_t fcs, std::uint8_t octet) {
    return static_cast<std::uint16_t>((fcs >> 8) ^ kTable16[(fcs ^ octet) & 0xff]);
}
constexpr std::uint32_t step32(std::uint32_t fcs, std::uint8_t octet) {
    return (fcs >> 8) ^ kTable32[(fcs ^ octet) & 0xff];
}

// The standard "123456789" check values, evaluated by the compiler so a broken table can never
// link (the unit tests check the public functions against the same values).
constexpr bool check_values_hold() {
    constexpr char digits[] = "123456789";
    std::uint16_t f16 = kFcs16Init;
    std::uint32_t f32 = kFcs32Init;
    for (std::size_t i = 0; i + 1 < sizeof digits; ++i) {
        f16 = step16(f16, static_cast<std::uint8_t>(digits[i]));
        f32 = step32(f32, static_cast<std::uint8_t>(digits[i]));
    }
    return static_cast<std::uint16_t>(~f16) == 0x906e && ~f32 == 0xcbf43926;
}
static_assert(check_values_hold());

}  // namespace

std::uint16_t fcs16(std::uint16_t fcs, ByteView data) noexcept {
    for (std::uint8_t octet : data) fcs = step16(fcs, octet);
    return fcs;
}

std::uint32_t fcs32(std::uint32_t fcs, ByteView data) noexcept {
    for (std::uint8_t octet : data) fcs = step32(fcs, octet);
    return fcs;
}

}  // namespace ec20ppp::hdlc
