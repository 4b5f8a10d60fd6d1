#include "hdlc/fcs.hpp"

#include "hdlc/kernels.hpp"

namespace ec20ppp::hdlc {

// The tables and their RFC 1662 App. C spot checks are in crc_tables.hpp; the kernels (tables,
// slicing-by-16 or carry-less multiply folding) are chosen at run time (path.hpp).

std::uint16_t fcs16(std::uint16_t fcs, ByteView data) noexcept {
    return detail::kernels().fcs16(fcs, data.data(), data.size());
}

std::uint32_t fcs32(std::uint32_t fcs, ByteView data) noexcept {
    return detail::kernels().fcs32(fcs, data.data(), data.size());
}

}  // namespace ec20ppp::hdlc
