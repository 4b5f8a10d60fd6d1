// RFC 1334 §2 PAP: codec, descriptions (the password never shows), both roles and the two
// talking to each other, with fake time.
#include <gtest/gtest.h>

#include <map>

#include "auth_test_util.hpp"
#include "chap/pap.hpp"

namespace ec20ppp::chap {
namespace {

using namespace std::chrono_literals;
using test::concat;
using test::deliver;
using test::events_of;
using test::has_log_containing;
using test::hex;
using test::log_lines;
using test::sent;
using test::t0;
using test::text;

// Code 1, id 1, Length 4 + 1 + 4 + 1 + 6 = 16, Peer-ID "user", Password "passwd".
Bytes auth_request(std::uint8_t id = 1, std::string_view user = "user",
                   std::string_view password = "passwd") {
    PapPacket p;
    p.code = PapCode::authenticate_request;
    p.id = id;
    p.peer_id = std::string(user);
    p.password = std::string(password);
    return p.serialize();
}

Bytes reply(PapCode code, std::uint8_t id, std::string_view message) {
    PapPacket p;
    p.code = code;
    p.id = id;
    p.message = std::string(message);
    return p.serialize();
}

SecretLookup passwords(std::map<std::string, std::string, std::less<>> table) {
    return [table = std::move(table)](std::string_view name) -> std::optional<std::string> {
        const auto it = table.find(name);
        if (it == table.end()) return std::nullopt;
        return it->second;
    };
}

std::string parse_error(const Bytes& packet) {
    std::string error;
    EXPECT_FALSE(PapPacket::parse(packet, &error).has_value());
    return error;
}

// --- codec ------------------------------------------------------------------------------------

TEST(chap_pap_packet, Rfc1334_2_2_1_AuthRequestFormat) {
    const Bytes bytes = concat({hex("01010010" "04"), text("user"), hex("06"), text("passwd")});
    EXPECT_EQ(auth_request(), bytes);
    const auto p = PapPacket::parse(bytes);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, PapCode::authenticate_request);
    EXPECT_EQ(p->id, 1);
    EXPECT_EQ(p->peer_id, "user");
    EXPECT_EQ(p->password, "passwd");
}

TEST(chap_pap_packet, Rfc1334_2_2_1_EmptyPeerIdAndPasswordAreValid) {
    const auto p = PapPacket::parse(hex("0102000600" "00"));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->peer_id, "");
    EXPECT_EQ(p->password, "");
}

TEST(chap_pap_packet, Rfc1334_2_2_2_AckAndNakFormat) {
    const Bytes ack = concat({hex("0201000d" "08"), text("Login ok")});
    EXPECT_EQ(reply(PapCode::authenticate_ack, 1, "Login ok"), ack);
    const auto a = PapPacket::parse(ack);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->code, PapCode::authenticate_ack);
    EXPECT_EQ(a->message, "Login ok");

    const Bytes nak = concat({hex("03090014" "0f"), text("Login incorrect")});
    EXPECT_EQ(reply(PapCode::authenticate_nak, 9, "Login incorrect"), nak);
    const auto n = PapPacket::parse(nak);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->code, PapCode::authenticate_nak);
    EXPECT_EQ(n->id, 9);
    EXPECT_EQ(n->message, "Login incorrect");
}

TEST(chap_pap_packet, Rfc1334_2_2_2_BareAckWithoutMsgLengthIsTolerated) {
    const auto a = PapPacket::parse(hex("02050004"));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->code, PapCode::authenticate_ack);
    EXPECT_EQ(a->message, "");
}

TEST(chap_pap_packet, Rfc1334_2_2_OctetsBeyondLengthArePadding) {
    Bytes padded = auth_request();
    padded.insert(padded.end(), {0xde, 0xad});
    const auto p = PapPacket::parse(padded);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->password, "passwd");
}

TEST(chap_pap_packet, Rfc1334_2_2_TruncatedAndBadLengthsAreRejected) {
    EXPECT_EQ(parse_error(hex("010100")), "length 3 < 4");
    EXPECT_EQ(parse_error(hex("01010002")), "Length field 2 < 4");
    EXPECT_EQ(parse_error(hex("01010014" "0475736572067061737377640000")),
              "Length field 20 > 18 octets received");
    EXPECT_EQ(parse_error(hex("01010004")), "no Peer-ID-Length octet");
    EXPECT_EQ(parse_error(hex("0101000609aa")), "Peer-ID-Length 9 > 1 octets left");
    EXPECT_EQ(parse_error(hex("0101000702aabb")), "no Passwd-Length octet");
    EXPECT_EQ(parse_error(hex("0101000801aa07bb")), "Passwd-Length 7 > 1 octets left");
    EXPECT_EQ(parse_error(hex("020100060541")), "Msg-Length 5 > 1 octets left");
    EXPECT_EQ(parse_error(hex("04010004")), "unknown code 0x4");
}

TEST(chap_pap_packet, Rfc1334_2_2_EveryTruncationOfARequestIsRejectedNotCrashed) {
    const Bytes whole = auth_request();
    for (std::size_t n = 0; n < whole.size(); ++n) {
        const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_FALSE(PapPacket::parse(cut)) << n;
        const std::string d = describe_pap(cut);
        EXPECT_EQ(d.find("passwd"), std::string::npos) << d;
        EXPECT_EQ(d.find(to_hex(as_bytes("passwd"))), std::string::npos) << d;
    }
}

TEST(chap_pap_packet, Rfc1334_2_2_1_SerializeCapsFieldsAt255Octets) {
    PapPacket p;
    p.peer_id.assign(300, 'u');
    p.password.assign(300, 'p');
    const Bytes b = p.serialize();
    EXPECT_EQ(b.size(), 4u + 1 + 255 + 1 + 255);
    const auto back = PapPacket::parse(b);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->peer_id.size(), 255u);
    EXPECT_EQ(back->password.size(), 255u);
}

// --- describe_pap -----------------------------------------------------------------------------

TEST(chap_pap_describe, RequestHidesThePassword) {
    EXPECT_EQ(describe_pap(auth_request()), "PAP AuthReq id=0x1 user=\"user\" password=<hidden>");
}

TEST(chap_pap_describe, AckAndNakQuoteTheMessage) {
    EXPECT_EQ(describe_pap(reply(PapCode::authenticate_ack, 1, "Login ok")),
              "PAP AuthAck id=0x1 \"Login ok\"");
    EXPECT_EQ(describe_pap(reply(PapCode::authenticate_nak, 0x2a, "bad\tpass")),
              "PAP AuthNak id=0x2a \"bad\\tpass\"");
}

TEST(chap_pap_describe, MalformedPacketsNeverShowARequestBody) {
    // Passwd-Length runs past Length: the request body may hold a password, so it is hidden.
    Bytes bad = concat({hex("01030010" "04"), text("user"), hex("09"), text("passwd")});
    EXPECT_EQ(describe_pap(bad), "PAP AuthReq id=0x3 <12 octets hidden>");
    EXPECT_EQ(describe_pap(hex("0201000609")), "PAP AuthAck id=0x1 <09>");
    EXPECT_EQ(describe_pap(hex("07")), "PAP code=0x7");
    EXPECT_EQ(describe_pap({}), "PAP <>");
}

// --- PapClient --------------------------------------------------------------------------------

TEST(chap_pap_client, Rfc1334_2_2_1_StartSendsAuthRequestAndAckSucceeds) {
    PapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    ASSERT_EQ(sent(out, proto::pap), std::vector<Bytes>{auth_request(1)});
    EXPECT_EQ(client.next_timeout(), t0 + 3s);

    out.clear();
    client.input(reply(PapCode::authenticate_ack, 1, "Login ok"), t0 + 1s, out);
    EXPECT_EQ(events_of<AuthSucceeded>(out).size(), 1u);
    EXPECT_EQ(log_lines(out), std::vector<std::string>{"PAP authentication succeeded: \"Login ok\""});
    EXPECT_TRUE(client.succeeded());
    EXPECT_FALSE(client.next_timeout());

    out.clear();
    client.input(reply(PapCode::authenticate_ack, 1, "Login ok"), t0 + 2s, out);
    EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
}

TEST(chap_pap_client, Rfc1334_2_2_2_NakFailsWithThePeersMessage) {
    PapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    out.clear();
    client.input(reply(PapCode::authenticate_nak, 1, "Login incorrect"), t0, out);
    const auto failed = events_of<AuthFailed>(out);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_NE(failed[0].reason.find("\"Login incorrect\""), std::string::npos) << failed[0].reason;
    EXPECT_NE(failed[0].reason.find("\"user\""), std::string::npos);
    EXPECT_TRUE(client.failed());
    EXPECT_FALSE(client.next_timeout());
}

TEST(chap_pap_client, Rfc1334_2_2_1_RetransmitsWithNewIdsThenGivesUp) {
    PapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    for (int i = 1; i < 10; ++i) {
        const TimePoint due = t0 + 3s * i;
        ASSERT_EQ(client.next_timeout(), due);
        client.on_timeout(due - 1ms, out);
        client.on_timeout(due, out);
    }
    const auto packets = sent(out, proto::pap);
    ASSERT_EQ(packets.size(), 10u);
    for (std::size_t i = 0; i < packets.size(); ++i) {
        // "The Identifier field MUST be changed each time an Authenticate-Request packet is
        // issued."
        EXPECT_EQ(packets[i], auth_request(static_cast<std::uint8_t>(i + 1))) << i;
    }
    EXPECT_TRUE(events_of<AuthFailed>(out).empty());
    out.clear();
    client.on_timeout(t0 + 30s, out);
    EXPECT_TRUE(sent(out, proto::pap).empty());
    const auto failed = events_of<AuthFailed>(out);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_NE(failed[0].reason.find("did not answer our PAP Authenticate-Request (sent 10 times"),
              std::string::npos)
        << failed[0].reason;
}

TEST(chap_pap_client, Rfc1334_2_2_2_LateAckToAnEarlierRequestCountsButUnknownIdsDoNot) {
    PapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    client.on_timeout(t0 + 3s, out);  // request id 2
    out.clear();
    client.input(reply(PapCode::authenticate_ack, 7, ""), t0 + 3s, out);
    EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
    EXPECT_EQ(log_lines(out), std::vector<std::string>{
                                  "dropped PAP AuthAck id=0x7: it answers no Authenticate-Request we sent"});
    out.clear();
    client.input(reply(PapCode::authenticate_ack, 1, ""), t0 + 4s, out);
    EXPECT_EQ(events_of<AuthSucceeded>(out).size(), 1u);
}

TEST(chap_pap_client, CredentialsTooLongForRfc1334FailAtStart) {
    PapClient client("user", std::string(256, 'p'));
    AuthOutputs out;
    client.start(t0, out);
    EXPECT_TRUE(sent(out, proto::pap).empty());
    EXPECT_EQ(events_of<AuthFailed>(out).size(), 1u);
    EXPECT_FALSE(client.next_timeout());
}

TEST(chap_pap_client, Rfc1334_2_2_MalformedAndMisdirectedPacketsAreDropped) {
    PapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    out.clear();
    client.input(hex("02"), t0, out);
    client.input(auth_request(1, "evil", "x"), t0, out);
    EXPECT_TRUE(sent(out, proto::pap).empty());
    EXPECT_EQ(log_lines(out),
              (std::vector<std::string>{"dropped malformed PAP packet: length 1 < 4",
                                        "dropped PAP AuthReq id=0x1: we are the side being authenticated"}));
}

// --- PapAuthenticator -------------------------------------------------------------------------

TEST(chap_pap_authenticator, Rfc1334_2_2_2_CorrectRequestIsAckedWithItsId) {
    PapAuthenticator auth(passwords({{"user", "passwd"}}));
    AuthOutputs out;
    auth.start(t0, out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(auth.next_timeout(), t0 + 30s);
    auth.input(auth_request(0x33), t0 + 1s, out);
    EXPECT_EQ(sent(out, proto::pap),
              std::vector<Bytes>{reply(PapCode::authenticate_ack, 0x33, "Login ok")});
    const auto ok = events_of<AuthSucceeded>(out);
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0].peer_name, "user");
    EXPECT_TRUE(auth.succeeded());
    EXPECT_FALSE(auth.next_timeout());
}

TEST(chap_pap_authenticator, Rfc1334_2_2_2_WrongPasswordAndUnknownUserAreNakedWithDistinctReasons) {
    PapAuthenticator wrong_auth(passwords({{"user", "passwd"}}));
    PapAuthenticator unknown_auth(passwords({{"user", "passwd"}}));
    AuthOutputs wrong, unknown;
    wrong_auth.start(t0, wrong);
    unknown_auth.start(t0, unknown);
    wrong_auth.input(auth_request(1, "user", "passwe"), t0, wrong);
    unknown_auth.input(auth_request(1, "bob", "passwd"), t0, unknown);
    // Same answer on the wire, so a peer cannot probe for user names.
    EXPECT_EQ(sent(wrong, proto::pap),
              std::vector<Bytes>{reply(PapCode::authenticate_nak, 1, "Login incorrect")});
    EXPECT_EQ(sent(unknown, proto::pap), sent(wrong, proto::pap));
    const auto w = events_of<AuthFailed>(wrong);
    const auto u = events_of<AuthFailed>(unknown);
    ASSERT_EQ(w.size(), 1u);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_NE(w[0].reason, u[0].reason);
    EXPECT_NE(w[0].reason.find("wrong PAP password"), std::string::npos) << w[0].reason;
    EXPECT_NE(u[0].reason.find("\"bob\" has no configured password"), std::string::npos);
    EXPECT_TRUE(wrong_auth.failed());
    EXPECT_TRUE(unknown_auth.failed());
}

TEST(chap_pap_authenticator, Rfc1334_2_2_1_RepeatedRequestsGetTheSameAnswerWithoutASecondEvent) {
    PapAuthenticator good(passwords({{"user", "passwd"}}));
    AuthOutputs out;
    good.start(t0, out);
    good.input(auth_request(1), t0, out);
    out.clear();
    good.input(auth_request(2), t0 + 3s, out);
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(sent(out, proto::pap),
              std::vector<Bytes>{reply(PapCode::authenticate_ack, 2, "Login ok")});

    PapAuthenticator bad(passwords({{"user", "passwd"}}));
    out.clear();
    bad.start(t0, out);
    bad.input(auth_request(1, "user", "guess1"), t0, out);
    out.clear();
    // A second try, even with the right password, gets the same Nak: no password guessing.
    bad.input(auth_request(2, "user", "passwd"), t0 + 1s, out);
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(sent(out, proto::pap),
              std::vector<Bytes>{reply(PapCode::authenticate_nak, 2, "Login incorrect")});
}

TEST(chap_pap_authenticator, NoRequestWithinWaitForPeerFails) {
    PapAuthenticator auth(passwords({{"user", "passwd"}}));
    AuthOutputs out;
    auth.start(t0, out);
    auth.on_timeout(t0 + 29s, out);
    EXPECT_TRUE(out.empty());
    auth.on_timeout(t0 + 30s, out);
    const auto failed = events_of<AuthFailed>(out);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].reason, "the peer sent no PAP Authenticate-Request within 30 s");
    out.clear();
    auth.input(auth_request(1), t0 + 31s, out);  // too late
    EXPECT_TRUE(sent(out, proto::pap).empty());
    EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
}

TEST(chap_pap_authenticator, Rfc1334_2_2_AcksNaksAndMalformedPacketsAreDropped) {
    PapAuthenticator auth(passwords({{"user", "passwd"}}));
    AuthOutputs out;
    auth.start(t0, out);
    auth.input(reply(PapCode::authenticate_ack, 1, "x"), t0, out);
    auth.input(hex("0101000609aa"), t0, out);
    EXPECT_TRUE(sent(out, proto::pap).empty());
    EXPECT_EQ(log_lines(out),
              (std::vector<std::string>{
                  "dropped PAP AuthAck id=0x1: we are the authenticator and only expect "
                  "Authenticate-Requests",
                  "dropped malformed PAP packet: Peer-ID-Length 9 > 1 octets left"}));
    EXPECT_FALSE(auth.failed());
}

// --- in memory --------------------------------------------------------------------------------

TEST(chap_pap_exchange, Rfc1334_2_ClientAndAuthenticatorAgree) {
    PapClient client("user", "passwd");
    PapAuthenticator auth(passwords({{"user", "passwd"}}));
    AuthOutputs c_out, a_out;
    auth.start(t0, a_out);
    client.start(t0, c_out);
    const AuthOutputs verdict = deliver(c_out, auth, t0);
    const AuthOutputs end = deliver(verdict, client, t0);
    EXPECT_EQ(events_of<AuthSucceeded>(verdict).size(), 1u);
    EXPECT_EQ(events_of<AuthSucceeded>(end).size(), 1u);
    EXPECT_TRUE(client.succeeded());
    EXPECT_TRUE(auth.succeeded());
}

TEST(chap_pap_exchange, Rfc1334_2_WrongPasswordFailsOnBothSides) {
    PapClient client("user", "wrong");
    PapAuthenticator auth(passwords({{"user", "passwd"}}));
    AuthOutputs c_out, a_out;
    auth.start(t0, a_out);
    client.start(t0, c_out);
    const AuthOutputs verdict = deliver(c_out, auth, t0);
    const AuthOutputs end = deliver(verdict, client, t0);
    EXPECT_EQ(events_of<AuthFailed>(verdict).size(), 1u);
    ASSERT_EQ(events_of<AuthFailed>(end).size(), 1u);
    EXPECT_NE(events_of<AuthFailed>(end)[0].reason.find("\"Login incorrect\""), std::string::npos);
}

TEST(chap_pap_exchange, Rfc1334_2_2_1_LostAckIsRecoveredByRetransmission) {
    PapClient client("user", "passwd");
    PapAuthenticator auth(passwords({{"user", "passwd"}}));
    AuthOutputs c_out, a_out;
    auth.start(t0, a_out);
    client.start(t0, c_out);
    const AuthOutputs lost = deliver(c_out, auth, t0);  // the Ack never arrives
    EXPECT_EQ(events_of<AuthSucceeded>(lost).size(), 1u);
    AuthOutputs retry;
    client.on_timeout(t0 + 3s, retry);
    const AuthOutputs again = deliver(retry, auth, t0 + 3s);
    EXPECT_TRUE(events_of<AuthSucceeded>(again).empty());
    const AuthOutputs end = deliver(again, client, t0 + 3s);
    EXPECT_EQ(events_of<AuthSucceeded>(end).size(), 1u);
    EXPECT_TRUE(client.succeeded());
}

}  // namespace
}  // namespace ec20ppp::chap
