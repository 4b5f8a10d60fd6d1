// GOLDEN: the IPCP exchange of a real EC20 dial with pppd (client side, IpcpConfig defaults):
//
//   sent [IPCP ConfReq id=0x1 <addr 0.0.0.0> <ms-dns1 0.0.0.0> <ms-dns2 0.0.0.0>]
//   rcvd [IPCP ConfReq id=0x0]
//   sent [IPCP ConfNak id=0x0 <addr 0.0.0.0>]
//   rcvd [IPCP ConfNak id=0x1 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>]
//   sent [IPCP ConfReq id=0x2 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>]
//   rcvd [IPCP ConfReq id=0x1]
//   sent [IPCP ConfAck id=0x1]
//   rcvd [IPCP ConfAck id=0x2 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>]
//
// and the network side (the EC20's role) producing the same Nak and Ack.
#include <gtest/gtest.h>

#include <deque>

#include "../ppp/fsm_test_util.hpp"
#include "ipcp/ipcp.hpp"

namespace ec20ppp::ipcp {
namespace {

using namespace ec20ppp::test;
using ppp::Code;
using ppp::FsmState;

constexpr Ipv4 kLocal{0x0a120ed8};  // 10.18.14.216
constexpr Ipv4 kDns1{0xdd060442};   // 221.6.4.66
constexpr Ipv4 kDns2{0x3af03921};   // 58.240.57.33

const Bytes kOurReq1 = hex("01 01 00 16 03 06 00 00 00 00 81 06 00 00 00 00 83 06 00 00 00 00");
const Bytes kModemReq0 = hex("01 00 00 04");
const Bytes kOurNak0 = hex("03 00 00 0a 03 06 00 00 00 00");
const Bytes kModemNak1 = hex("03 01 00 16 03 06 0a 12 0e d8 81 06 dd 06 04 42 83 06 3a f0 39 21");
const Bytes kOurReq2 = hex("01 02 00 16 03 06 0a 12 0e d8 81 06 dd 06 04 42 83 06 3a f0 39 21");
const Bytes kModemReq1 = hex("01 01 00 04");
const Bytes kOurAck1 = hex("02 01 00 04");
const Bytes kModemAck2 = hex("02 02 00 16 03 06 0a 12 0e d8 81 06 dd 06 04 42 83 06 3a f0 39 21");

struct Ipcp {
    explicit Ipcp(IpcpConfig c = {}) : handler(c), fsm(handler) {}
    IpcpHandler handler;
    ppp::OptionFsm fsm;
    Driver d{fsm};
    std::string describe(const Bytes& p) const { return ppp::describe_control_packet(handler, p); }
};

IpcpConfig network_config() {
    IpcpConfig c;
    c.request_address = false;
    c.request_dns = false;
    c.accept_remote = false;
    c.remote = kLocal;
    c.ask_peer_address = false;
    c.dns1 = kDns1;
    c.dns2 = kDns2;
    return c;
}

TEST(GoldenEc20, IpcpClientNegotiation) {
    Ipcp c;

    ppp::FsmOutputs out = c.d.open_and_up();
    EXPECT_EQ(only_packet(out), kOurReq1);
    EXPECT_EQ(c.describe(kOurReq1), "IPCP ConfReq id=0x1 <addr 0.0.0.0> <ms-dns1 0.0.0.0> <ms-dns2 0.0.0.0>");

    EXPECT_EQ(c.describe(kModemReq0), "IPCP ConfReq id=0x0");
    out = c.d.input(kModemReq0);
    EXPECT_EQ(only_packet(out), kOurNak0) << "pppd asks the peer for its address once";
    EXPECT_EQ(c.describe(kOurNak0), "IPCP ConfNak id=0x0 <addr 0.0.0.0>");

    EXPECT_EQ(c.describe(kModemNak1),
              "IPCP ConfNak id=0x1 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>");
    out = c.d.input(kModemNak1);
    EXPECT_EQ(only_packet(out), kOurReq2);
    EXPECT_EQ(c.describe(kOurReq2),
              "IPCP ConfReq id=0x2 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>");

    EXPECT_EQ(c.describe(kModemReq1), "IPCP ConfReq id=0x1");
    out = c.d.input(kModemReq1);
    EXPECT_EQ(only_packet(out), kOurAck1) << "asked once already: the second empty request is acked";
    EXPECT_EQ(c.describe(kOurAck1), "IPCP ConfAck id=0x1");
    EXPECT_EQ(c.fsm.state(), FsmState::ack_sent);

    EXPECT_EQ(c.describe(kModemAck2),
              "IPCP ConfAck id=0x2 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>");
    out = c.d.input(kModemAck2);
    EXPECT_EQ(trace(out), "tlu");
    EXPECT_EQ(c.fsm.state(), FsmState::opened);

    const IpcpResult& r = c.handler.result();
    EXPECT_EQ(r.local, kLocal);
    EXPECT_EQ(r.remote, Ipv4{}) << "the EC20 never says its own address";
    EXPECT_EQ(r.dns1, kDns1);
    EXPECT_EQ(r.dns2, kDns2);
}

// The EC20's side: it asks for nothing and assigns the client's address and DNS through Naks.
TEST(GoldenEc20, IpcpNetworkSideNaksAndAcks) {
    Ipcp n(network_config());
    EXPECT_EQ(only_packet(n.d.open_and_up()), hex("01 01 00 04"));

    // The client's first request, as pppd sends it.
    EXPECT_EQ(only_packet(n.d.input(kOurReq1)), kModemNak1);
    EXPECT_EQ(only_packet(n.d.input(kOurReq2)), hex("02 02 00 16 03 06 0a 12 0e d8 81 06 dd 06 04 42 83 06 3a f0 39 21"));
    EXPECT_EQ(n.fsm.state(), FsmState::ack_sent);
    EXPECT_EQ(trace(n.d.input(hex("02 01 00 04"))), "tlu");
    EXPECT_EQ(n.handler.result().remote, kLocal);
    EXPECT_EQ(n.handler.result().local, Ipv4{});
}

// Client and network side back to back over a perfect line: both open, same numbers.
TEST(GoldenEc20, IpcpClientAgainstNetworkSide) {
    Ipcp c;
    Ipcp n(network_config());
    std::deque<std::pair<bool, Bytes>> wire;  // (to the network side?, packet)
    for (auto& p : sent(c.d.open_and_up())) wire.emplace_back(true, p);
    for (auto& p : sent(n.d.open_and_up())) wire.emplace_back(false, p);
    std::vector<std::string> log;
    int steps = 0;
    while (!wire.empty() && steps++ < 50) {
        auto [to_network, p] = wire.front();
        wire.pop_front();
        log.push_back(std::string(to_network ? "c>n " : "n>c ") + c.describe(p));
        for (auto& r : sent((to_network ? n : c).d.input(p))) wire.emplace_back(!to_network, r);
    }
    EXPECT_EQ(c.fsm.state(), FsmState::opened);
    EXPECT_EQ(n.fsm.state(), FsmState::opened);
    EXPECT_EQ(c.handler.result().local, kLocal);
    EXPECT_EQ(c.handler.result().dns1, kDns1);
    EXPECT_EQ(c.handler.result().dns2, kDns2);
    EXPECT_EQ(n.handler.result().remote, kLocal);
    const std::vector<std::string> expected = {
        "c>n IPCP ConfReq id=0x1 <addr 0.0.0.0> <ms-dns1 0.0.0.0> <ms-dns2 0.0.0.0>",
        "n>c IPCP ConfReq id=0x1",
        "n>c IPCP ConfNak id=0x1 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>",
        "c>n IPCP ConfNak id=0x1 <addr 0.0.0.0>",
        "c>n IPCP ConfReq id=0x2 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>",
        "n>c IPCP ConfReq id=0x2",
        "n>c IPCP ConfAck id=0x2 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>",
        "c>n IPCP ConfAck id=0x2",
    };
    EXPECT_EQ(log, expected);
}

}  // namespace
}  // namespace ec20ppp::ipcp
