// An LCP endpoint for tests: LcpHandler + automaton + fake clock + scripted randomness.
#pragma once

#include <vector>

#include "../ppp/fsm_test_util.hpp"
#include "lcp/lcp.hpp"

namespace ec20ppp::lcp::test {

using namespace ec20ppp::test;

// The EC20's magic from the golden log, and pppd's.
inline constexpr std::uint32_t kEc20Magic = 0xc63dcf81;
inline constexpr std::uint32_t kOurMagic = 0xaee1219c;

struct Lcp {
    // The magic number is drawn when a negotiation starts (reset() before the first request),
    // so the first scripted value is the magic of our first Configure-Request.
    explicit Lcp(LcpConfig c = {}, std::vector<std::uint32_t> script = {kOurMagic})
        : random(std::move(script)), handler(c, random.source()), fsm(handler) {}

    ScriptedRandom random;
    LcpHandler handler;
    ppp::OptionFsm fsm;
    Driver d{fsm};

    // Open + Up; returns our first Configure-Request.
    Bytes start() { return only_packet(d.open_and_up()); }
    // The Identifier of our outstanding Configure-Request and its options, from the bytes.
    static std::uint8_t id_of(const Bytes& p) { return p.at(1); }
    static Bytes options_of(const Bytes& p) { return Bytes(p.begin() + 4, p.end()); }

    // The peer acknowledges our request `req` verbatim.
    ppp::FsmOutputs ack(const Bytes& req) {
        return d.input(packet(ppp::Code::configure_ack, id_of(req), options_of(req)));
    }
    // Brings LCP to Opened: our request acked, the peer's `peer_options` acked by us.
    void open_with(const Bytes& peer_options) {
        Bytes req = start();
        d.input(packet(ppp::Code::configure_request, 0x00, peer_options));
        ack(req);
        EXPECT_EQ(fsm.state(), ppp::FsmState::opened);
    }
    std::string describe(const Bytes& pkt) const { return ppp::describe_control_packet(handler, pkt); }
};

// The options of the real EC20's LCP ConfReq (golden log):
// <asyncmap 0x0> <auth chap MD5> <magic 0xc63dcf81> <pcomp> <accomp>
inline Bytes ec20_options() { return hex("02 06 00 00 00 00 03 05 c2 23 05 05 06 c6 3d cf 81 07 02 08 02"); }

}  // namespace ec20ppp::lcp::test
