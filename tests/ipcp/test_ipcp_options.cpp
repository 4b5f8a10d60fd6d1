// IPCP options (RFC 1332 §3, RFC 1877 §1) in both roles, beyond the golden dial: addresses,
// DNS rejected or acked as 0.0.0.0, compression and NBNS rejected, malformed values, and the
// limits of the automaton applied to IPCP.
#include <gtest/gtest.h>

#include "../ppp/fsm_test_util.hpp"
#include "ipcp/ipcp.hpp"

namespace ec20ppp::ipcp {
namespace {

using namespace ec20ppp::test;
using ppp::Code;
using ppp::FsmState;

struct Ipcp {
    explicit Ipcp(IpcpConfig c = {}) : handler(c), fsm(handler) {}
    IpcpHandler handler;
    ppp::OptionFsm fsm;
    Driver d{fsm};
    Bytes start() { return only_packet(d.open_and_up()); }
    Bytes reply_to(const Bytes& options, std::uint8_t id = 0x40) {
        return only_packet(d.input(packet(Code::configure_request, id, options)));
    }
    std::string describe(const Bytes& p) const { return ppp::describe_control_packet(handler, p); }
};

std::string describe_option(const Bytes& option) {
    IpcpHandler h{IpcpConfig{}};
    ppp::OptionReader r(option);
    auto o = r.next();
    EXPECT_TRUE(o);
    return o ? h.describe_option(*o) : "";
}

// --- RFC 1877: the peer rejects DNS ---------------------------------------------------------

TEST(Rfc1877_1, PeerRejectingDnsStillOpensWithoutDns) {
    Ipcp c;
    c.start();
    EXPECT_EQ(only_packet(c.d.input(packet(Code::configure_reject, 1, hex("81 06 00 00 00 00 83 06 00 00 00 00")))),
              packet(Code::configure_request, 2, hex("03 06 00 00 00 00")));
    EXPECT_EQ(only_packet(c.d.input(packet(Code::configure_nak, 2, hex("03 06 0a 00 00 05")))),
              packet(Code::configure_request, 3, hex("03 06 0a 00 00 05")));
    EXPECT_EQ(c.reply_to(hex("03 06 0a 00 00 01")), packet(Code::configure_ack, 0x40, hex("03 06 0a 00 00 01")));
    EXPECT_EQ(trace(c.d.input(packet(Code::configure_ack, 3, hex("03 06 0a 00 00 05")))), "tlu");
    EXPECT_EQ(c.handler.result().local, Ipv4{0x0a000005});
    EXPECT_EQ(c.handler.result().remote, Ipv4{0x0a000001});
    EXPECT_FALSE(c.handler.result().dns1);
    EXPECT_FALSE(c.handler.result().dns2);
}

TEST(Rfc1877_1, OnlySecondaryDnsRejected) {
    Ipcp c;
    c.start();
    EXPECT_EQ(only_packet(c.d.input(packet(Code::configure_reject, 1, hex("83 06 00 00 00 00")))),
              packet(Code::configure_request, 2, hex("03 06 00 00 00 00 81 06 00 00 00 00")));
}

// RFC 1877 §1.1: a peer that Acks 0.0.0.0 gave us no server.
TEST(Rfc1877_1, DnsAckedAsZeroGivesNoServer) {
    Ipcp c;
    Bytes req = c.start();
    c.reply_to({});  // Nak'd once (ask for its address)
    c.reply_to({});  // then acked
    c.d.input(packet(Code::configure_ack, 1, Bytes(req.begin() + 4, req.end())));
    ASSERT_EQ(c.fsm.state(), FsmState::opened);
    EXPECT_EQ(c.handler.result().local, Ipv4{}) << "acked as 0.0.0.0";
    EXPECT_FALSE(c.handler.result().dns1);
    EXPECT_FALSE(c.handler.result().dns2);
}

// A client has no DNS servers to hand out: the peer's DNS request is rejected.
TEST(Rfc1877_1, ClientRejectsPeerAskingItForDns) {
    Ipcp c;
    c.start();
    EXPECT_EQ(c.reply_to(hex("81 06 00 00 00 00 83 06 00 00 00 00")),
              packet(Code::configure_reject, 0x40, hex("81 06 00 00 00 00 83 06 00 00 00 00")));
}

TEST(Rfc1877_1, NetworkSideAcksTheRightDnsAndNaksAWrongOne) {
    IpcpConfig n;
    n.request_address = false;
    n.request_dns = false;
    n.ask_peer_address = false;
    n.dns1 = Ipv4{0x08080808};
    Ipcp s(n);
    s.start();
    EXPECT_EQ(s.reply_to(hex("81 06 08 08 08 08")), packet(Code::configure_ack, 0x40, hex("81 06 08 08 08 08")));
    EXPECT_EQ(s.reply_to(hex("81 06 01 01 01 01")), packet(Code::configure_nak, 0x40, hex("81 06 08 08 08 08")));
    // No secondary configured: rejected (RFC 1877 §1.1).
    EXPECT_EQ(s.reply_to(hex("81 06 08 08 08 08 83 06 00 00 00 00")),
              packet(Code::configure_reject, 0x40, hex("83 06 00 00 00 00")));
}

// RFC 1877 §1.2/1.4: NetBIOS name servers are not offered.
TEST(Rfc1877_1, NbnsIsRejected) {
    Ipcp c;
    c.start();
    EXPECT_EQ(c.reply_to(hex("03 06 0a 00 00 01 82 06 00 00 00 00 84 06 00 00 00 00")),
              packet(Code::configure_reject, 0x40, hex("82 06 00 00 00 00 84 06 00 00 00 00")));
}

// --- RFC 1332 §3.2 IP-Compression-Protocol ----------------------------------------------------

TEST(Rfc1332_3_2, VanJacobsonCompressionIsRejected) {
    Ipcp c;
    c.start();
    EXPECT_EQ(c.reply_to(hex("02 06 00 2d 0f 01 03 06 0a 00 00 01")),
              packet(Code::configure_reject, 0x40, hex("02 06 00 2d 0f 01")));
}

// RFC 1332 §3.1: the deprecated IP-Addresses option is rejected too.
TEST(Rfc1332_3_1, IpAddressesOptionIsRejected) {
    Ipcp c;
    c.start();
    EXPECT_EQ(c.reply_to(hex("01 0a 0a 00 00 01 0a 00 00 02")),
              packet(Code::configure_reject, 0x40, hex("01 0a 0a 00 00 01 0a 00 00 02")));
}

// --- RFC 1332 §3.3 IP-Address -------------------------------------------------------------------

TEST(Rfc1332_3_3, PeerAddressIsAckedAndBecomesRemote) {
    Ipcp c;
    Bytes req = c.start();
    EXPECT_EQ(c.reply_to(hex("03 06 0a 40 40 40")), packet(Code::configure_ack, 0x40, hex("03 06 0a 40 40 40")));
    c.d.input(packet(Code::configure_ack, 1, Bytes(req.begin() + 4, req.end())));
    EXPECT_EQ(c.handler.result().remote, kDefaultRemote);
}

// pppd: "Don't ACK an address of 0.0.0.0 - reject it instead" when we know none for the peer.
TEST(Rfc1332_3_3, PeerAskingForAnAddressWeDoNotHaveIsRejected) {
    Ipcp c;
    c.start();
    EXPECT_EQ(c.reply_to(hex("03 06 00 00 00 00")), packet(Code::configure_reject, 0x40, hex("03 06 00 00 00 00")));
}

TEST(Rfc1332_3_3, PeerAskingForAnAddressIsNakdWithTheOneWeHaveForIt) {
    IpcpConfig cfg;
    cfg.remote = Ipv4{0x0a000002};
    Ipcp c(cfg);
    c.start();
    EXPECT_EQ(c.reply_to(hex("03 06 00 00 00 00")), packet(Code::configure_nak, 0x40, hex("03 06 0a 00 00 02")));
    // accept_remote (default): a different non-zero address the peer insists on is fine.
    EXPECT_EQ(c.reply_to(hex("03 06 0a 00 00 09")), packet(Code::configure_ack, 0x40, hex("03 06 0a 00 00 09")));
}

TEST(Rfc1332_3_3, WithoutAcceptRemoteTheWrongAddressIsNakd) {
    IpcpConfig cfg;
    cfg.remote = Ipv4{0x0a000002};
    cfg.accept_remote = false;
    Ipcp c(cfg);
    c.start();
    EXPECT_EQ(c.reply_to(hex("03 06 0a 00 00 09")), packet(Code::configure_nak, 0x40, hex("03 06 0a 00 00 02")));
    EXPECT_EQ(c.reply_to(hex("03 06 0a 00 00 02")), packet(Code::configure_ack, 0x40, hex("03 06 0a 00 00 02")));
}

// After Max-Failure (5 Naks) the disagreement becomes a Reject (RFC 1661 §4.6).
TEST(Rfc1332_3_3, PersistentWrongAddressIsRejectedAfterMaxFailure) {
    IpcpConfig cfg;
    cfg.remote = Ipv4{0x0a000002};
    cfg.accept_remote = false;
    Ipcp c(cfg);
    c.start();
    for (int i = 0; i < 5; ++i) EXPECT_EQ(c.reply_to(hex("03 06 0a 00 00 09"))[0], 3) << i;
    EXPECT_EQ(c.reply_to(hex("03 06 0a 00 00 09")), packet(Code::configure_reject, 0x40, hex("03 06 0a 00 00 09")));
}

TEST(Rfc1332_3_3, MalformedAddressIsRejected) {
    Ipcp c;
    c.start();
    EXPECT_EQ(c.reply_to(hex("03 05 0a 00 00")), packet(Code::configure_reject, 0x40, hex("03 05 0a 00 00")));
    EXPECT_EQ(c.reply_to(hex("81 07 08 08 08 08 00")), packet(Code::configure_reject, 0x40, hex("81 07 08 08 08 08 00")));
}

TEST(Rfc1332_3_3, NakWithMalformedAddressIsDropped) {
    Ipcp c;
    c.start();
    EXPECT_TRUE(sent(c.d.input(packet(Code::configure_nak, 1, hex("03 05 0a 00 00")))).empty());
    EXPECT_EQ(c.fsm.state(), FsmState::req_sent);
}

TEST(Rfc1332_3_3, WithoutAcceptLocalANakdAddressIsNotTaken) {
    IpcpConfig cfg;
    cfg.local = Ipv4{0xc0a80001};
    cfg.accept_local = false;
    cfg.request_dns = false;
    Ipcp c(cfg);
    EXPECT_EQ(c.start(), packet(Code::configure_request, 1, hex("03 06 c0 a8 00 01")));
    EXPECT_EQ(only_packet(c.d.input(packet(Code::configure_nak, 1, hex("03 06 0a 00 00 05")))),
              packet(Code::configure_request, 2, hex("03 06 c0 a8 00 01")));
}

TEST(Rfc1332_3_3, RejectOfOurAddressFallsBackToTheConfiguredOne) {
    IpcpConfig cfg;
    cfg.local = Ipv4{0xc0a80001};
    cfg.request_dns = false;
    Ipcp c(cfg);
    c.start();
    Bytes next = only_packet(c.d.input(packet(Code::configure_reject, 1, hex("03 06 c0 a8 00 01"))));
    EXPECT_EQ(next, packet(Code::configure_request, 2, {}));
    c.reply_to(hex("03 06 0a 00 00 01"));
    c.d.input(packet(Code::configure_ack, 2, {}));
    ASSERT_EQ(c.fsm.state(), FsmState::opened);
    EXPECT_EQ(c.handler.result().local, Ipv4{0xc0a80001});
}

TEST(Rfc1332_3_3, RejectOfAnOptionWeDidNotSendIsDropped) {
    IpcpConfig cfg;
    cfg.request_dns = false;
    Ipcp c(cfg);
    c.start();
    EXPECT_TRUE(sent(c.d.input(packet(Code::configure_reject, 1, hex("81 06 00 00 00 00")))).empty());
    EXPECT_TRUE(sent(c.d.input(packet(Code::configure_reject, 1, hex("02 06 00 2d 0f 01")))).empty());
}

TEST(Rfc1332_3_3, NakHintsForOptionsWeDoNotRequestAreIgnored) {
    IpcpConfig cfg;
    cfg.request_dns = false;
    Ipcp c(cfg);
    c.start();
    EXPECT_EQ(only_packet(c.d.input(packet(Code::configure_nak, 1, hex("81 06 08 08 08 08 02 06 00 2d 0f 01")))),
              packet(Code::configure_request, 2, hex("03 06 00 00 00 00")));
}

// The Nak-received limit (treat_as_reject) drops an option the peer never lets us have.
TEST(Rfc1332_3_3, NeverConvergingNaksDropTheOption) {
    IpcpConfig cfg;
    cfg.request_address = false;
    Ipcp c(cfg);
    Bytes req = c.start();
    for (int i = 0; i < 10; ++i) req = only_packet(c.d.input(packet(Code::configure_nak, req[1], hex("81 06 00 00 00 00"))));
    EXPECT_EQ(Bytes(req.begin() + 4, req.end()), hex("83 06 00 00 00 00")) << "primary DNS no longer requested";
}

// IPCP uses codes 1-7 only (RFC 1332 §2): others are Code-Rejected.
TEST(Rfc1332_2, LcpOnlyCodesAreCodeRejected) {
    Ipcp c;
    c.start();
    EXPECT_EQ(only_packet(c.d.input(hex("09 01 00 08 00 00 00 00"))), hex("07 02 00 0c 09 01 00 08 00 00 00 00"));
}

TEST(PppdText, IpcpOptionNames) {
    EXPECT_EQ(describe_option(hex("03 06 0a 12 0e d8")), "addr 10.18.14.216");
    EXPECT_EQ(describe_option(hex("81 06 dd 06 04 42")), "ms-dns1 221.6.4.66");
    EXPECT_EQ(describe_option(hex("83 06 3a f0 39 21")), "ms-dns2 58.240.57.33");
    EXPECT_EQ(describe_option(hex("82 06 0a 00 00 01")), "ms-wins 10.0.0.1");
    EXPECT_EQ(describe_option(hex("84 06 0a 00 00 02")), "ms-wins 10.0.0.2");
    EXPECT_EQ(describe_option(hex("02 06 00 2d 0f 01")), "compress VJ 0f 01");
    EXPECT_EQ(describe_option(hex("01 0a 0a 00 00 01 0a 00 00 02")), "addrs 10.0.0.1 10.0.0.2");
}

}  // namespace
}  // namespace ec20ppp::ipcp
