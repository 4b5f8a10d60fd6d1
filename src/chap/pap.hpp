// RFC 1334 §2 PAP, both roles, as pure state machines (see auth_events.hpp). PAP sends the
// password in clear, so it is only for peers that do not offer CHAP; the password never appears
// in any log text or description produced here.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "chap/auth_events.hpp"
#include "common/bytes.hpp"
#include "common/time.hpp"

namespace ec20ppp::chap {

// RFC 1334 §2.2: the Code field.
enum class PapCode : std::uint8_t {
    authenticate_request = 1,
    authenticate_ack = 2,
    authenticate_nak = 3,
};

struct PapPacket {
    PapCode code = PapCode::authenticate_request;
    std::uint8_t id = 0;
    // Authenticate-Request (§2.2.1): Peer-ID-Length, Peer-ID, Passwd-Length, Password.
    std::string peer_id;
    std::string password;
    // Authenticate-Ack/Nak (§2.2.2): Msg-Length, Message.
    std::string message;

    // Decodes one PAP packet. Octets beyond Length are padding and ignored. An Ack/Nak without
    // even the Msg-Length octet is accepted as an empty message (some peers send a bare header);
    // anything whose length fields run past Length is rejected. `*error` never quotes packet
    // data (an Authenticate-Request carries a password).
    static std::optional<PapPacket> parse(ByteView packet, std::string* error = nullptr);

    // Encodes with a correct Length. Peer-ID, Password and Message are cut to 255 octets (their
    // length fields are one octet); PapClient refuses to start with longer credentials instead.
    Bytes serialize() const;
};

// pppd-style description without "sent [" "]":
//   PAP AuthReq id=0x1 user="user" password=<hidden>
//   PAP AuthAck id=0x1 "Login ok"
//   PAP AuthNak id=0x1 "Login incorrect"
// The password is never shown, not even for a malformed Authenticate-Request (whose body is then
// summarised as "<N octets hidden>"); other malformed packets end in the hex of their body.
std::string describe_pap(ByteView packet);

class PapClient {
public:
    PapClient(std::string user, std::string password, AuthTimers timers = {});

    // Sends an Authenticate-Request and retransmits it every `restart` (with a new id each time,
    // §2.2.1) up to `max_transmits`, then AuthFailed. A user or password longer than 255 octets
    // cannot be encoded and fails at once.
    void start(TimePoint now, AuthOutputs& out);
    // Ack to any request of this attempt -> AuthSucceeded (once); Nak -> AuthFailed with the
    // peer's message. Anything else is dropped with an AuthLog.
    void input(ByteView packet, TimePoint now, AuthOutputs& out);

    std::optional<TimePoint> next_timeout() const { return deadline_; }
    void on_timeout(TimePoint now, AuthOutputs& out);

    bool succeeded() const { return state_ == State::open; }
    bool failed() const { return state_ == State::failed; }

private:
    enum class State { idle, requesting, open, failed };

    void send_request(TimePoint now, AuthOutputs& out);
    void fail(std::string reason, AuthOutputs& out);

    std::string user_;
    std::string password_;
    AuthTimers timers_;
    State state_ = State::idle;
    std::uint8_t next_id_ = 1;
    std::array<bool, 256> sent_ids_{};  // ids used by this attempt's requests
    int transmits_ = 0;
    std::optional<TimePoint> deadline_;
};

class PapAuthenticator {
public:
    explicit PapAuthenticator(SecretLookup secrets, AuthTimers timers = {});

    // Arms `wait_for_peer`: no Authenticate-Request in time -> AuthFailed.
    void start(TimePoint now, AuthOutputs& out);
    // Authenticate-Request -> SecretLookup(Peer-ID), constant-time password comparison -> Ack
    // "Login ok" + AuthSucceeded{peer id}, or Nak "Login incorrect" + AuthFailed (distinct reasons
    // for an unknown user and a wrong password). Later requests get the same answer with their
    // own id and no second event (§2.2.1 implementation note).
    void input(ByteView packet, TimePoint now, AuthOutputs& out);

    std::optional<TimePoint> next_timeout() const { return deadline_; }
    void on_timeout(TimePoint now, AuthOutputs& out);

    bool succeeded() const { return state_ == State::open; }
    bool failed() const { return state_ == State::failed; }

private:
    enum class State { idle, waiting, open, failed };

    void fail(std::string reason, AuthOutputs& out);

    SecretLookup secrets_;
    AuthTimers timers_;
    State state_ = State::idle;
    bool answered_ = false;  // an Ack/Nak was sent, so repeats get the same code
    std::optional<TimePoint> deadline_;
};

}  // namespace ec20ppp::chap
