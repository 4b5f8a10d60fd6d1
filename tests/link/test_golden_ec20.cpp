// Golden test: the real EC20 dial from the field notes (pppd's log), replayed packet by packet
// against our client. Every line we log must equal pppd's line for the same moment.
#include <gtest/gtest.h>

#include <algorithm>

#include "line_sim.hpp"
#include "support/hex.hpp"
#include "link/presets.hpp"

using namespace ec20ppp;
using namespace std::chrono_literals;
using testsupport::hex;
using testsupport::operator+;

namespace {



// A RandomSource that yields fixed bytes first: pppd's magic in the log was 0xaee1219c.
RandomSource scripted_random(Bytes first) {
    auto state = std::make_shared<std::pair<Bytes, std::size_t>>(std::move(first), 0);
    return [state](std::span<std::uint8_t> out) {
        for (auto& b : out) b = state->second < state->first.size() ? state->first[state->second++] : 0x5a;
    };
}

std::vector<std::string> packet_lines(const link::LinkEvents& events) {
    std::vector<std::string> lines;
    for (const auto& e : events) {
        if (auto* l = std::get_if<LogLine>(&e)) {
            if (l->text.starts_with("sent [") || l->text.starts_with("rcvd [") || l->text.find("IP address") != std::string::npos ||
                l->text.find("DNS address") != std::string::npos || l->text.starts_with("Could not determine"))
                lines.push_back(l->text);
        }
    }
    return lines;
}

}  // namespace

TEST(GoldenEc20, ClientDialMatchesPppdLogLineForLine) {
    auto config = link::client_config("user", "passwd");
    config.echo_interval = 30s;  // /etc/ppp/options: lcp-echo-interval 30
    link::Link client(config, scripted_random(hex("aee1219c")));
    link::LinkEvents out;
    TimePoint t{};

    client.lower_up(t, out);
    // The modem's packets, byte for byte as the EC20 sent them.
    client.receive(proto::lcp, hex("01 00 00 19 02 06 00000000 03 05 c223 05 05 06 c63dcf81 07 02 08 02"), t, out);
    client.receive(proto::lcp, hex("02 01 00 14 02 06 00000000 05 06 aee1219c 07 02 08 02"), t, out);
    client.receive(proto::lcp, hex("0b 01 00 08 c63dcf81"), t, out);
    client.receive(proto::chap, hex("01 01 00 23 10 2e750da5c19ad54e1b3f558a3cf46c95") + [] {
        std::string n = "UMTS_CHAP_SRVR";
        return Bytes(n.begin(), n.end());
    }(), t, out);
    client.receive(proto::lcp, hex("0a 00 00 0c c63dcf81 aee1219c"), t, out);
    client.receive(proto::chap, hex("03 01 00 04"), t, out);
    client.receive(proto::ipcp, hex("01 00 00 04"), t, out);
    client.receive(proto::ipcp, hex("03 01 00 16 03 06 0a120ed8 81 06 dd060442 83 06 3af03921"), t, out);
    client.receive(proto::ipcp, hex("01 01 00 04"), t, out);
    client.receive(proto::ipcp, hex("02 02 00 16 03 06 0a120ed8 81 06 dd060442 83 06 3af03921"), t, out);

    const std::vector<std::string> pppd_log = {
        "sent [LCP ConfReq id=0x1 <asyncmap 0x0> <magic 0xaee1219c> <pcomp> <accomp>]",
        "rcvd [LCP ConfReq id=0x0 <asyncmap 0x0> <auth chap MD5> <magic 0xc63dcf81> <pcomp> <accomp>]",
        "sent [LCP ConfAck id=0x0 <asyncmap 0x0> <auth chap MD5> <magic 0xc63dcf81> <pcomp> <accomp>]",
        "rcvd [LCP ConfAck id=0x1 <asyncmap 0x0> <magic 0xaee1219c> <pcomp> <accomp>]",
        "sent [LCP EchoReq id=0x0 magic=0xaee1219c]",
        "rcvd [LCP DiscReq id=0x1 magic=0xc63dcf81]",
        "rcvd [CHAP Challenge id=0x1 <2e750da5c19ad54e1b3f558a3cf46c95>, name = \"UMTS_CHAP_SRVR\"]",
        "sent [CHAP Response id=0x1 <61712dbe7c3685e20e294713ff4f0a6b>, name = \"user\"]",
        "rcvd [LCP EchoRep id=0x0 magic=0xc63dcf81 ae e1 21 9c]",
        "rcvd [CHAP Success id=0x1 \"\"]",
        "sent [IPCP ConfReq id=0x1 <addr 0.0.0.0> <ms-dns1 0.0.0.0> <ms-dns2 0.0.0.0>]",
        "rcvd [IPCP ConfReq id=0x0]",
        "sent [IPCP ConfNak id=0x0 <addr 0.0.0.0>]",
        "rcvd [IPCP ConfNak id=0x1 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>]",
        "sent [IPCP ConfReq id=0x2 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>]",
        "rcvd [IPCP ConfReq id=0x1]",
        "sent [IPCP ConfAck id=0x1]",
        "rcvd [IPCP ConfAck id=0x2 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>]",
        "Could not determine remote IP address: defaulting to 10.64.64.64",
        "local  IP address 10.18.14.216",
        "remote IP address 10.64.64.64",
        "primary   DNS address 221.6.4.66",
        "secondary DNS address 58.240.57.33",
    };
    EXPECT_EQ(packet_lines(out), pppd_log);

    auto up = std::find_if(out.begin(), out.end(), [](auto& e) { return std::holds_alternative<link::Ipv4Up>(e); });
    ASSERT_NE(up, out.end());
    const auto& ip = std::get<link::Ipv4Up>(*up);
    EXPECT_EQ(to_string(ip.local), "10.18.14.216");
    EXPECT_EQ(to_string(ip.remote), "10.64.64.64");
    EXPECT_TRUE(ip.remote_assumed);
    EXPECT_EQ(to_string(*ip.dns1), "221.6.4.66");
    EXPECT_EQ(to_string(*ip.dns2), "58.240.57.33");
    EXPECT_EQ(client.phase(), link::Phase::running);

    // The negotiated framing: the modem asked for asyncmap 0, pcomp and accomp.
    EXPECT_EQ(client.lcp_result().tx_accm, 0u);
    EXPECT_TRUE(client.lcp_result().tx_pfc);
    EXPECT_TRUE(client.lcp_result().tx_acfc);
    EXPECT_EQ(client.lcp_result().we_authenticate_with, lcp::AuthProtocol::chap_md5);
}

TEST(GoldenEc20, NetworkSideSpeaksLikeTheModem) {
    // Our simulated modem's first packets must be the EC20's, byte for byte where the EC20's
    // are deterministic (its magic, CHAP id and challenge are random: we feed the log's values).
    link::Ec20NetworkPlan plan;
    link::Link modem(link::ec20_network_config(plan), scripted_random(hex("c63dcf81") + hex("01") + hex("2e750da5c19ad54e1b3f558a3cf46c95")));
    link::LinkEvents out;
    TimePoint t{};
    modem.lower_up(t, out);
    // pppd's request from the log, then its Ack of the modem's request.
    modem.receive(proto::lcp, hex("01 01 00 14 02 06 00000000 05 06 aee1219c 07 02 08 02"), t, out);
    modem.receive(proto::lcp, hex("02 00 00 19 02 06 00000000 03 05 c223 05 05 06 c63dcf81 07 02 08 02"), t, out);
    auto lines = packet_lines(out);
    ASSERT_GE(lines.size(), 6u);
    EXPECT_EQ(lines[0], "sent [LCP ConfReq id=0x0 <asyncmap 0x0> <auth chap MD5> <magic 0xc63dcf81> <pcomp> <accomp>]");
    EXPECT_EQ(lines[1], "rcvd [LCP ConfReq id=0x1 <asyncmap 0x0> <magic 0xaee1219c> <pcomp> <accomp>]");
    EXPECT_EQ(lines[2], "sent [LCP ConfAck id=0x1 <asyncmap 0x0> <magic 0xaee1219c> <pcomp> <accomp>]");
    EXPECT_EQ(lines[4], "sent [LCP DiscReq id=0x1 magic=0xc63dcf81]");
    EXPECT_EQ(lines[5], "sent [CHAP Challenge id=0x1 <2e750da5c19ad54e1b3f558a3cf46c95>, name = \"UMTS_CHAP_SRVR\"]");
    EXPECT_EQ(modem.phase(), link::Phase::authenticate);

    // pppd's real response authenticates; the modem then opens IPCP with an empty ConfReq.
    Bytes response = hex("02 01 00 19 10 61712dbe7c3685e20e294713ff4f0a6b 75736572");
    out.clear();
    modem.receive(proto::chap, response, t, out);
    lines = packet_lines(out);
    ASSERT_GE(lines.size(), 3u);
    EXPECT_EQ(lines[1], "sent [CHAP Success id=0x1 \"Welcome\"]");
    EXPECT_EQ(lines[2], "sent [IPCP ConfReq id=0x0]");
    // pppd's request for 0.0.0.0 and both DNS is Nak'd with the plan's values (the log's Nak).
    out.clear();
    modem.receive(proto::ipcp, hex("01 01 00 16 03 06 00000000 81 06 00000000 83 06 00000000"), t, out);
    lines = packet_lines(out);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[1], "sent [IPCP ConfNak id=0x1 <addr 10.18.14.216> <ms-dns1 221.6.4.66> <ms-dns2 58.240.57.33>]");
}
