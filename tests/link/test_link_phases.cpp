// RFC 1661 §3 phase rules, checked on the link controller with packets fed by hand.
#include <gtest/gtest.h>

#include "line_sim.hpp"
#include "support/hex.hpp"
#include "link/presets.hpp"
#include "ppp/control_packet.hpp"

using namespace ec20ppp;
using namespace std::chrono_literals;
using testsupport::hex;
using testsupport::operator+;

namespace {


template <class T>
const T* find_event(const link::LinkEvents& events) {
    for (const auto& e : events)
        if (auto* p = std::get_if<T>(&e)) return p;
    return nullptr;
}

std::vector<SendPacket> sent(const link::LinkEvents& events) {
    std::vector<SendPacket> v;
    for (const auto& e : events)
        if (auto* p = std::get_if<SendPacket>(&e)) v.push_back(*p);
    return v;
}

// Drives a client to the Network phase against a modem that needs no authentication.
struct OpenClient {
    link::Link client{link::client_config("user", "passwd"), testsupport::seeded_random(3)};
    link::LinkEvents out;
    TimePoint t{};
    std::uint32_t our_magic = 0;

    OpenClient() {
        client.lower_up(t, out);
        auto ours = sent(out).at(0);
        client.receive(proto::lcp, hex("01 00 00 0a 05 06 11223344"), t, out);  // modem: <magic>
        ours.packet[0] = 2;                                                    // Ack our request
        client.receive(proto::lcp, ours.packet, t, out);
        our_magic = client.lcp_result().our_magic;
    }
};

}  // namespace

TEST(Rfc1661_3_2, NcpPacketsBeforeLcpOpensAreDiscarded) {
    link::Link client(link::client_config("user", "passwd"), testsupport::seeded_random(1));
    link::LinkEvents out;
    client.lower_up(TimePoint{}, out);
    out.clear();
    client.receive(proto::ipcp, hex("01 00 00 04"), TimePoint{}, out);
    client.receive(proto::ip, hex("45 00 00 14 00 00 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02"), TimePoint{}, out);
    client.receive(0x80fd, hex("01 00 00 04"), TimePoint{}, out);  // CCP
    EXPECT_TRUE(sent(out).empty());  // no reply, no Protocol-Reject before LCP is Opened
}

TEST(Rfc1661_3_2, WithoutAuthenticationTheNetworkPhaseFollowsLcp) {
    OpenClient c;
    EXPECT_EQ(c.client.phase(), link::Phase::network);
    auto s = sent(c.out);
    ASSERT_FALSE(s.empty());
    EXPECT_EQ(s.back().protocol, proto::ipcp);  // our IPCP ConfReq went out
}

TEST(Rfc1661_5_7, UnknownProtocolIsProtocolRejectedOnceLcpIsOpen) {
    OpenClient c;
    c.out.clear();
    c.client.receive(0x80fd, hex("01 05 00 04"), c.t, c.out);  // CCP: not implemented
    auto s = sent(c.out);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].protocol, proto::lcp);
    EXPECT_EQ(s[0].packet[0], 8);  // Protocol-Reject
    EXPECT_EQ(Bytes(s[0].packet.begin() + 4, s[0].packet.end()), hex("80fd 01 05 00 04"));
}

TEST(Rfc1661_5_7, PeerRejectingIpcpEndsTheLinkForLackOfNetworkProtocols) {
    OpenClient c;
    c.out.clear();
    c.client.receive(proto::lcp, hex("08 07 00 0a 8021 01 01 00 04"), c.t, c.out);
    // RXJ- took IPCP to Stopped (tlf); LCP closing then took it Down, to Starting.
    EXPECT_EQ(c.client.ipcp_state(), ppp::FsmState::starting);
    EXPECT_EQ(c.client.phase(), link::Phase::terminate);
    auto s = sent(c.out);
    ASSERT_FALSE(s.empty());
    EXPECT_EQ(s.back().packet[0], 5);  // LCP Terminate-Request
}

TEST(Rfc1661_3_4, IpDataIsDroppedUntilIpcpIsOpened) {
    OpenClient c;
    c.out.clear();
    Bytes packet = hex("45 00 00 14 00 00 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02");
    EXPECT_FALSE(c.client.send_ip(proto::ip, packet, c.out));
    c.client.receive(proto::ip, packet, c.t, c.out);
    EXPECT_EQ(find_event<link::DeliverPacket>(c.out), nullptr);
    EXPECT_EQ(c.client.stats().dropped_not_running, 2u);
}

TEST(Rfc1661_3_7, PeerTerminateRequestEndsTheLinkWithItsReason) {
    OpenClient c;
    c.out.clear();
    c.client.receive(proto::lcp, hex("05 09 00 0a 62 79 65 20 21 21"), c.t, c.out);  // "bye !!"
    auto s = sent(c.out);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].packet, hex("06 09 00 04"));  // Terminate-Ack with the request's id
    // RFC 1661 §4.1 zrc: wait one restart interval in Stopping, then finish.
    c.out.clear();
    c.client.on_timeout(c.t + 3s, c.out);
    auto* ended = find_event<link::LinkEnded>(c.out);
    ASSERT_NE(ended, nullptr);
    EXPECT_EQ(ended->reason, link::EndReason::peer_terminated);
    EXPECT_EQ(ended->detail, "LCP terminated by peer (bye !!)");
}

TEST(Rfc1661_4_1, LcpRenegotiationWhileRunningTakesIpDownAndUpAgain) {
    link::FramedLink client(link::client_config("user", "passwd"), testsupport::seeded_random(31));
    link::FramedLink modem(link::ec20_network_config({}), testsupport::seeded_random(32));
    testsupport::SimulatedLine line(client, modem, {}, 33);
    line.act(0, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
    line.act(1, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
    auto running = [&] { return client.link().phase() == link::Phase::running && modem.link().phase() == link::Phase::running; };
    ASSERT_TRUE(line.run_until(running, 10s));
    line.end(0).events.clear();
    // The modem restarts LCP (a modem reset mid-session looks like this): a fresh ConfReq.
    line.act(1, [&](link::FramedLink& l, link::LinkEvents& out) {
        out.push_back(SendPacket{proto::lcp, hex("01 33 00 19 02 06 00000000 03 05 c223 05 05 06 0badcafe 07 02 08 02")});
        (void)l;
    });
    // The modem's own automaton is still Opened from its point of view; the client's new
    // ConfReq makes it renegotiate too, and both come back up with the same address.
    ASSERT_TRUE(line.run_until([&] { return find_event<link::Ipv4Up>(line.end(0).events) != nullptr && running(); }, 30s));
    // The client took IP down before bringing it up again, and authenticated again.
    std::vector<int> order;
    for (auto& e : line.end(0).events) {
        if (std::holds_alternative<link::Ipv4Down>(e)) order.push_back(0);
        if (std::holds_alternative<link::AuthResult>(e)) order.push_back(1);
        if (std::holds_alternative<link::Ipv4Up>(e)) order.push_back(2);
    }
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(to_string(find_event<link::Ipv4Up>(line.end(0).events)->local), "10.18.14.216");
}

TEST(Rfc1994, NetworkSideRefusesAPeerThatRejectsAuthentication) {
    link::Link modem(link::ec20_network_config({}), testsupport::seeded_random(5));
    link::LinkEvents out;
    TimePoint t{};
    modem.lower_up(t, out);
    auto request = sent(out).at(0).packet;
    // The client rejects the Authentication-Protocol option.
    Bytes reject = hex("04 00 00 09 03 05 c223 05");
    modem.receive(proto::lcp, reject, t, out);
    auto again = sent(out).back().packet;
    ASSERT_EQ(again[0], 1);  // a new ConfReq without auth
    again[0] = 2;
    modem.receive(proto::lcp, hex("01 01 00 04"), t, out);  // client: no options
    modem.receive(proto::lcp, again, t, out);
    // LCP opened without authentication: the network side must not let the peer in.
    EXPECT_EQ(modem.phase(), link::Phase::terminate);
    bool said = false;
    for (auto& e : out)
        if (auto* l = std::get_if<LogLine>(&e); l && l->text.find("refused to authenticate") != std::string::npos) said = true;
    EXPECT_TRUE(said);
    (void)request;
}

TEST(SecretsNeverLogged, NoLogLineContainsThePassword) {
    for (auto auth : {lcp::AuthProtocol::chap_md5, lcp::AuthProtocol::pap}) {
        link::Ec20NetworkPlan plan;
        plan.auth = auth;
        plan.secrets = [](std::string_view) -> std::optional<std::string> { return std::string("S3cr3t-pw"); };
        link::FramedLink client(link::client_config("alice", "S3cr3t-pw"), testsupport::seeded_random(41));
        link::FramedLink modem(link::ec20_network_config(plan), testsupport::seeded_random(42));
        testsupport::SimulatedLine line(client, modem, {}, 43);
        line.act(0, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
        line.act(1, [&](link::FramedLink& l, link::LinkEvents& out) { l.link().lower_up(line.now(), out); });
        ASSERT_TRUE(line.run_until([&] { return client.link().phase() == link::Phase::running; }, 10s));
        for (int i = 0; i < 2; ++i) {
            for (auto& e : line.end(i).events) {
                if (auto* l = std::get_if<LogLine>(&e)) {
                    EXPECT_EQ(l->text.find("S3cr3t"), std::string::npos) << l->text;
                }
            }
        }
    }
}

TEST(Rfc1661_6_4, LoopedBackLineIsDetectedAndEndsTheLink) {
    // Everything we send comes straight back: our own Configure-Requests, our own magic number.
    link::Link client(link::client_config("user", "passwd"), testsupport::seeded_random(61));
    link::LinkEvents out;
    TimePoint t{};
    client.lower_up(t, out);
    const link::LinkEnded* ended = nullptr;
    for (int round = 0; round < 200 && !ended; ++round) {
        link::LinkEvents next;
        for (auto& p : sent(out)) client.receive(p.protocol, p.packet, t, next);
        if (sent(next).empty()) {
            t += 3s;  // nothing to echo: let the restart timer fire
            client.on_timeout(t, next);
        }
        out = std::move(next);
        ended = find_event<link::LinkEnded>(out);
    }
    ASSERT_NE(ended, nullptr);
    EXPECT_EQ(ended->reason, link::EndReason::looped_back);
    EXPECT_EQ(ended->detail, "Serial line is looped back");
}
