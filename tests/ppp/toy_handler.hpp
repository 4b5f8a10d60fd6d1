// A tiny OptionHandler for driving the generic automaton: one option of our own (type 1, one
// octet) that we ask for, and a fixed judgement of the peer's options:
//   type 1: any value is acknowledged (so "01 03 xx" is RCR+)
//   type 2: Nak'd with the value 0x07 unless it is 0x07 (so "02 03 00" is RCR-)
//   other:  rejected
// It records every callback so tests can check what the automaton told it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/packet.hpp"
#include "ppp/control_packet.hpp"
#include "ppp/describe.hpp"
#include "ppp/option_fsm.hpp"

namespace ec20ppp::test {

class ToyHandler final : public ppp::OptionHandler {
public:
    static constexpr std::uint16_t kProtocol = 0x80aa;
    static constexpr std::uint8_t kOurType = 1;
    static constexpr std::uint8_t kNakType = 2;

    std::uint16_t protocol() const override { return kProtocol; }
    std::string_view name() const override { return "TOY"; }

    void reset() override {
        ++resets;
        want = initial_want;
    }
    void write_request(ppp::OptionWriter& out) override {
        if (want) {
            const std::uint8_t v = *want;
            out.add(kOurType, ByteView(&v, 1));
        }
    }
    void on_ack(ByteView options) override { acked.emplace_back(options.begin(), options.end()); }
    bool on_nak(ByteView options, bool treat_as_reject) override {
        nak_treat_as_reject.push_back(treat_as_reject);
        ppp::OptionReader r(options);
        std::optional<std::uint8_t> next = want;
        while (auto o = r.next()) {
            if (o->type != kOurType || o->value.size() != 1) return false;
            if (treat_as_reject) next.reset();
            else next = o->value[0];
        }
        if (r.malformed()) return false;
        want = next;
        return true;
    }
    bool on_reject(ByteView options) override {
        ++rejects_received;
        ppp::OptionReader r(options);
        std::optional<std::uint8_t> next = want;
        while (auto o = r.next()) {
            if (o->type != kOurType || !next) return false;
            next.reset();
        }
        if (r.malformed()) return false;
        want = next;
        return true;
    }
    void peer_request_begin() override { ++requests_judged; }
    ppp::Verdict on_peer_option(const ppp::OptionView& o, ppp::OptionWriter& nak,
                                bool reject_if_disagree) override {
        reject_if_disagree_seen.push_back(reject_if_disagree);
        if (o.type == kOurType) return ppp::Verdict::ack;
        if (o.type == kNakType) {
            if (o.value.size() == 1 && o.value[0] == 0x07) return ppp::Verdict::ack;
            const std::uint8_t v = 0x07;
            nak.add(kNakType, ByteView(&v, 1));
            return ppp::Verdict::nak;
        }
        return ppp::Verdict::reject;
    }
    bool nak_after_max_failure(const ppp::OptionView& o) const override { return o.type == keep_nakking_type; }
    void peer_request_acked() override { ++peer_acks; }
    // RXR for the table: Echo-Request is answered (ser) in Opened only, Echo-Reply and
    // Discard-Request are swallowed; anything else is unknown (RUC).
    bool on_extra_code(std::uint8_t code, std::uint8_t id, ByteView data, ppp::FsmState state,
                       ppp::FsmOutputs& out) override {
        switch (code) {
            case 9:
                if (state == ppp::FsmState::opened)
                    out.emplace_back(SendPacket{kProtocol, ppp::build_control_packet(ppp::Code::echo_reply, id, data)});
                return true;
            case 10:
            case 11: return true;
            default: return false;
        }
    }
    std::string describe_option(const ppp::OptionView& o) const override {
        if (o.type == kOurType && o.value.size() == 1) return "toy " + ppp::hex_value(o.value[0]);
        return ppp::hex_octets(o.whole).substr(1);
    }

    std::uint8_t keep_nakking_type = 0xff;  // an option type whose Nak survives Max-Failure
    std::optional<std::uint8_t> initial_want = 0x10;
    std::optional<std::uint8_t> want = 0x10;
    int resets = 0;
    int requests_judged = 0;
    int peer_acks = 0;
    int rejects_received = 0;
    std::vector<Bytes> acked;
    std::vector<bool> nak_treat_as_reject;
    std::vector<bool> reject_if_disagree_seen;
};

}  // namespace ec20ppp::test
