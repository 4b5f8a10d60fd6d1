#include "chap/pap.hpp"

#include <algorithm>
#include <utility>

#include "chap/auth_text.hpp"

namespace ec20ppp::chap {

namespace {

constexpr std::size_t header_size = 4;  // Code, Identifier, Length (RFC 1334 §2.2)
constexpr std::string_view ack_message = "Login ok";
constexpr std::string_view nak_message = "Login incorrect";

std::optional<PapPacket> reject(std::string* error, std::string why) {
    if (error) *error = std::move(why);
    return std::nullopt;
}

std::string_view as_text(ByteView bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::string_view code_name(std::uint8_t code) {
    switch (code) {
        case 1: return "AuthReq";
        case 2: return "AuthAck";
        case 3: return "AuthNak";
        default: return {};
    }
}

std::string packet_label(const PapPacket& p) {
    return "PAP " + std::string(code_name(static_cast<std::uint8_t>(p.code))) +
           " id=" + detail::hex_id(p.id);
}

// One-octet length followed by that many octets, cut at 255.
void append_field(Bytes& out, std::string_view s) {
    const std::size_t n = std::min<std::size_t>(s.size(), 0xff);
    out.push_back(static_cast<std::uint8_t>(n));
    const ByteView b = as_bytes(s.substr(0, n));
    out.insert(out.end(), b.begin(), b.end());
}

}  // namespace

std::optional<PapPacket> PapPacket::parse(ByteView packet, std::string* error) {
    if (packet.size() < header_size) {
        return reject(error, "length " + std::to_string(packet.size()) + " < 4");
    }
    const std::size_t length = load_be16(packet.data() + 2);
    if (length < header_size) {
        return reject(error, "Length field " + std::to_string(length) + " < 4");
    }
    if (length > packet.size()) {
        return reject(error, "Length field " + std::to_string(length) + " > " +
                                 std::to_string(packet.size()) + " octets received");
    }
    PapPacket out;
    out.id = packet[1];
    const ByteView data = packet.subspan(header_size, length - header_size);
    switch (packet[0]) {
        case 1: {
            out.code = PapCode::authenticate_request;
            if (data.empty()) return reject(error, "no Peer-ID-Length octet");
            const std::size_t id_len = data[0];
            if (id_len > data.size() - 1) {
                return reject(error, "Peer-ID-Length " + std::to_string(id_len) + " > " +
                                         std::to_string(data.size() - 1) + " octets left");
            }
            const ByteView after_id = data.subspan(1 + id_len);
            if (after_id.empty()) return reject(error, "no Passwd-Length octet");
            const std::size_t pw_len = after_id[0];
            if (pw_len > after_id.size() - 1) {
                return reject(error, "Passwd-Length " + std::to_string(pw_len) + " > " +
                                         std::to_string(after_id.size() - 1) + " octets left");
            }
            out.peer_id = std::string(as_text(data.subspan(1, id_len)));
            out.password = std::string(as_text(after_id.subspan(1, pw_len)));
            return out;
        }
        case 2:
        case 3: {
            out.code = static_cast<PapCode>(packet[0]);
            if (data.empty()) return out;  // bare header: tolerated as an empty Message
            const std::size_t msg_len = data[0];
            if (msg_len > data.size() - 1) {
                return reject(error, "Msg-Length " + std::to_string(msg_len) + " > " +
                                         std::to_string(data.size() - 1) + " octets left");
            }
            out.message = std::string(as_text(data.subspan(1, msg_len)));
            return out;
        }
        default:
            return reject(error, "unknown code " + detail::hex_id(packet[0]));
    }
}

Bytes PapPacket::serialize() const {
    Bytes out;
    out.push_back(static_cast<std::uint8_t>(code));
    out.push_back(id);
    append_be16(out, 0);  // Length, patched below
    if (code == PapCode::authenticate_request) {
        append_field(out, peer_id);
        append_field(out, password);
    } else {
        append_field(out, message);
    }
    store_be16(out.data() + 2, static_cast<std::uint16_t>(out.size()));  // at most 4+2*256
    return out;
}

std::string describe_pap(ByteView packet) {
    if (auto p = PapPacket::parse(packet)) {
        std::string out = packet_label(*p);
        if (p->code == PapCode::authenticate_request) {
            out += " user=" + detail::quoted(p->peer_id) + " password=<hidden>";
        } else {
            out += " " + detail::quoted(p->message);
        }
        return out;
    }
    std::string out = "PAP";
    if (packet.empty()) return out + " <>";
    const std::string_view name = code_name(packet[0]);
    out += name.empty() ? " code=" + detail::hex_id(packet[0]) : " " + std::string(name);
    if (packet.size() >= 2) out += " id=" + detail::hex_id(packet[1]);
    const ByteView rest = packet.subspan(std::min(packet.size(), header_size));
    if (rest.empty()) return out;
    if (packet[0] == 1) {
        // Where a malformed request's password starts is unknowable; show none of it.
        return out + " <" + std::to_string(rest.size()) + " octets hidden>";
    }
    return out + " <" + to_hex(rest) + ">";
}

// ---------------------------------------------------------------------------------------------
// PapClient

PapClient::PapClient(std::string user, std::string password, AuthTimers timers)
    : user_(std::move(user)), password_(std::move(password)), timers_(timers) {}

void PapClient::start(TimePoint now, AuthOutputs& out) {
    sent_ids_.fill(false);
    transmits_ = 0;
    if (user_.size() > 0xff || password_.size() > 0xff) {
        fail("the PAP user name or password is longer than 255 octets, which an RFC 1334 "
             "Authenticate-Request cannot carry; shorten it",
             out);
        return;
    }
    state_ = State::requesting;
    send_request(now, out);
}

void PapClient::send_request(TimePoint now, AuthOutputs& out) {
    // RFC 1334 §2.2.1: "The Identifier field MUST be changed each time an Authenticate-Request
    // packet is issued", retransmissions included.
    PapPacket request;
    request.code = PapCode::authenticate_request;
    request.id = next_id_++;
    request.peer_id = user_;
    request.password = password_;
    sent_ids_[request.id] = true;
    out.push_back(SendPacket{proto::pap, request.serialize()});
    ++transmits_;
    deadline_ = now + timers_.restart;
}

void PapClient::input(ByteView packet, TimePoint /*now*/, AuthOutputs& out) {
    std::string error;
    const auto p = PapPacket::parse(packet, &error);
    if (!p) {
        out.push_back(AuthLog{"dropped malformed PAP packet: " + error});
        return;
    }
    if (p->code == PapCode::authenticate_request) {
        out.push_back(AuthLog{"dropped " + packet_label(*p) +
                              ": we are the side being authenticated"});
        return;
    }
    if (state_ == State::idle || !sent_ids_[p->id]) {
        // §2.2.2: the reply's Identifier is copied from the request it answers. Because every
        // retransmission has a new id, a late reply to an earlier request of this attempt is
        // still an answer to our (unchanged) credentials and is accepted.
        out.push_back(AuthLog{"dropped " + packet_label(*p) +
                              ": it answers no Authenticate-Request we sent"});
        return;
    }
    if (state_ != State::requesting) {
        out.push_back(AuthLog{"ignored repeated " + packet_label(*p)});
        return;
    }
    const std::string said = p->message.empty() ? "" : ": " + detail::quoted(p->message);
    if (p->code == PapCode::authenticate_ack) {
        state_ = State::open;
        deadline_.reset();
        out.push_back(AuthLog{"PAP authentication succeeded" + said});
        out.push_back(AuthSucceeded{});
        return;
    }
    fail("the peer rejected PAP user " + detail::quoted(user_) +
             (p->message.empty() ? "" : " (it said " + detail::quoted(p->message) + ")") +
             "; check the user name and password configured for this connection",
         out);
}

void PapClient::on_timeout(TimePoint now, AuthOutputs& out) {
    if (state_ != State::requesting || !deadline_ || now < *deadline_) return;
    if (transmits_ >= std::max(1, timers_.max_transmits)) {
        fail("the peer did not answer our PAP Authenticate-Request (sent " +
                 std::to_string(transmits_) + " times, " + detail::duration_text(timers_.restart) +
                 " apart); check that the peer is running and agreed to PAP",
             out);
        return;
    }
    send_request(now, out);
}

void PapClient::fail(std::string reason, AuthOutputs& out) {
    state_ = State::failed;
    deadline_.reset();
    out.push_back(AuthLog{"PAP authentication failed"});
    out.push_back(AuthFailed{std::move(reason)});
}

// ---------------------------------------------------------------------------------------------
// PapAuthenticator

PapAuthenticator::PapAuthenticator(SecretLookup secrets, AuthTimers timers)
    : secrets_(std::move(secrets)), timers_(timers) {}

void PapAuthenticator::start(TimePoint now, AuthOutputs& /*out*/) {
    // RFC 1334 §2: the authenticator only waits; the peer sends the first packet.
    state_ = State::waiting;
    answered_ = false;
    deadline_ = now + timers_.wait_for_peer;
}

void PapAuthenticator::input(ByteView packet, TimePoint /*now*/, AuthOutputs& out) {
    std::string error;
    const auto p = PapPacket::parse(packet, &error);
    if (!p) {
        out.push_back(AuthLog{"dropped malformed PAP packet: " + error});
        return;
    }
    if (p->code != PapCode::authenticate_request) {
        out.push_back(AuthLog{"dropped " + packet_label(*p) +
                              ": we are the authenticator and only expect Authenticate-Requests"});
        return;
    }
    PapPacket reply;
    reply.id = p->id;  // §2.2.2: copied from the request that caused the reply

    if (state_ == State::open || state_ == State::failed) {
        if (!answered_) {
            out.push_back(AuthLog{"dropped " + packet_label(*p) +
                                  ": PAP authentication already timed out"});
            return;
        }
        // §2.2.1 implementation note: the Ack might be lost, so a repeated request gets the same
        // reply Code as the one that completed the phase - whatever it now contains, so that a
        // peer cannot try further names and passwords. Reported once already: no new event.
        reply.code = state_ == State::open ? PapCode::authenticate_ack : PapCode::authenticate_nak;
        reply.message = std::string(state_ == State::open ? ack_message : nak_message);
        out.push_back(SendPacket{proto::pap, reply.serialize()});
        return;
    }

    const std::string who = detail::quoted(p->peer_id);
    std::optional<std::string> secret;
    if (secrets_) secret = secrets_(p->peer_id);
    const bool ok = secret && detail::constant_time_equal(as_bytes(*secret), as_bytes(p->password));

    reply.code = ok ? PapCode::authenticate_ack : PapCode::authenticate_nak;
    reply.message = std::string(ok ? ack_message : nak_message);
    out.push_back(SendPacket{proto::pap, reply.serialize()});
    answered_ = true;
    deadline_.reset();
    if (ok) {
        state_ = State::open;
        out.push_back(AuthLog{"PAP authentication of " + who + " succeeded"});
        out.push_back(AuthSucceeded{p->peer_id});
        return;
    }
    state_ = State::failed;
    out.push_back(AuthLog{"PAP authentication of " + who + " failed"});
    out.push_back(AuthFailed{
        secret ? "the peer " + who +
                     " sent a wrong PAP password; check the password configured for it on both sides"
               : "the peer's PAP user " + who +
                     " has no configured password; add one for it or fix the user name on the peer"});
}

void PapAuthenticator::on_timeout(TimePoint now, AuthOutputs& out) {
    if (state_ != State::waiting || !deadline_ || now < *deadline_) return;
    fail("the peer sent no PAP Authenticate-Request within " +
             detail::duration_text(timers_.wait_for_peer),
         out);
}

void PapAuthenticator::fail(std::string reason, AuthOutputs& out) {
    state_ = State::failed;
    deadline_.reset();
    out.push_back(AuthLog{"PAP authentication failed"});
    out.push_back(AuthFailed{std::move(reason)});
}

}  // namespace ec20ppp::chap
