// RFC 1994 CHAP with MD5, both roles, as pure state machines (see auth_events.hpp).
//
// ChapClient is the side being authenticated (what `dial` does towards the EC20, which sends
// "UMTS_CHAP_SRVR" challenges). ChapAuthenticator is the side that challenges (the simulated
// modem, or a server). Each takes packets of protocol 0xc223 via input(), and emits SendPacket
// events with protocol proto::chap.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "chap/auth_events.hpp"
#include "chap/chap_packet.hpp"
#include "common/bytes.hpp"
#include "common/time.hpp"

namespace ec20ppp::chap {

class ChapClient {
public:
    ChapClient(std::string name, std::string secret, AuthTimers timers = {});

    // Enter the authentication phase: arms `wait_for_peer`. If no Challenge arrives in time,
    // AuthFailed("the peer sent no CHAP challenge within 30 s").
    void start(TimePoint now, AuthOutputs& out);

    // One CHAP packet from the peer.
    //  - Challenge (any time, RFC 1994 §4.1, including after success): answered with a Response
    //    carrying MD5(id || secret || value) and our name.
    //  - Success matching the id of our last Response: AuthSucceeded{authenticator's name} the
    //    first time; a later one (after a rechallenge) only logs.
    //  - Failure matching our last Response: AuthFailed with the peer's message.
    //  - A Success/Failure with another id, a Response, or a malformed packet: dropped, AuthLog.
    void input(ByteView packet, TimePoint now, AuthOutputs& out);

    std::optional<TimePoint> next_timeout() const { return deadline_; }
    void on_timeout(TimePoint now, AuthOutputs& out);

    bool succeeded() const { return state_ == State::open; }
    bool failed() const { return state_ == State::failed; }

private:
    enum class State { idle, awaiting_challenge, awaiting_verdict, open, failed };

    void on_challenge(const ChapPacket& p, TimePoint now, AuthOutputs& out);
    void on_verdict(const ChapPacket& p, AuthOutputs& out);
    void fail(std::string reason, AuthOutputs& out);

    std::string name_;
    std::string secret_;
    AuthTimers timers_;
    State state_ = State::idle;
    std::optional<std::uint8_t> last_response_id_;
    Bytes last_response_;          // repeated while no verdict arrives (RFC 1994 §4.1 note)
    int response_transmits_ = 0;
    TimePoint verdict_deadline_{};
    bool reauth_pending_ = false;  // answered a rechallenge after success, verdict not yet seen
    std::string authenticator_name_;
    std::optional<TimePoint> deadline_;
};

class ChapAuthenticator {
public:
    ChapAuthenticator(std::string our_name, SecretLookup secrets, RandomSource random,
                      AuthTimers timers = {});

    // (Re)start authentication: a fresh 16-octet challenge with a new id, retransmitted every
    // `restart` (each time with a new id and value, RFC 1994 §4.1) up to `max_transmits`, then
    // AuthFailed("the peer did not answer the CHAP challenge ...").
    void start(TimePoint now, AuthOutputs& out);

    // RFC 1994 §4.1: "A Challenge packet MAY also be transmitted at any time during the
    // Network-Layer Protocol phase". After success, challenges again; a correct answer only logs,
    // a wrong one gives AuthFailed. Before start it starts; while a challenge is outstanding or
    // after failure it does nothing.
    void rechallenge(TimePoint now, AuthOutputs& out);

    // A Response with the current id is verified against SecretLookup(name) with a constant-time
    // comparison: Success "Welcome" + AuthSucceeded{name}, or Failure + AuthFailed (distinct
    // reasons for an unknown name, a wrong secret and a wrong-sized value; the peer always sees
    // the same Failure message so it cannot tell names from secrets). A repeated Response with the
    // current id after the verdict gets the same verdict again without a second event (RFC 1994
    // §4.1 implementation note). Anything else is dropped with an AuthLog.
    void input(ByteView packet, TimePoint now, AuthOutputs& out);

    std::optional<TimePoint> next_timeout() const { return deadline_; }
    void on_timeout(TimePoint now, AuthOutputs& out);

    bool succeeded() const { return state_ == State::open; }
    bool failed() const { return state_ == State::failed; }

private:
    enum class State { idle, challenging, open, failed };

    void send_challenge(TimePoint now, AuthOutputs& out);
    void verify(const ChapPacket& p, AuthOutputs& out);
    void fail(std::string reason, AuthOutputs& out);

    std::string our_name_;
    SecretLookup secrets_;
    RandomSource random_;
    AuthTimers timers_;
    State state_ = State::idle;
    bool have_id_ = false;
    std::uint8_t id_ = 0;
    Bytes challenge_;
    int transmits_ = 0;
    bool ever_succeeded_ = false;
    Bytes verdict_;  // the Success/Failure sent for id_, repeated for a repeated Response
    std::optional<TimePoint> deadline_;
};

}  // namespace ec20ppp::chap
