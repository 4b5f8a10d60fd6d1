// LCP (RFC 1661 §6, RFC 1662 §7.1, RFC 1994 §3): the options of the link, supplied to the generic
// automaton, and the LCP-only codes (Protocol-Reject, Echo, Discard).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/random.hpp"
#include "ppp/option_fsm.hpp"

namespace ec20ppp::lcp {

// RFC 1661 §6 option types (ACCM from RFC 1662 §7.1).
namespace opt {
inline constexpr std::uint8_t mru = 1;
inline constexpr std::uint8_t accm = 2;
inline constexpr std::uint8_t auth_protocol = 3;
inline constexpr std::uint8_t quality_protocol = 4;
inline constexpr std::uint8_t magic_number = 5;
inline constexpr std::uint8_t pfc = 7;
inline constexpr std::uint8_t acfc = 8;
}  // namespace opt

inline constexpr std::uint8_t kChapMd5 = 5;  // RFC 1994 §3: CHAP Algorithm 5 = MD5
inline constexpr std::uint16_t kDefaultMru = 1500;
inline constexpr std::uint16_t kMinMru = 128;  // smaller MRUs are Nak'd, as pppd does
inline constexpr std::uint32_t kDefaultAccm = 0xffffffff;

enum class AuthProtocol : std::uint8_t { none, pap, chap_md5 };
std::string_view to_string(AuthProtocol a);

struct LcpConfig {
    // What we ask the peer for.
    std::optional<std::uint16_t> mru;            // sent only when set (pppd sends none for 1500)
    std::optional<std::uint32_t> accm = 0;       // "asyncmap 0": no control characters escaped
    bool magic = true;
    bool pfc = true;
    bool acfc = true;
    AuthProtocol require_auth = AuthProtocol::none;  // network side: chap_md5 (the EC20) or pap
    // What we agree to when the peer asks us to authenticate (client side).
    bool allow_chap = true;
    bool allow_pap = true;
    // Consecutive Configure-Requests carrying our own magic number before we call the line
    // looped back (RFC 1661 §6.4). pppd uses 10.
    int loopback_limit = 10;
};

// What LCP settled on; meaningful once the automaton is Opened.
struct LcpResult {
    std::uint32_t tx_accm = kDefaultAccm;  // characters we must escape: the peer's ACCM
    std::uint32_t rx_accm = kDefaultAccm;  // what the peer escapes for us: our acked ACCM
    bool tx_pfc = false, tx_acfc = false;  // the peer accepts compressed frames from us
    bool rx_pfc = false, rx_acfc = false;  // we asked for compressed frames and the peer agreed
    std::uint16_t peer_mru = kDefaultMru;  // largest packet the peer receives
    std::uint16_t our_mru = kDefaultMru;
    std::uint32_t our_magic = 0, peer_magic = 0;
    AuthProtocol we_authenticate_with = AuthProtocol::none;  // the peer asked us to (client)
    AuthProtocol peer_authenticates_with = AuthProtocol::none;  // we asked the peer to (server)
};

class LcpHandler final : public ppp::OptionHandler {
public:
    LcpHandler(LcpConfig config, RandomSource random);

    std::uint16_t protocol() const override { return 0xc021; }
    std::string_view name() const override { return "LCP"; }
    void reset() override;
    void write_request(ppp::OptionWriter& out) override;
    void on_ack(ByteView options) override;
    bool on_nak(ByteView options, bool treat_as_reject) override;
    bool on_reject(ByteView options) override;
    void peer_request_begin() override;
    ppp::Verdict on_peer_option(const ppp::OptionView& option, ppp::OptionWriter& nak,
                                bool reject_if_disagree) override;
    bool nak_after_max_failure(const ppp::OptionView& option) const override {
        return option.type == opt::magic_number;
    }
    void peer_request_acked() override;
    bool on_extra_code(std::uint8_t code, std::uint8_t id, ByteView data, ppp::FsmState state,
                       ppp::FsmOutputs& out) override;
    std::string describe_option(const ppp::OptionView& option) const override;
    std::string describe_extra_code(std::uint8_t code, ByteView data) const override;

    const LcpResult& result() const { return result_; }
    const LcpConfig& config() const { return config_; }
    bool looped_back() const { return loopback_count_ >= config_.loopback_limit; }

private:
    // What we currently ask for (pppd's "want"/"got"): shrinks on Reject, changes on Nak.
    struct Request {
        std::optional<std::uint16_t> mru;
        std::optional<std::uint32_t> accm;
        std::optional<std::uint32_t> magic;
        bool pfc = false, acfc = false;
        AuthProtocol auth = AuthProtocol::none;
    };
    // What the peer's current Configure-Request asks of us (pppd's "his").
    struct PeerRequest {
        std::uint16_t mru = kDefaultMru;
        std::uint32_t accm = kDefaultAccm;
        std::uint32_t magic = 0;
        bool pfc = false, acfc = false;
        AuthProtocol auth = AuthProtocol::none;
    };

    ppp::Verdict judge_auth(ByteView value, ppp::OptionWriter& nak);
    void write_preferred_auth(ppp::OptionWriter& nak) const;

    LcpConfig config_;
    RandomSource random_;
    Request request_;
    PeerRequest peer_;
    LcpResult result_;
    int loopback_count_ = 0;
};

// An LCP Echo-Request (RFC 1661 §5.8) carrying our magic number, for keepalive.
Bytes build_echo_request(std::uint8_t id, std::uint32_t magic);

}  // namespace ec20ppp::lcp
