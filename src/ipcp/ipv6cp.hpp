// IPV6CP (RFC 5072): negotiates the 64-bit Interface-Identifiers from which both ends form
// their link-local addresses (fe80::/64). On by option.
#pragma once

#include <cstdint>
#include <string>

#include "common/random.hpp"
#include "ppp/option_fsm.hpp"

namespace ec20ppp::ipcp {

inline constexpr std::uint8_t kOptInterfaceIdentifier = 1;  // RFC 5072 §4.1
inline constexpr std::uint8_t kOptIpv6Compression = 2;      // RFC 5072 §4.2

// "fe80::1122:3344:5566:7788" from an interface identifier, zero-padded as pppd prints it.
std::string link_local_text(std::uint64_t interface_id);

struct Ipv6cpConfig {
    std::uint64_t interface_id = 0;  // 0: choose a random one (RFC 5072 §4.1)
};

struct Ipv6cpResult {
    std::uint64_t local_id = 0;
    std::uint64_t peer_id = 0;
};

class Ipv6cpHandler final : public ppp::OptionHandler {
public:
    Ipv6cpHandler(Ipv6cpConfig config, RandomSource random);

    std::uint16_t protocol() const override { return 0x8057; }
    std::string_view name() const override { return "IPV6CP"; }
    void reset() override;
    void write_request(ppp::OptionWriter& out) override;
    void on_ack(ByteView options) override;
    bool on_nak(ByteView options, bool treat_as_reject) override;
    bool on_reject(ByteView options) override;
    void peer_request_begin() override;
    ppp::Verdict on_peer_option(const ppp::OptionView& option, ppp::OptionWriter& nak,
                                bool reject_if_disagree) override;
    void peer_request_acked() override;
    std::string describe_option(const ppp::OptionView& option) const override;

    const Ipv6cpResult& result() const { return result_; }

private:
    std::uint64_t fresh_id(std::uint64_t avoid1, std::uint64_t avoid2) const;

    Ipv6cpConfig config_;
    RandomSource random_;
    std::optional<std::uint64_t> request_id_;
    std::uint64_t peer_candidate_ = 0;
    std::optional<std::uint64_t> last_nak_sent_;  // the identifier our last Nak suggested
    Ipv6cpResult result_;
};

}  // namespace ec20ppp::ipcp
