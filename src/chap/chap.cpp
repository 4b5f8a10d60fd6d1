#include "chap/chap.hpp"

#include <algorithm>
#include <utility>

#include "chap/auth_text.hpp"

namespace ec20ppp::chap {

namespace {

std::string packet_label(const ChapPacket& p) {
    return "CHAP " + std::string(chap_code_name(static_cast<std::uint8_t>(p.code))) +
           " id=" + detail::hex_id(p.id);
}

// What the authenticator tells a peer on failure. Deliberately the same text for an unknown name
// and a wrong secret, so that a peer cannot probe which names exist (RFC 1994 §4.1
// implementation note, "to prevent discovery of alternative Names and Secrets").
constexpr std::string_view failure_message = "Authentication failed";
constexpr std::string_view success_message = "Welcome";

}  // namespace

// ---------------------------------------------------------------------------------------------
// ChapClient

ChapClient::ChapClient(std::string name, std::string secret, AuthTimers timers)
    : name_(std::move(name)), secret_(std::move(secret)), timers_(timers) {}

void ChapClient::start(TimePoint now, AuthOutputs& /*out*/) {
    // A Challenge may overtake start() (the peer moves to the Authenticate phase as soon as LCP
    // opens); keep the answer we already gave. Otherwise begin a fresh authentication, which is
    // also what an LCP renegotiation needs (RFC 1661 §3.2: back through the Authenticate phase).
    if (state_ == State::awaiting_verdict) return;
    state_ = State::awaiting_challenge;
    last_response_id_.reset();
    reauth_pending_ = false;
    authenticator_name_.clear();
    deadline_ = now + timers_.wait_for_peer;
}

void ChapClient::input(ByteView packet, TimePoint now, AuthOutputs& out) {
    std::string error;
    const auto p = ChapPacket::parse(packet, &error);
    if (!p) {
        out.push_back(AuthLog{"dropped malformed CHAP packet: " + error});
        return;
    }
    if (state_ == State::failed) {
        out.push_back(AuthLog{"ignored " + packet_label(*p) + ": CHAP authentication already failed"});
        return;
    }
    switch (p->code) {
        case ChapCode::challenge:
            on_challenge(*p, now, out);
            return;
        case ChapCode::response:
            out.push_back(AuthLog{"dropped " + packet_label(*p) +
                                  ": we are the side being authenticated and never challenge"});
            return;
        case ChapCode::success:
        case ChapCode::failure:
            on_verdict(*p, out);
            return;
    }
}

void ChapClient::on_challenge(const ChapPacket& p, TimePoint now, AuthOutputs& out) {
    // RFC 1994 §4.1: "Whenever a Challenge packet is received, the peer MUST transmit a CHAP
    // packet with the Code field set to 2 (Response)" - in any phase, so also after success.
    // The Response Identifier is copied from the Challenge.
    const auto digest = try_chap_md5_response(p.id, secret_, p.value);
    if (!digest) {
        fail("cannot compute the CHAP response: this OpenSSL configuration provides no MD5 "
             "(is a FIPS-only provider configured?)",
             out);
        return;
    }
    ChapPacket response;
    response.code = ChapCode::response;
    response.id = p.id;
    response.value.assign(digest->begin(), digest->end());
    response.name = name_;
    last_response_ = response.serialize();
    out.push_back(SendPacket{proto::chap, last_response_});

    last_response_id_ = p.id;
    authenticator_name_ = p.name;
    if (state_ == State::open) {
        // A rechallenge: the link stays up; the verdict only logs (or fails the link). No timer:
        // if the authenticator's Success is lost it will not repeat it unprompted.
        reauth_pending_ = true;
    } else {
        // Waiting for Success/Failure; each new Challenge (the authenticator retransmits with a
        // new id, §4.1) shows the peer is alive, so the wait starts over. The Success may be
        // lost, and an authenticator that already sent it does not challenge again; RFC 1994
        // §4.1 has it accept repeated Responses for exactly this case, so we repeat ours every
        // restart interval until a verdict arrives.
        state_ = State::awaiting_verdict;
        response_transmits_ = 1;
        verdict_deadline_ = now + timers_.wait_for_peer;
        deadline_ = std::min(now + timers_.restart, verdict_deadline_);
    }
}

void ChapClient::on_verdict(const ChapPacket& p, AuthOutputs& out) {
    // RFC 1994 §4.2: the Success/Failure Identifier is copied from the Response that caused it,
    // so anything else answers a Response we did not send (or an old one) and is ignored.
    if (!last_response_id_) {
        out.push_back(AuthLog{"dropped " + packet_label(p) + ": no CHAP Response has been sent"});
        return;
    }
    if (p.id != *last_response_id_) {
        out.push_back(AuthLog{"dropped " + packet_label(p) + ": our last CHAP Response had id=" +
                              detail::hex_id(*last_response_id_)});
        return;
    }
    const std::string said = p.message.empty() ? "" : ": " + detail::quoted(p.message);
    if (p.code == ChapCode::failure) {
        fail("the peer rejected our CHAP response for user " + detail::quoted(name_) +
                 (p.message.empty() ? "" : " (it said " + detail::quoted(p.message) + ")") +
                 "; check the user name and password configured for this connection",
             out);
        return;
    }
    if (state_ == State::awaiting_verdict) {
        state_ = State::open;
        deadline_.reset();
        out.push_back(AuthLog{"CHAP authentication succeeded" + said});
        out.push_back(AuthSucceeded{authenticator_name_});
    } else if (reauth_pending_) {
        reauth_pending_ = false;
        out.push_back(AuthLog{"CHAP re-authentication succeeded" + said});
    } else {
        // The authenticator repeats Success for a repeated Response (§4.1); nothing new.
        out.push_back(AuthLog{"ignored repeated " + packet_label(p)});
    }
}

void ChapClient::on_timeout(TimePoint now, AuthOutputs& out) {
    if (!deadline_ || now < *deadline_) return;
    deadline_.reset();
    if (state_ == State::awaiting_challenge) {
        fail("the peer sent no CHAP challenge within " + detail::duration_text(timers_.wait_for_peer),
             out);
    } else if (state_ == State::awaiting_verdict) {
        if (now >= verdict_deadline_) {
            fail("the peer did not answer our CHAP response within " +
                     detail::duration_text(timers_.wait_for_peer),
                 out);
        } else if (response_transmits_ < timers_.max_transmits) {
            ++response_transmits_;
            out.push_back(SendPacket{proto::chap, last_response_});
            deadline_ = std::min(now + timers_.restart, verdict_deadline_);
        } else {
            deadline_ = verdict_deadline_;
        }
    }
}

void ChapClient::fail(std::string reason, AuthOutputs& out) {
    state_ = State::failed;
    deadline_.reset();
    reauth_pending_ = false;
    out.push_back(AuthLog{"CHAP authentication failed"});
    out.push_back(AuthFailed{std::move(reason)});
}

// ---------------------------------------------------------------------------------------------
// ChapAuthenticator

ChapAuthenticator::ChapAuthenticator(std::string our_name, SecretLookup secrets,
                                     RandomSource random, AuthTimers timers)
    : our_name_(std::move(our_name)),
      secrets_(std::move(secrets)),
      random_(std::move(random)),
      timers_(timers) {}

void ChapAuthenticator::start(TimePoint now, AuthOutputs& out) {
    state_ = State::challenging;
    transmits_ = 0;
    ever_succeeded_ = false;
    verdict_.clear();
    send_challenge(now, out);
}

void ChapAuthenticator::rechallenge(TimePoint now, AuthOutputs& out) {
    switch (state_) {
        case State::idle:
            start(now, out);
            return;
        case State::open:
            state_ = State::challenging;
            transmits_ = 0;
            verdict_.clear();
            send_challenge(now, out);
            return;
        case State::challenging:  // one challenge at a time; the outstanding one will do
        case State::failed:       // the link is going down
            return;
    }
}

void ChapAuthenticator::send_challenge(TimePoint now, AuthOutputs& out) {
    if (!random_) {
        fail("no random source is configured, so no CHAP challenge can be made", out);
        return;
    }
    // RFC 1994 §4.1: "The Identifier field MUST be changed each time a Challenge is sent" and
    // "The Challenge Value MUST be changed each time a Challenge is sent" - retransmissions
    // included. §2.3: values should be unpredictable, hence the injected random source; the
    // first id is random too, so ids do not repeat across links.
    if (!have_id_) {
        std::uint8_t first = 0;
        random_(std::span<std::uint8_t>(&first, 1));
        id_ = first;
        have_id_ = true;
    } else {
        ++id_;
    }
    challenge_.assign(challenge_value_size, 0);
    random_(std::span<std::uint8_t>(challenge_));

    ChapPacket challenge;
    challenge.code = ChapCode::challenge;
    challenge.id = id_;
    challenge.value = challenge_;
    challenge.name = our_name_;
    out.push_back(SendPacket{proto::chap, challenge.serialize()});
    ++transmits_;
    deadline_ = now + timers_.restart;
}

void ChapAuthenticator::input(ByteView packet, TimePoint /*now*/, AuthOutputs& out) {
    std::string error;
    const auto p = ChapPacket::parse(packet, &error);
    if (!p) {
        out.push_back(AuthLog{"dropped malformed CHAP packet: " + error});
        return;
    }
    if (p->code != ChapCode::response) {
        out.push_back(AuthLog{"dropped " + packet_label(*p) +
                              ": we are the authenticator and only expect Responses"});
        return;
    }
    if (state_ == State::idle || !have_id_) {
        out.push_back(AuthLog{"dropped " + packet_label(*p) + ": no CHAP Challenge has been sent"});
        return;
    }
    if (p->id != id_) {
        // An answer to an earlier (retransmitted) challenge, or a forgery: only the current
        // challenge counts (§4.1: a new id and value for every Challenge sent).
        out.push_back(AuthLog{"dropped " + packet_label(*p) + ": the current CHAP Challenge has id=" +
                              detail::hex_id(id_)});
        return;
    }
    if (state_ != State::challenging) {
        // RFC 1994 §4.1 implementation note: the Success might be lost, so a repeated Response
        // with the current id gets the same reply Code again. The verdict was already reported;
        // no second event.
        if (!verdict_.empty()) {
            out.push_back(SendPacket{proto::chap, verdict_});
        } else {
            out.push_back(AuthLog{"dropped " + packet_label(*p) +
                                  ": CHAP authentication already timed out"});
        }
        return;
    }
    verify(*p, out);
}

void ChapAuthenticator::verify(const ChapPacket& p, AuthOutputs& out) {
    const std::string who = detail::quoted(p.name);
    std::optional<std::string> secret;
    if (secrets_) secret = secrets_(p.name);

    bool ok = false;
    std::string reason;
    if (!secret) {
        reason = "the peer's CHAP name " + who +
                 " has no configured secret; add one for it or fix the name on the peer";
    } else if (p.value.size() != md5_value_size) {
        // §4.1: the Response Value length depends on the hash; MD5 gives 16 octets.
        reason = "the peer " + who + " sent a " + std::to_string(p.value.size()) +
                 "-octet CHAP response where MD5 gives 16; it may not be using CHAP with MD5";
    } else if (const auto expected = try_chap_md5_response(id_, *secret, challenge_); !expected) {
        reason = "cannot verify the CHAP response: this OpenSSL configuration provides no MD5 "
                 "(is a FIPS-only provider configured?)";
    } else if (detail::constant_time_equal(*expected, p.value)) {
        ok = true;
    } else {
        reason = "the peer " + who +
                 " answered the CHAP challenge with a wrong secret; check the password "
                 "configured for it on both sides";
    }

    ChapPacket verdict;
    verdict.code = ok ? ChapCode::success : ChapCode::failure;
    verdict.id = id_;
    verdict.message = std::string(ok ? success_message : failure_message);
    verdict_ = verdict.serialize();
    out.push_back(SendPacket{proto::chap, verdict_});
    deadline_.reset();
    challenge_.clear();  // answered; a value is never accepted twice

    if (!ok) {
        state_ = State::failed;
        out.push_back(AuthLog{"CHAP authentication of " + who + " failed"});
        out.push_back(AuthFailed{std::move(reason)});
        return;
    }
    state_ = State::open;
    if (!ever_succeeded_) {
        ever_succeeded_ = true;
        out.push_back(AuthLog{"CHAP authentication of " + who + " succeeded"});
        out.push_back(AuthSucceeded{p.name});
    } else {
        out.push_back(AuthLog{"CHAP re-authentication of " + who + " succeeded"});
    }
}

void ChapAuthenticator::on_timeout(TimePoint now, AuthOutputs& out) {
    if (state_ != State::challenging || !deadline_ || now < *deadline_) return;
    if (transmits_ >= std::max(1, timers_.max_transmits)) {
        fail("the peer did not answer the CHAP challenge (sent " + std::to_string(transmits_) +
                 " times, " + detail::duration_text(timers_.restart) +
                 " apart); check that the peer is running and agreed to CHAP",
             out);
        return;
    }
    send_challenge(now, out);
}

void ChapAuthenticator::fail(std::string reason, AuthOutputs& out) {
    state_ = State::failed;
    deadline_.reset();
    challenge_.clear();
    out.push_back(AuthLog{"CHAP authentication failed"});
    out.push_back(AuthFailed{std::move(reason)});
}

}  // namespace ec20ppp::chap
