// Properties that hold across all roles: no text this module produces ever contains a secret,
// and no input octets make any role or description crash (meant to run under the sanitizer
// build too).
#include <gtest/gtest.h>

#include <random>

#include "auth_test_util.hpp"
#include "chap/chap.hpp"
#include "chap/pap.hpp"

namespace ec20ppp::chap {
namespace {

using namespace std::chrono_literals;
using test::CountingRandom;
using test::deliver;
using test::t0;

constexpr std::string_view kSecret = "Xy7-s3cr3t-Qz9";  // what the authenticator knows
constexpr std::string_view kWrong = "Wr0ng-Gu3ss-Kp4";  // what a misconfigured client sends

SecretLookup one_user() {
    return [](std::string_view name) -> std::optional<std::string> {
        if (name == "user") return std::string(kSecret);
        return std::nullopt;
    };
}

// Every string a caller could log or show: AuthLog, AuthFailed, AuthSucceeded, and the
// description of every packet sent.
void collect_text(const AuthOutputs& out, std::vector<std::string>& text) {
    for (const auto& e : out) {
        if (const auto* s = std::get_if<SendPacket>(&e)) {
            text.push_back(s->protocol == proto::pap ? describe_pap(s->packet)
                                                     : describe_chap(s->packet));
        } else if (const auto* l = std::get_if<AuthLog>(&e)) {
            text.push_back(l->text);
        } else if (const auto* f = std::get_if<AuthFailed>(&e)) {
            text.push_back(f->reason);
        } else if (const auto* o = std::get_if<AuthSucceeded>(&e)) {
            text.push_back(o->peer_name);
        }
    }
}

TEST(chap_hygiene, Rfc1994_5_And_Rfc1334_4_NoOutputStringContainsTheSecret) {
    std::vector<std::string> text;
    std::vector<AuthOutputs> all;

    for (const std::string_view client_secret : {kSecret, kWrong}) {
        // CHAP, good and bad secret, with a rechallenge and a timeout-driven retransmission.
        ChapClient client("user", std::string(client_secret));
        ChapAuthenticator auth("srv", one_user(), CountingRandom(3));
        AuthOutputs c, a;
        client.start(t0, c);
        auth.start(t0, a);
        auth.on_timeout(t0 + 3s, a);
        AuthOutputs r = deliver(a, client, t0 + 3s);
        AuthOutputs v = deliver(r, auth, t0 + 3s);
        AuthOutputs v2 = deliver(r, auth, t0 + 3s);  // repeated Responses
        AuthOutputs e = deliver(v, client, t0 + 3s);
        AuthOutputs re;
        auth.rechallenge(t0 + 60s, re);
        AuthOutputs re_r = deliver(re, client, t0 + 60s);
        AuthOutputs re_v = deliver(re_r, auth, t0 + 60s);
        AuthOutputs re_e = deliver(re_v, client, t0 + 60s);
        all.insert(all.end(), {c, a, r, v, v2, e, re, re_r, re_v, re_e});

        // PAP, good and bad password, repeated requests, and a client timing out.
        PapClient pc("user", std::string(client_secret));
        PapAuthenticator pa(one_user());
        AuthOutputs pc_out, pa_out;
        pa.start(t0, pa_out);
        pc.start(t0, pc_out);
        pc.on_timeout(t0 + 3s, pc_out);
        AuthOutputs pv = deliver(pc_out, pa, t0 + 3s);
        AuthOutputs pe = deliver(pv, pc, t0 + 3s);
        all.insert(all.end(), {pc_out, pa_out, pv, pe});

        PapClient lonely("user", std::string(client_secret));
        AuthOutputs lo;
        lonely.start(t0, lo);
        for (int i = 1; i <= 10; ++i) lonely.on_timeout(t0 + 3s * i, lo);
        all.push_back(lo);

        // Malformed requests that carry the password: dropped, described, never shown.
        PapPacket req;
        req.id = 5;
        req.peer_id = "user";
        req.password = std::string(client_secret);
        Bytes bytes = req.serialize();
        for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
            Bytes b(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
            if (b.size() >= 4) store_be16(b.data() + 2, static_cast<std::uint16_t>(bytes.size()));
            AuthOutputs drop;
            PapAuthenticator(one_user()).input(b, t0, drop);
            all.push_back(drop);
            text.push_back(describe_pap(b));
            Bytes lying = bytes;  // Passwd-Length claims more than there is
            lying[4 + 1 + 4] = 0xff;
            text.push_back(describe_pap(lying));
        }
    }
    for (const auto& out : all) collect_text(out, text);

    ASSERT_GT(text.size(), 50u);
    const std::string secret_hex = to_hex(as_bytes(kSecret));
    const std::string wrong_hex = to_hex(as_bytes(kWrong));
    for (const auto& t : text) {
        EXPECT_EQ(t.find(kSecret), std::string::npos) << t;
        EXPECT_EQ(t.find(kWrong), std::string::npos) << t;
        EXPECT_EQ(t.find(secret_hex), std::string::npos) << t;
        EXPECT_EQ(t.find(wrong_hex), std::string::npos) << t;
    }
}

// Feed every role and describer random and mutated packets: nothing may crash, throw or emit a
// reply to garbage that does not parse.
TEST(chap_hygiene, Rfc1994_4_And_Rfc1334_2_2_ArbitraryOctetsNeverCrashAnyRole) {
    std::mt19937 rng(1994);
    std::uniform_int_distribution<int> octet(0, 255);
    std::uniform_int_distribution<int> size(0, 40);

    ChapClient client("user", "passwd");
    ChapAuthenticator auth("srv", one_user(), CountingRandom());
    PapClient pap_client("user", "passwd");
    PapAuthenticator pap_auth(one_user());
    AuthOutputs out;
    client.start(t0, out);
    auth.start(t0, out);
    pap_client.start(t0, out);
    pap_auth.start(t0, out);

    for (int i = 0; i < 20000; ++i) {
        Bytes b(static_cast<std::size_t>(size(rng)));
        for (auto& x : b) x = static_cast<std::uint8_t>(octet(rng));
        // Bias towards plausible headers so the body parsers are exercised too.
        if (b.size() >= 4 && (i % 2) == 0) {
            b[0] = static_cast<std::uint8_t>(1 + i % 4);
            store_be16(b.data() + 2, static_cast<std::uint16_t>(b.size() - (i % 3)));
        }
        const TimePoint now = t0 + std::chrono::milliseconds(i);
        out.clear();
        client.input(b, now, out);
        auth.input(b, now, out);
        pap_client.input(b, now, out);
        pap_auth.input(b, now, out);
        EXPECT_FALSE(describe_chap(b).empty());
        EXPECT_FALSE(describe_pap(b).empty());
        if (!ChapPacket::parse(b) && !PapPacket::parse(b)) {
            EXPECT_TRUE(test::sent(out, proto::chap).empty());
        }
    }
}

}  // namespace
}  // namespace ec20ppp::chap
