// IPCP (RFC 1332) with the DNS extensions of RFC 1877: the options supplied to the generic
// automaton, for both roles. The client asks for 0.0.0.0 and takes what the network Naks; the
// network side assigns the client's address and DNS servers through Naks, as the EC20 does.
#pragma once

#include <cstdint>
#include <optional>

#include "common/ip.hpp"
#include "ppp/option_fsm.hpp"

namespace ec20ppp::ipcp {

namespace opt {
inline constexpr std::uint8_t ip_addresses = 1;  // RFC 1172, deprecated: rejected
inline constexpr std::uint8_t ip_compression = 2;  // Van Jacobson (RFC 1332 §3.2)
inline constexpr std::uint8_t ip_address = 3;
inline constexpr std::uint8_t primary_dns = 129;  // RFC 1877 §1.1
inline constexpr std::uint8_t primary_nbns = 130;
inline constexpr std::uint8_t secondary_dns = 131;
inline constexpr std::uint8_t secondary_nbns = 132;
}  // namespace opt

// pppd assumes this remote address when the peer gives none (the EC20 never does).
inline constexpr Ipv4 kDefaultRemote{0x0a404040};  // 10.64.64.64

struct IpcpConfig {
    // Our own address: sent as IP-Address when `request_address` (0.0.0.0 asks the peer to Nak
    // one, RFC 1332 §3.3). The EC20's own request carries no options at all.
    bool request_address = true;
    Ipv4 local{};
    bool accept_local = true;      // take an address the peer Naks us (ipcp-accept-local)
    bool request_dns = true;       // ask for DNS with 0.0.0.0 (RFC 1877, pppd's usepeerdns)
    // The peer's address: what we expect or assign (network side: the client's address).
    Ipv4 remote{};
    bool accept_remote = true;     // take the address the peer says it has (ipcp-accept-remote)
    // Nak once when the peer's request omits IP-Address, asking for its address (pppd does this;
    // the EC20 ignores it).
    bool ask_peer_address = true;
    // DNS servers we hand out when the peer asks (network side); unset ones are rejected.
    std::optional<Ipv4> dns1, dns2;
};

struct IpcpResult {
    Ipv4 local{};
    Ipv4 remote{};                 // zero when the peer gave none
    std::optional<Ipv4> dns1, dns2;  // what the peer gave us
};

class IpcpHandler final : public ppp::OptionHandler {
public:
    explicit IpcpHandler(IpcpConfig config);

    std::uint16_t protocol() const override { return 0x8021; }
    std::string_view name() const override { return "IPCP"; }
    void reset() override;
    void write_request(ppp::OptionWriter& out) override;
    void on_ack(ByteView options) override;
    bool on_nak(ByteView options, bool treat_as_reject) override;
    bool on_reject(ByteView options) override;
    void peer_request_begin() override;
    ppp::Verdict on_peer_option(const ppp::OptionView& option, ppp::OptionWriter& nak,
                                bool reject_if_disagree) override;
    void peer_request_end(ppp::OptionWriter& nak, bool reject_if_disagree) override;
    void peer_request_acked() override;
    std::string describe_option(const ppp::OptionView& option) const override;

    const IpcpResult& result() const { return result_; }
    const IpcpConfig& config() const { return config_; }

private:
    struct Request {
        std::optional<Ipv4> address, dns1, dns2;
    };
    ppp::Verdict judge_peer_address(Ipv4 address, ppp::OptionWriter& nak, bool reject_if_disagree);
    ppp::Verdict judge_dns_request(std::uint8_t type, Ipv4 address, ppp::OptionWriter& nak);

    IpcpConfig config_;
    Request request_;
    IpcpResult result_;
    std::optional<Ipv4> peer_address_;   // in the peer's current request
    bool peer_sent_address_ = false;
    bool asked_peer_address_ = false;
};

}  // namespace ec20ppp::ipcp
