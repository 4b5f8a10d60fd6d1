// RFC 1661 §3.2 end to end: a client and an EC20-like network side, both our engine, dial over a
// simulated serial line that loses, corrupts and delays bytes. Fake time: milliseconds of CPU.
#include <gtest/gtest.h>

#include <algorithm>

#include "line_sim.hpp"
#include "link/presets.hpp"

using namespace ec20ppp;
using namespace std::chrono_literals;
using testsupport::LineFaults;
using testsupport::SimulatedLine;

namespace {

template <class T>
const T* find_event(const link::LinkEvents& events) {
    for (const auto& e : events)
        if (auto* p = std::get_if<T>(&e)) return p;
    return nullptr;
}

template <class T>
std::vector<T> all_events(const link::LinkEvents& events) {
    std::vector<T> v;
    for (const auto& e : events)
        if (auto* p = std::get_if<T>(&e)) v.push_back(*p);
    return v;
}

struct Dial {
    link::FramedLink client;
    link::FramedLink modem;
    SimulatedLine line;

    Dial(LineFaults faults, std::uint32_t seed, link::LinkConfig client_cfg = link::client_config("user", "passwd"),
         link::Ec20NetworkPlan plan = {})
        : client(std::move(client_cfg), testsupport::seeded_random(seed * 7 + 1)),
          modem(link::ec20_network_config(plan), testsupport::seeded_random(seed * 13 + 5)),
          line(client, modem, faults, seed) {
        line.act(0, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
        line.act(1, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
    }

    bool both_running() {
        return client.link().phase() == link::Phase::running && modem.link().phase() == link::Phase::running;
    }
};

Bytes ipv4_packet(std::uint32_t src, std::uint32_t dst, std::size_t payload, std::uint8_t fill) {
    Bytes p(20 + payload, fill);
    p[0] = 0x45;
    store_be16(&p[2], static_cast<std::uint16_t>(p.size()));
    p[8] = 64;
    p[9] = 17;
    for (int i = 0; i < 4; ++i) {
        p[12 + i] = static_cast<std::uint8_t>(src >> (24 - 8 * i));
        p[16 + i] = static_cast<std::uint8_t>(dst >> (24 - 8 * i));
    }
    return p;
}

void expect_ec20_addresses(const link::LinkEvents& client_events) {
    auto* up = find_event<link::Ipv4Up>(client_events);
    ASSERT_NE(up, nullptr);
    EXPECT_EQ(to_string(up->local), "10.18.14.216");
    EXPECT_EQ(to_string(up->remote), "10.64.64.64");
    ASSERT_TRUE(up->dns1 && up->dns2);
    EXPECT_EQ(to_string(*up->dns1), "221.6.4.66");
    EXPECT_EQ(to_string(*up->dns2), "58.240.57.33");
}

}  // namespace

TEST(InMemoryDial, CleanLineReachesRunningWithTheEc20Addresses) {
    Dial d({}, 1);
    ASSERT_TRUE(d.line.run_until([&] { return d.both_running(); }, 10s));
    expect_ec20_addresses(d.line.end(0).events);
    auto* auth = find_event<link::AuthResult>(d.line.end(1).events);
    ASSERT_NE(auth, nullptr);
    EXPECT_TRUE(auth->ok);
    EXPECT_EQ(auth->detail, "user");
    // A clean line needs no retransmission: the whole dial happens at time zero.
    EXPECT_EQ(d.line.now(), TimePoint{});
}

TEST(InMemoryDial, DataFlowsBothWaysAndTheCloseEndsBothSides) {
    Dial d({}, 2);
    ASSERT_TRUE(d.line.run_until([&] { return d.both_running(); }, 10s));
    Bytes up = ipv4_packet(0x0a120ed8, 0x0a404040, 1400, 0x7e);  // flags in the payload: escaped
    Bytes down = ipv4_packet(0x0a404040, 0x0a120ed8, 100, 0x7d);
    d.line.act(0, [&](link::FramedLink& l, link::LinkEvents& out) { EXPECT_TRUE(l.link().send_ip(proto::ip, up, out)); });
    d.line.act(1, [&](link::FramedLink& l, link::LinkEvents& out) { EXPECT_TRUE(l.link().send_ip(proto::ip, down, out)); });
    ASSERT_TRUE(d.line.run_until([&] { return find_event<link::DeliverPacket>(d.line.end(0).events) &&
                                             find_event<link::DeliverPacket>(d.line.end(1).events); }, 1s));
    EXPECT_EQ(find_event<link::DeliverPacket>(d.line.end(1).events)->packet, up);
    EXPECT_EQ(find_event<link::DeliverPacket>(d.line.end(0).events)->packet, down);

    d.line.act(0, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().close("User request", d.line.now(), out); });
    ASSERT_TRUE(d.line.run_until([&] { return find_event<link::LinkEnded>(d.line.end(0).events) &&
                                             find_event<link::LinkEnded>(d.line.end(1).events); }, 10s));
    EXPECT_EQ(find_event<link::LinkEnded>(d.line.end(0).events)->reason, link::EndReason::local_request);
    EXPECT_EQ(find_event<link::LinkEnded>(d.line.end(1).events)->reason, link::EndReason::peer_terminated);
    EXPECT_NE(find_event<link::Ipv4Down>(d.line.end(0).events), nullptr);
}

TEST(InMemoryDial, LossyNoisySlowLineStillComesUpForManySeeds) {
    // 0.1% corrupted bytes, 5% of chunks lost, 200 ms each way: the restart timers recover.
    LineFaults faults{0.001, 0.05, 200ms, 48};
    int up = 0;
    for (std::uint32_t seed = 1; seed <= 40; ++seed) {
        Dial d(faults, seed);
        if (d.line.run_until([&] { return d.both_running(); }, 120s)) {
            ++up;
            expect_ec20_addresses(d.line.end(0).events);
        } else {
            ADD_FAILURE() << "seed " << seed << " did not come up; client phase "
                          << to_string(d.client.link().phase()) << ", modem phase " << to_string(d.modem.link().phase());
        }
        // The framing layer saw the damage and dropped it instead of passing it up.
        if (seed == 1) {
            auto& s = d.client.rx_stats();
            EXPECT_GT(s.bad_fcs + s.too_short + s.aborted + s.bad_header + s.too_long, 0u);
        }
    }
    EXPECT_EQ(up, 40);
}

TEST(InMemoryDial, HarshLineComesUpNearlyAlways) {
    // 1% of bytes corrupted loses about 40% of the (fully escaped) LCP frames. Within one dial
    // attempt (pppd's counters: 10 Configure-Requests, 30 s of CHAP) nearly every seed still
    // comes up; --persist covers the rest by dialing again.
    LineFaults faults{0.01, 0.0, 200ms, 48};
    int up = 0;
    for (std::uint32_t seed = 1; seed <= 100; ++seed) {
        Dial d(faults, seed);
        if (d.line.run_until([&] { return d.both_running(); }, 120s)) ++up;
    }
    EXPECT_GE(up, 90);
}

TEST(InMemoryDial, AnEndedLinkStaysDeadUntilTheLowerLayerComesBack) {
    // The modem never answers: LCP gives up after Max-Configure and reports the end once.
    link::FramedLink client(link::client_config("user", "passwd"), testsupport::seeded_random(51));
    link::FramedLink mute(link::ec20_network_config({}), testsupport::seeded_random(52));
    SimulatedLine line(client, mute, {}, 53);
    line.act(0, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
    ASSERT_TRUE(line.run_until([&] { return find_event<link::LinkEnded>(line.end(0).events) != nullptr; }, 60s));
    EXPECT_EQ(find_event<link::LinkEnded>(line.end(0).events)->reason, link::EndReason::negotiation_failed);
    int requests = 0;
    for (auto& e : line.end(0).events)
        if (auto* s = std::get_if<SendPacket>(&e); s && s->protocol == proto::lcp && s->packet[0] == 1) ++requests;
    EXPECT_EQ(requests, 10);  // Max-Configure (RFC 1661 §4.6)
    // The client's Restart timer backs off (RFC 1661 §4.6 note): waits of 0.5, 1, 2, then 3 s.
    EXPECT_EQ(line.now() - TimePoint{}, 500ms + 1s + 2s + 7 * 3s);
    // A late ConfReq from the peer does not bring it back.
    link::LinkEvents out;
    client.link().receive(proto::lcp, Bytes{1, 0, 0, 4}, line.now(), out);
    EXPECT_EQ(client.link().phase(), link::Phase::dead);
    EXPECT_TRUE(all_events<SendPacket>(out).empty());
}

// Issue 8 (dial time): our first LCP Configure-Request goes out the moment CONNECT is seen, and a
// modem still switching to data mode may not hear it. The modem's own first request then
// triggers an immediate resend (RFC 1661 §4.6 tuning in client_config), so the loss costs a
// round trip, not pppd's 3 s Restart timer.
TEST(InMemoryDial, AConfReqLostWhileTheModemSwitchesToDataModeCostsLittle) {
    link::FramedLink client(link::client_config("user", "passwd"), testsupport::seeded_random(61));
    link::FramedLink modem(link::ec20_network_config({}), testsupport::seeded_random(62));
    testsupport::LineFaults faults;
    faults.latency = 10ms;
    faults.deaf_until = 100ms;
    SimulatedLine line(client, modem, faults, 63);
    line.act(0, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });  // lost
    line.run_to(TimePoint{} + 100ms);
    line.act(1, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
    ASSERT_TRUE(line.run_until([&] { return find_event<link::Ipv4Up>(line.end(0).events) != nullptr; }, 10s));
    EXPECT_LT(line.now() - TimePoint{}, 400ms) << "resent on the modem's first request at 110 ms, not at a timeout";
    bool resent = false;
    for (const auto& l : all_events<LogLine>(line.end(0).events))
        resent |= l.text.find("sending ours again") != std::string::npos;
    EXPECT_TRUE(resent);
}

TEST(ClientTimers, RFC1661_4_6_FirstRestartIntervalCoversTwiceTheRoundTripPlus100ms) {
    auto fitted = [](Duration rtt) {
        auto c = link::client_config("user", "passwd");
        link::fit_restart_timers_to_round_trip(c, rtt);
        return std::pair{c.fsm.initial_restart_interval, c.fsm.resend_request_on_peer_request};
    };
    EXPECT_EQ(fitted(5ms), std::pair(Duration(500ms), Duration(100ms))) << "a USB modem: the floor";
    EXPECT_EQ(fitted(1000ms), std::pair(Duration(2100ms), Duration(1050ms)));
    EXPECT_EQ(fitted(2000ms), std::pair(Duration(3000ms), Duration(2050ms))) << "never past the 3 s Restart timer";
}

// A modem that answers the AT chat in a second (500 ms each way): the fitted timers let its
// answer arrive before any repeat, so our Configure-Requests go out once each (a repeat reaching
// the modem after it opened would restart its negotiation).
TEST(InMemoryDial, ASlowModemGetsNoPrematureRepeats) {
    auto config = link::client_config("user", "passwd");
    link::fit_restart_timers_to_round_trip(config, 1000ms);
    link::FramedLink client(config, testsupport::seeded_random(71));
    link::FramedLink modem(link::ec20_network_config({}), testsupport::seeded_random(72));
    testsupport::LineFaults faults;
    faults.latency = 500ms;
    SimulatedLine line(client, modem, faults, 73);
    line.act(1, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
    line.act(0, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
    ASSERT_TRUE(line.run_until([&] { return find_event<link::Ipv4Up>(line.end(0).events) != nullptr; }, 30s));
    int lcp_requests = 0;
    for (auto& e : line.end(0).events)
        if (auto* p = std::get_if<SendPacket>(&e); p && p->protocol == proto::lcp && p->packet[0] == 1) ++lcp_requests;
    EXPECT_EQ(lcp_requests, 1);
}

TEST(InMemoryDial, WrongPasswordIsADistinctOutcomeOnBothSides) {
    Dial d({}, 3, link::client_config("user", "wrong"));
    ASSERT_TRUE(d.line.run_until([&] { return find_event<link::LinkEnded>(d.line.end(0).events) != nullptr; }, 30s));
    EXPECT_EQ(find_event<link::LinkEnded>(d.line.end(0).events)->reason, link::EndReason::we_failed_auth);
    auto results = all_events<link::AuthResult>(d.line.end(1).events);
    ASSERT_FALSE(results.empty());
    EXPECT_FALSE(results.front().ok);
    EXPECT_EQ(find_event<link::Ipv4Up>(d.line.end(0).events), nullptr);
}

TEST(InMemoryDial, PapWorksWhenTheNetworkAsksForIt) {
    link::Ec20NetworkPlan plan;
    plan.auth = lcp::AuthProtocol::pap;
    Dial d({}, 4, link::client_config("user", "passwd"), plan);
    ASSERT_TRUE(d.line.run_until([&] { return d.both_running(); }, 10s));
    expect_ec20_addresses(d.line.end(0).events);
    EXPECT_EQ(d.client.link().lcp_result().we_authenticate_with, lcp::AuthProtocol::pap);
}

TEST(InMemoryDial, NoAuthenticationAndNoDnsStillComesUp) {
    link::Ec20NetworkPlan plan;
    plan.auth = lcp::AuthProtocol::none;
    plan.dns1.reset();
    plan.dns2.reset();
    Dial d({}, 5, link::client_config("user", "passwd"), plan);
    ASSERT_TRUE(d.line.run_until([&] { return d.both_running(); }, 10s));
    auto* up = find_event<link::Ipv4Up>(d.line.end(0).events);
    ASSERT_NE(up, nullptr);
    EXPECT_EQ(to_string(up->local), "10.18.14.216");
    EXPECT_FALSE(up->dns1);
    EXPECT_FALSE(up->dns2);
}

TEST(InMemoryDial, Ipv6cpNegotiatesInterfaceIdentifiersWhenBothEnable) {
    auto client_cfg = link::client_config("user", "passwd");
    client_cfg.enable_ipv6cp = true;
    link::FramedLink client(client_cfg, testsupport::seeded_random(11));
    auto modem_cfg = link::ec20_network_config({});
    modem_cfg.enable_ipv6cp = true;
    link::FramedLink modem(modem_cfg, testsupport::seeded_random(12));
    SimulatedLine line(client, modem, {}, 6);
    line.act(0, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
    line.act(1, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
    ASSERT_TRUE(line.run_until([&] { return find_event<link::Ipv6Up>(line.end(0).events) && find_event<link::Ipv6Up>(line.end(1).events); }, 10s));
    auto a = *find_event<link::Ipv6Up>(line.end(0).events);
    auto b = *find_event<link::Ipv6Up>(line.end(1).events);
    EXPECT_EQ(a.local_id, b.peer_id);
    EXPECT_EQ(a.peer_id, b.local_id);
    EXPECT_NE(a.local_id, a.peer_id);
}

TEST(InMemoryDial, ClientWithoutIpv6cpProtocolRejectsIt) {
    link::FramedLink client(link::client_config("user", "passwd"), testsupport::seeded_random(21));
    auto modem_cfg = link::ec20_network_config({});
    modem_cfg.enable_ipv6cp = true;
    link::FramedLink modem(modem_cfg, testsupport::seeded_random(22));
    SimulatedLine line(client, modem, {}, 7);
    line.act(0, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
    line.act(1, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
    // IPv4 still comes up; IPV6CP is refused with LCP Protocol-Reject (RFC 1661 §5.7).
    ASSERT_TRUE(line.run_until([&] { return client.link().phase() == link::Phase::running && modem.link().phase() == link::Phase::running; }, 10s));
    EXPECT_GE(client.link().stats().protocol_rejects_sent, 1u);
    EXPECT_EQ(modem.link().ipcp_state(), ppp::FsmState::opened);
}

TEST(InMemoryDial, SilentPeerIsDeclaredDeadWithinIntervalTimesFailure) {
    auto cfg = link::client_config("user", "passwd");
    cfg.echo_interval = 30s;
    cfg.echo_failure = 4;
    Dial d({}, 8, cfg);
    ASSERT_TRUE(d.line.run_until([&] { return d.both_running(); }, 10s));
    TimePoint went_silent = d.line.now();
    // The modem stops answering: replace its link by one that never gets lower_up.
    link::FramedLink mute(link::ec20_network_config({}), testsupport::seeded_random(99));
    SimulatedLine silent(d.client, mute, {}, 9);
    ASSERT_EQ(silent.now(), went_silent);  // both fake clocks start at zero
    ASSERT_TRUE(silent.run_until([&] { return find_event<link::LinkEnded>(silent.end(0).events) != nullptr; }, 300s));
    auto* ended = find_event<link::LinkEnded>(silent.end(0).events);
    EXPECT_EQ(ended->reason, link::EndReason::echo_timeout);
    // Declared dead at interval x failure after the last packet, and ended right then: one
    // Terminate-Request goes out, but nobody waits 2 x 3 s for the Ack of a dead peer.
    EXPECT_LE(silent.now() - went_silent, 30s * 4);
    EXPECT_GE(silent.now() - went_silent, 30s * 4 - 30s);
    int terminate_requests = 0;
    for (auto& e : silent.end(0).events)
        if (auto* s = std::get_if<SendPacket>(&e); s && s->protocol == proto::lcp && s->packet[0] == 5) ++terminate_requests;
    EXPECT_EQ(terminate_requests, 1);
    // Echo-Requests were sent during the silence, one per interval.
    int echoes = 0;
    for (auto& e : silent.end(0).events)
        if (auto* s = std::get_if<SendPacket>(&e); s && s->protocol == proto::lcp && s->packet[0] == 9) ++echoes;
    EXPECT_EQ(echoes, 3);
}


TEST(InMemoryDial, NoCarrierFromTheModemEndsTheLinkAtOnce) {
    // The call drops: the modem leaves data mode and prints its result code where frames were.
    Dial d({}, 71);
    ASSERT_TRUE(d.line.run_until([&] { return d.both_running(); }, 10s));
    link::LinkEvents out;
    const std::string text = "\r\nNO CARRIER\r\n";
    d.client.receive_bytes(as_bytes(text), d.line.now(), out);
    auto* ended = find_event<link::LinkEnded>(out);
    ASSERT_NE(ended, nullptr);
    EXPECT_EQ(ended->reason, link::EndReason::lower_layer_down);
    EXPECT_EQ(ended->detail, "the modem said NO CARRIER: the call was dropped");
    EXPECT_NE(find_event<link::Ipv4Down>(out), nullptr);
}

TEST(InMemoryDial, NoCarrierTextInsideADataPacketIsJustData) {
    Dial d({}, 72);
    ASSERT_TRUE(d.line.run_until([&] { return d.both_running(); }, 10s));
    Bytes packet = ipv4_packet(0x0a404040, 0x0a120ed8, 0, 0);
    const std::string text = "\r\nNO CARRIER\r\n";
    packet.insert(packet.end(), text.begin(), text.end());
    store_be16(&packet[2], static_cast<std::uint16_t>(packet.size()));
    d.line.act(1, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().send_ip(proto::ip, packet, out); });
    ASSERT_TRUE(d.line.run_until([&] { return find_event<link::DeliverPacket>(d.line.end(0).events) != nullptr; }, 1s));
    EXPECT_EQ(find_event<link::DeliverPacket>(d.line.end(0).events)->packet, packet);
    EXPECT_EQ(find_event<link::LinkEnded>(d.line.end(0).events), nullptr);
}
