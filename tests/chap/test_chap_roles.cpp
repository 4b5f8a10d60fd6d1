// RFC 1994 CHAP roles: ChapClient (we are authenticated, as when dialling an EC20) and
// ChapAuthenticator (we challenge, as the simulated modem does), alone and talking to each other,
// with fake time.
#include <gtest/gtest.h>

#include <map>

#include "auth_test_util.hpp"
#include "chap/chap.hpp"

namespace ec20ppp::chap {
namespace {

using namespace std::chrono_literals;
using test::concat;
using test::CountingRandom;
using test::deliver;
using test::events_of;
using test::has_log_containing;
using test::hex;
using test::log_lines;
using test::sent;
using test::t0;
using test::text;

const Bytes golden_challenge_value = hex("2e750da5c19ad54e1b3f558a3cf46c95");

Bytes challenge_packet(std::uint8_t id, const Bytes& value, std::string_view name) {
    ChapPacket p;
    p.code = ChapCode::challenge;
    p.id = id;
    p.value = value;
    p.name = std::string(name);
    return p.serialize();
}

Bytes verdict_packet(ChapCode code, std::uint8_t id, std::string_view message = "") {
    ChapPacket p;
    p.code = code;
    p.id = id;
    p.message = std::string(message);
    return p.serialize();
}

Bytes response_packet(std::uint8_t id, std::string_view secret, const Bytes& challenge,
                      std::string_view name) {
    const Md5Digest d = chap_md5_response(id, secret, challenge);
    ChapPacket p;
    p.code = ChapCode::response;
    p.id = id;
    p.value.assign(d.begin(), d.end());
    p.name = std::string(name);
    return p.serialize();
}

SecretLookup secrets(std::map<std::string, std::string, std::less<>> table) {
    return [table = std::move(table)](std::string_view name) -> std::optional<std::string> {
        const auto it = table.find(name);
        if (it == table.end()) return std::nullopt;
        return it->second;
    };
}

// The challenge an authenticator just sent.
ChapPacket last_challenge(const AuthOutputs& out) {
    const auto packets = sent(out, proto::chap);
    EXPECT_FALSE(packets.empty());
    auto p = ChapPacket::parse(packets.back());
    EXPECT_TRUE(p && p->code == ChapCode::challenge);
    return p.value_or(ChapPacket{});
}

// --- ChapClient -------------------------------------------------------------------------------

TEST(chap_client, Rfc1994_4_1_AnswersGoldenEc20ChallengeWithGoldenResponse) {
    ChapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    EXPECT_TRUE(out.empty());

    const Bytes challenge =
        concat({hex("01010023" "10"), golden_challenge_value, text("UMTS_CHAP_SRVR")});
    client.input(challenge, t0 + 100ms, out);
    const auto packets = sent(out, proto::chap);
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0],
              concat({hex("02010019" "10" "61712dbe7c3685e20e294713ff4f0a6b"), text("user")}));
    EXPECT_EQ(describe_chap(packets[0]),
              "CHAP Response id=0x1 <61712dbe7c3685e20e294713ff4f0a6b>, name = \"user\"");

    out.clear();
    client.input(hex("03010004"), t0 + 200ms, out);
    const auto ok = events_of<AuthSucceeded>(out);
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0].peer_name, "UMTS_CHAP_SRVR");
    EXPECT_EQ(log_lines(out), std::vector<std::string>{"CHAP authentication succeeded"});
    EXPECT_TRUE(client.succeeded());
    EXPECT_FALSE(client.next_timeout());
}

TEST(chap_client, Rfc1994_4_2_FailureIsReportedWithThePeersMessage) {
    ChapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    client.input(challenge_packet(4, golden_challenge_value, "srv"), t0, out);
    out.clear();
    client.input(verdict_packet(ChapCode::failure, 4, "Login incorrect"), t0, out);
    const auto failed = events_of<AuthFailed>(out);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_NE(failed[0].reason.find("\"Login incorrect\""), std::string::npos) << failed[0].reason;
    EXPECT_NE(failed[0].reason.find("\"user\""), std::string::npos) << failed[0].reason;
    EXPECT_NE(failed[0].reason.find("check the user name and password"), std::string::npos);
    EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
    EXPECT_TRUE(client.failed());
    EXPECT_FALSE(client.next_timeout());

    // Failed is final: a further Challenge is not answered.
    out.clear();
    client.input(challenge_packet(5, golden_challenge_value, "srv"), t0, out);
    EXPECT_TRUE(sent(out, proto::chap).empty());
    EXPECT_TRUE(has_log_containing(out, "already failed"));
}

TEST(chap_client, Rfc1994_4_2_VerdictWithAnotherIdIsDropped) {
    ChapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    client.input(challenge_packet(1, golden_challenge_value, "srv"), t0, out);
    out.clear();

    client.input(verdict_packet(ChapCode::success, 2), t0, out);
    client.input(verdict_packet(ChapCode::failure, 0), t0, out);
    EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
    EXPECT_TRUE(events_of<AuthFailed>(out).empty());
    EXPECT_EQ(log_lines(out),
              (std::vector<std::string>{
                  "dropped CHAP Success id=0x2: our last CHAP Response had id=0x1",
                  "dropped CHAP Failure id=0x0: our last CHAP Response had id=0x1"}));

    out.clear();
    client.input(verdict_packet(ChapCode::success, 1), t0, out);
    EXPECT_EQ(events_of<AuthSucceeded>(out).size(), 1u);
}

TEST(chap_client, Rfc1994_4_2_VerdictBeforeAnyResponseIsDropped) {
    ChapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    client.input(verdict_packet(ChapCode::success, 1), t0, out);
    EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
    EXPECT_EQ(log_lines(out),
              std::vector<std::string>{"dropped CHAP Success id=0x1: no CHAP Response has been sent"});
}

TEST(chap_client, Rfc1994_4_1_RetransmittedChallengesAreEachAnswered) {
    ChapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    const Bytes v1 = hex("00112233445566778899aabbccddeeff");
    const Bytes v2 = hex("ffeeddccbbaa99887766554433221100");
    client.input(challenge_packet(1, v1, "srv"), t0, out);
    client.input(challenge_packet(2, v2, "srv"), t0 + 3s, out);
    const auto packets = sent(out, proto::chap);
    ASSERT_EQ(packets.size(), 2u);
    EXPECT_EQ(packets[0], response_packet(1, "passwd", v1, "user"));
    EXPECT_EQ(packets[1], response_packet(2, "passwd", v2, "user"));

    // Only the Response answered last counts.
    out.clear();
    client.input(verdict_packet(ChapCode::success, 1), t0 + 3s, out);
    EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
    client.input(verdict_packet(ChapCode::success, 2), t0 + 3s, out);
    EXPECT_EQ(events_of<AuthSucceeded>(out).size(), 1u);
}

TEST(chap_client, Rfc1994_4_1_RechallengeAfterSuccessIsAnsweredAndSucceedsOnlyOnce) {
    ChapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    client.input(challenge_packet(1, golden_challenge_value, "srv"), t0, out);
    client.input(verdict_packet(ChapCode::success, 1), t0, out);
    ASSERT_EQ(events_of<AuthSucceeded>(out).size(), 1u);

    // A repeated Success (the authenticator answering a duplicated Response) is no news.
    out.clear();
    client.input(verdict_packet(ChapCode::success, 1), t0 + 1s, out);
    EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
    EXPECT_EQ(log_lines(out), std::vector<std::string>{"ignored repeated CHAP Success id=0x1"});

    // RFC 1994 §4.1: challenges may come at any time in the Network-Layer Protocol phase.
    out.clear();
    const Bytes v = hex("0102030405060708090a0b0c0d0e0f10");
    client.input(challenge_packet(2, v, "srv"), t0 + 60s, out);
    ASSERT_EQ(sent(out, proto::chap), std::vector<Bytes>{response_packet(2, "passwd", v, "user")});
    EXPECT_FALSE(client.next_timeout());  // the link is up; no verdict timer

    out.clear();
    client.input(verdict_packet(ChapCode::success, 2, "again"), t0 + 60s, out);
    EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
    EXPECT_EQ(log_lines(out),
              std::vector<std::string>{"CHAP re-authentication succeeded: \"again\""});
    EXPECT_TRUE(client.succeeded());
}

TEST(chap_client, Rfc1994_4_1_FailedRechallengeReportsFailure) {
    ChapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    client.input(challenge_packet(1, golden_challenge_value, "srv"), t0, out);
    client.input(verdict_packet(ChapCode::success, 1), t0, out);
    out.clear();
    client.input(challenge_packet(2, golden_challenge_value, "srv"), t0 + 60s, out);
    client.input(verdict_packet(ChapCode::failure, 2), t0 + 60s, out);
    EXPECT_EQ(events_of<AuthFailed>(out).size(), 1u);
    EXPECT_TRUE(client.failed());
}

TEST(chap_client, NoChallengeWithinWaitForPeerFails) {
    ChapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    ASSERT_EQ(client.next_timeout(), t0 + 30s);
    client.on_timeout(t0 + 29999ms, out);
    EXPECT_TRUE(out.empty());
    client.on_timeout(t0 + 30s, out);
    const auto failed = events_of<AuthFailed>(out);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].reason, "the peer sent no CHAP challenge within 30 s");
    EXPECT_FALSE(client.next_timeout());
    out.clear();
    client.on_timeout(t0 + 60s, out);  // idempotent
    EXPECT_TRUE(out.empty());
}

TEST(chap_client, NoVerdictWithinWaitForPeerFailsDistinctly) {
    AuthTimers timers;
    timers.wait_for_peer = 5s;
    ChapClient client("user", "passwd", timers);
    AuthOutputs out;
    client.start(t0, out);
    client.input(challenge_packet(1, golden_challenge_value, "srv"), t0 + 4s, out);
    // The Response is repeated every restart interval (3 s) within the wait of 5 s.
    EXPECT_EQ(client.next_timeout(), t0 + 7s);
    out.clear();
    client.on_timeout(t0 + 7s, out);
    EXPECT_EQ(sent(out, proto::chap).size(), 1u);
    EXPECT_EQ(client.next_timeout(), t0 + 9s);  // each Challenge restarts the wait
    out.clear();
    client.on_timeout(t0 + 9s, out);
    const auto failed = events_of<AuthFailed>(out);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].reason, "the peer did not answer our CHAP response within 5 s");
}

TEST(chap_client, Rfc1994_4_1_ResponseIsRepeatedWhenTheSuccessIsLost) {
    // The authenticator sends Success once; if it is lost only a repeated Response brings it
    // back (the authenticator MUST accept repeated Responses, RFC 1994 §4.1).
    ChapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    client.input(challenge_packet(1, golden_challenge_value, "srv"), t0, out);
    const auto first = sent(out, proto::chap);
    ASSERT_EQ(first.size(), 1u);
    for (int i = 1; i <= 9; ++i) {
        out.clear();
        ASSERT_EQ(client.next_timeout(), t0 + std::chrono::seconds(3 * i));
        client.on_timeout(t0 + std::chrono::seconds(3 * i), out);
        const auto again = sent(out, proto::chap);
        ASSERT_EQ(again.size(), 1u) << "repeat " << i;
        EXPECT_EQ(again[0], first[0]);  // same id, same value
    }
    out.clear();
    client.input(verdict_packet(ChapCode::success, 1), t0 + 28s, out);
    EXPECT_EQ(events_of<AuthSucceeded>(out).size(), 1u);
    EXPECT_FALSE(client.next_timeout().has_value());
}

TEST(chap_client, ChallengeBeforeStartIsAnsweredAndKept) {
    ChapClient client("user", "passwd");
    AuthOutputs out;
    client.input(challenge_packet(1, golden_challenge_value, "srv"), t0, out);
    EXPECT_EQ(sent(out, proto::chap).size(), 1u);
    client.start(t0, out);
    client.input(verdict_packet(ChapCode::success, 1), t0, out);
    EXPECT_EQ(events_of<AuthSucceeded>(out).size(), 1u);
}

TEST(chap_client, Rfc1994_4_MalformedAndMisdirectedPacketsAreDroppedWithALog) {
    ChapClient client("user", "passwd");
    AuthOutputs out;
    client.start(t0, out);
    client.input(hex("010100"), t0, out);
    client.input(hex("0901000400"), t0, out);
    client.input(response_packet(1, "x", golden_challenge_value, "mallory"), t0, out);
    EXPECT_TRUE(sent(out, proto::chap).empty());
    EXPECT_EQ(log_lines(out),
              (std::vector<std::string>{
                  "dropped malformed CHAP packet: length 3 < 4",
                  "dropped malformed CHAP packet: unknown code 0x9",
                  "dropped CHAP Response id=0x1: we are the side being authenticated and never "
                  "challenge"}));
    EXPECT_FALSE(client.failed());
}

// --- ChapAuthenticator ------------------------------------------------------------------------

TEST(chap_authenticator, Rfc1994_4_1_ChallengeHasSixteenRandomOctetsAndOurName) {
    ChapAuthenticator auth("UMTS_CHAP_SRVR", secrets({{"user", "passwd"}}), CountingRandom(0x40));
    AuthOutputs out;
    auth.start(t0, out);
    const auto packets = sent(out, proto::chap);
    ASSERT_EQ(packets.size(), 1u);
    // First random octet is the id; the next 16 the value.
    EXPECT_EQ(packets[0], concat({hex("01400023" "10"), hex("4142434445464748494a4b4c4d4e4f50"),
                                  text("UMTS_CHAP_SRVR")}));
    const auto p = ChapPacket::parse(packets[0]);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, ChapCode::challenge);
    EXPECT_EQ(p->id, 0x40);
    EXPECT_EQ(p->value, hex("4142434445464748494a4b4c4d4e4f50"));
    EXPECT_EQ(p->name, "UMTS_CHAP_SRVR");
    EXPECT_EQ(packets[0][0], 0x01);
    EXPECT_EQ(load_be16(packets[0].data() + 2), 35);
    EXPECT_EQ(auth.next_timeout(), t0 + 3s);
}

TEST(chap_authenticator, Rfc1994_4_1_CorrectResponseGetsSuccessAndAuthSucceeded) {
    ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom());
    AuthOutputs out;
    auth.start(t0, out);
    const ChapPacket c = last_challenge(out);
    out.clear();
    auth.input(response_packet(c.id, "passwd", c.value, "user"), t0 + 1s, out);
    EXPECT_EQ(sent(out, proto::chap),
              std::vector<Bytes>{verdict_packet(ChapCode::success, c.id, "Welcome")});
    const auto ok = events_of<AuthSucceeded>(out);
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0].peer_name, "user");
    EXPECT_EQ(log_lines(out), std::vector<std::string>{"CHAP authentication of \"user\" succeeded"});
    EXPECT_TRUE(auth.succeeded());
    EXPECT_FALSE(auth.next_timeout());
}

TEST(chap_authenticator, Rfc1994_4_2_WrongSecretAndUnknownNameFailDistinctlyButLookAlikeOnTheWire) {
    AuthOutputs wrong;
    {
        ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom());
        auth.start(t0, wrong);
        const ChapPacket c = last_challenge(wrong);
        wrong.clear();
        auth.input(response_packet(c.id, "guess", c.value, "user"), t0, wrong);
        EXPECT_TRUE(auth.failed());
    }
    AuthOutputs unknown;
    {
        ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom());
        auth.start(t0, unknown);
        const ChapPacket c = last_challenge(unknown);
        unknown.clear();
        auth.input(response_packet(c.id, "passwd", c.value, "bob"), t0, unknown);
        EXPECT_TRUE(auth.failed());
    }
    const auto w = events_of<AuthFailed>(wrong);
    const auto u = events_of<AuthFailed>(unknown);
    ASSERT_EQ(w.size(), 1u);
    ASSERT_EQ(u.size(), 1u);
    EXPECT_NE(w[0].reason, u[0].reason);
    EXPECT_NE(w[0].reason.find("wrong secret"), std::string::npos) << w[0].reason;
    EXPECT_NE(u[0].reason.find("\"bob\" has no configured secret"), std::string::npos) << u[0].reason;
    EXPECT_TRUE(events_of<AuthSucceeded>(wrong).empty());
    // The peer cannot tell the two apart (RFC 1994 §4.1 implementation note).
    EXPECT_EQ(sent(wrong, proto::chap), sent(unknown, proto::chap));
    EXPECT_EQ(describe_chap(sent(wrong, proto::chap).at(0)),
              "CHAP Failure id=0x0 \"Authentication failed\"");
}

TEST(chap_authenticator, Rfc1994_4_1_ResponseValueOfWrongSizeFails) {
    ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom());
    AuthOutputs out;
    auth.start(t0, out);
    const ChapPacket c = last_challenge(out);
    out.clear();
    ChapPacket r;
    r.code = ChapCode::response;
    r.id = c.id;
    r.value = hex("0011223344556677");
    r.name = "user";
    auth.input(r.serialize(), t0, out);
    const auto failed = events_of<AuthFailed>(out);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_NE(failed[0].reason.find("8-octet"), std::string::npos) << failed[0].reason;
}

TEST(chap_authenticator, Rfc1994_4_1_RetransmissionsChangeIdAndValueThenGiveUp) {
    ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom(0xfe));
    AuthOutputs out;
    auth.start(t0, out);
    std::vector<ChapPacket> challenges{last_challenge(out)};
    for (int i = 1; i < 10; ++i) {
        const TimePoint due = t0 + 3s * i;
        ASSERT_EQ(auth.next_timeout(), due);
        out.clear();
        auth.on_timeout(due - 1ms, out);  // early: nothing
        EXPECT_TRUE(out.empty());
        auth.on_timeout(due, out);
        challenges.push_back(last_challenge(out));
        EXPECT_TRUE(events_of<AuthFailed>(out).empty());
    }
    ASSERT_EQ(challenges.size(), 10u);
    for (std::size_t i = 1; i < challenges.size(); ++i) {
        // "The Identifier field MUST be changed each time a Challenge is sent" (wrapping 0xff->0)
        EXPECT_EQ(challenges[i].id, static_cast<std::uint8_t>(challenges[i - 1].id + 1));
        EXPECT_NE(challenges[i].value, challenges[i - 1].value);
        EXPECT_EQ(challenges[i].value.size(), 16u);
    }
    out.clear();
    auth.on_timeout(t0 + 30s, out);
    EXPECT_TRUE(sent(out, proto::chap).empty());
    const auto failed = events_of<AuthFailed>(out);
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_NE(failed[0].reason.find("peer did not answer the CHAP challenge"), std::string::npos);
    EXPECT_NE(failed[0].reason.find("10 times, 3 s apart"), std::string::npos) << failed[0].reason;
    EXPECT_FALSE(auth.next_timeout());
    EXPECT_TRUE(auth.failed());

    // A late Response to the last challenge after giving up changes nothing.
    out.clear();
    const ChapPacket& c = challenges.back();
    auth.input(response_packet(c.id, "passwd", c.value, "user"), t0 + 31s, out);
    EXPECT_TRUE(sent(out, proto::chap).empty());
    EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
}

TEST(chap_authenticator, Rfc1994_4_1_ResponseToAnEarlierChallengeIsDropped) {
    ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom());
    AuthOutputs out;
    auth.start(t0, out);
    const ChapPacket first = last_challenge(out);
    auth.on_timeout(t0 + 3s, out);
    const ChapPacket second = last_challenge(out);
    out.clear();
    auth.input(response_packet(first.id, "passwd", first.value, "user"), t0 + 3s, out);
    EXPECT_TRUE(sent(out, proto::chap).empty());
    EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
    EXPECT_EQ(second.id, 1);
    EXPECT_EQ(log_lines(out), std::vector<std::string>{
                                  "dropped CHAP Response id=0x0: the current CHAP Challenge has id=0x1"});
    auth.input(response_packet(second.id, "passwd", second.value, "user"), t0 + 3s, out);
    EXPECT_EQ(events_of<AuthSucceeded>(out).size(), 1u);
}

TEST(chap_authenticator, Rfc1994_4_1_RepeatedResponseGetsTheSameVerdictWithoutASecondEvent) {
    for (const bool correct : {true, false}) {
        ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom());
        AuthOutputs out;
        auth.start(t0, out);
        const ChapPacket c = last_challenge(out);
        const Bytes response = response_packet(c.id, correct ? "passwd" : "nope", c.value, "user");
        out.clear();
        auth.input(response, t0, out);
        const auto first_verdict = sent(out, proto::chap);
        ASSERT_EQ(first_verdict.size(), 1u);

        out.clear();
        auth.input(response, t0 + 1s, out);
        EXPECT_EQ(sent(out, proto::chap), first_verdict) << correct;
        EXPECT_EQ(out.size(), 1u) << "only the repeated verdict, no event";

        // "any Response packets received having the current Challenge Identifier MUST return
        // the same reply Code": even a now-correct one after a Failure.
        out.clear();
        auth.input(response_packet(c.id, "passwd", c.value, "user"), t0 + 2s, out);
        EXPECT_EQ(sent(out, proto::chap), first_verdict) << correct;
        EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
    }
}

TEST(chap_authenticator, Rfc1994_4_1_RechallengeUsesNewIdAndValue) {
    ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom());
    AuthOutputs out;
    auth.start(t0, out);
    const ChapPacket c1 = last_challenge(out);
    auth.input(response_packet(c1.id, "passwd", c1.value, "user"), t0, out);
    ASSERT_TRUE(auth.succeeded());

    out.clear();
    auth.rechallenge(t0 + 60s, out);
    const ChapPacket c2 = last_challenge(out);
    EXPECT_NE(c2.id, c1.id);
    EXPECT_NE(c2.value, c1.value);
    EXPECT_EQ(auth.next_timeout(), t0 + 63s);

    // A second rechallenge while one is outstanding does nothing.
    out.clear();
    auth.rechallenge(t0 + 61s, out);
    EXPECT_TRUE(out.empty());

    // The old Response (replayed) no longer counts.
    auth.input(response_packet(c1.id, "passwd", c1.value, "user"), t0 + 61s, out);
    EXPECT_TRUE(sent(out, proto::chap).empty());

    out.clear();
    auth.input(response_packet(c2.id, "passwd", c2.value, "user"), t0 + 62s, out);
    EXPECT_EQ(sent(out, proto::chap).size(), 1u);
    EXPECT_TRUE(events_of<AuthSucceeded>(out).empty());
    EXPECT_EQ(log_lines(out),
              std::vector<std::string>{"CHAP re-authentication of \"user\" succeeded"});
    EXPECT_TRUE(auth.succeeded());
}

TEST(chap_authenticator, Rfc1994_4_1_FailedRechallengeReportsFailure) {
    ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom());
    AuthOutputs out;
    auth.start(t0, out);
    const ChapPacket c1 = last_challenge(out);
    auth.input(response_packet(c1.id, "passwd", c1.value, "user"), t0, out);
    out.clear();
    auth.rechallenge(t0 + 60s, out);
    const ChapPacket c2 = last_challenge(out);
    auth.input(response_packet(c2.id, "stolen-session", c2.value, "user"), t0 + 60s, out);
    EXPECT_EQ(events_of<AuthFailed>(out).size(), 1u);
    EXPECT_TRUE(auth.failed());
    out.clear();
    auth.rechallenge(t0 + 120s, out);  // failed is final
    EXPECT_TRUE(out.empty());
}

TEST(chap_authenticator, Rfc1994_4_UnexpectedAndMalformedPacketsAreDroppedWithALog) {
    ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom());
    AuthOutputs out;
    auth.input(response_packet(0, "passwd", golden_challenge_value, "user"), t0, out);
    EXPECT_TRUE(has_log_containing(out, "no CHAP Challenge has been sent"));
    auth.start(t0, out);
    out.clear();
    auth.input(challenge_packet(1, golden_challenge_value, "x"), t0, out);
    auth.input(verdict_packet(ChapCode::success, 0), t0, out);
    auth.input(hex("02000009" "10aabb"), t0, out);
    EXPECT_TRUE(sent(out, proto::chap).empty());
    EXPECT_EQ(log_lines(out),
              (std::vector<std::string>{
                  "dropped CHAP Challenge id=0x1: we are the authenticator and only expect Responses",
                  "dropped CHAP Success id=0x0: we are the authenticator and only expect Responses",
                  "dropped malformed CHAP packet: Length field 9 > 7 octets received"}));
    EXPECT_FALSE(auth.failed());
}

TEST(chap_authenticator, MissingRandomSourceFailsInsteadOfCrashing) {
    ChapAuthenticator auth("srv", secrets({}), RandomSource{});
    AuthOutputs out;
    auth.start(t0, out);
    EXPECT_TRUE(sent(out, proto::chap).empty());
    EXPECT_EQ(events_of<AuthFailed>(out).size(), 1u);
}

TEST(chap_authenticator, MissingSecretLookupTreatsEveryNameAsUnknown) {
    ChapAuthenticator auth("srv", SecretLookup{}, CountingRandom());
    AuthOutputs out;
    auth.start(t0, out);
    const ChapPacket c = last_challenge(out);
    out.clear();
    auth.input(response_packet(c.id, "passwd", c.value, "user"), t0, out);
    EXPECT_EQ(events_of<AuthFailed>(out).size(), 1u);
}

// --- Client and authenticator in memory -------------------------------------------------------

TEST(chap_exchange, Rfc1994_ClientAndAuthenticatorAgree) {
    ChapClient client("user", "passwd");
    ChapAuthenticator auth("UMTS_CHAP_SRVR", secrets({{"user", "passwd"}}), CountingRandom(1));
    AuthOutputs c_out, a_out;
    client.start(t0, c_out);
    auth.start(t0, a_out);
    const AuthOutputs response = deliver(a_out, client, t0);
    const AuthOutputs verdict = deliver(response, auth, t0);
    const AuthOutputs end = deliver(verdict, client, t0);

    ASSERT_EQ(events_of<AuthSucceeded>(verdict).size(), 1u);
    EXPECT_EQ(events_of<AuthSucceeded>(verdict)[0].peer_name, "user");
    ASSERT_EQ(events_of<AuthSucceeded>(end).size(), 1u);
    EXPECT_EQ(events_of<AuthSucceeded>(end)[0].peer_name, "UMTS_CHAP_SRVR");
    EXPECT_TRUE(client.succeeded());
    EXPECT_TRUE(auth.succeeded());
    EXPECT_FALSE(client.next_timeout());
    EXPECT_FALSE(auth.next_timeout());

    // Periodic re-authentication keeps both sides up without a second AuthSucceeded.
    AuthOutputs re;
    auth.rechallenge(t0 + 120s, re);
    const AuthOutputs re_response = deliver(re, client, t0 + 120s);
    const AuthOutputs re_verdict = deliver(re_response, auth, t0 + 120s);
    const AuthOutputs re_end = deliver(re_verdict, client, t0 + 120s);
    EXPECT_TRUE(events_of<AuthSucceeded>(re_verdict).empty());
    EXPECT_TRUE(events_of<AuthSucceeded>(re_end).empty());
    EXPECT_TRUE(has_log_containing(re_end, "re-authentication succeeded"));
    EXPECT_TRUE(client.succeeded());
    EXPECT_TRUE(auth.succeeded());
}

TEST(chap_exchange, Rfc1994_WrongSecretFailsOnBothSides) {
    ChapClient client("user", "wrong");
    ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom(1));
    AuthOutputs c_out, a_out;
    client.start(t0, c_out);
    auth.start(t0, a_out);
    const AuthOutputs verdict = deliver(deliver(a_out, client, t0), auth, t0);
    const AuthOutputs end = deliver(verdict, client, t0);
    const auto a_failed = events_of<AuthFailed>(verdict);
    const auto c_failed = events_of<AuthFailed>(end);
    ASSERT_EQ(a_failed.size(), 1u);
    ASSERT_EQ(c_failed.size(), 1u);
    EXPECT_NE(a_failed[0].reason.find("wrong secret"), std::string::npos);
    EXPECT_NE(c_failed[0].reason.find("\"Authentication failed\""), std::string::npos);
    EXPECT_TRUE(client.failed());
    EXPECT_TRUE(auth.failed());
}

TEST(chap_exchange, Rfc1994_4_1_LostResponseIsRecoveredByTheNextChallenge) {
    ChapClient client("user", "passwd");
    ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom(7));
    AuthOutputs a_out;
    client.start(t0, a_out);
    auth.start(t0, a_out);
    (void)deliver(a_out, client, t0);  // the Response is lost on the way

    AuthOutputs retry;
    auth.on_timeout(t0 + 3s, retry);
    const AuthOutputs end = deliver(deliver(deliver(retry, client, t0 + 3s), auth, t0 + 3s),
                                    client, t0 + 3s);
    EXPECT_EQ(events_of<AuthSucceeded>(end).size(), 1u);
    EXPECT_TRUE(auth.succeeded());
}

TEST(chap_exchange, Rfc1994_4_1_DuplicatedResponseYieldsOneSuccessOnEachSide) {
    ChapClient client("user", "passwd");
    ChapAuthenticator auth("srv", secrets({{"user", "passwd"}}), CountingRandom(7));
    AuthOutputs c_out, a_out;
    client.start(t0, c_out);
    auth.start(t0, a_out);
    AuthOutputs response = deliver(a_out, client, t0);
    response.push_back(response.front());  // the link duplicates the Response
    const AuthOutputs verdicts = deliver(response, auth, t0);
    EXPECT_EQ(sent(verdicts, proto::chap).size(), 2u);
    EXPECT_EQ(events_of<AuthSucceeded>(verdicts).size(), 1u);
    const AuthOutputs end = deliver(verdicts, client, t0);
    EXPECT_EQ(events_of<AuthSucceeded>(end).size(), 1u);
}

}  // namespace
}  // namespace ec20ppp::chap
