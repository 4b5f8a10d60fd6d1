// RFC 1661 §4.1 state transition table. Each event handler below is one row of the table; the
// comments name the action codes (irc, scr, sca, ...) of RFC 1661 §4.4.
#include "ppp/option_fsm.hpp"

#include "ppp/describe.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <cstdio>

namespace ec20ppp::ppp {

namespace {

bool timer_runs_in(FsmState s) {
    // RFC 1661 §4.6: the Restart timer runs only while a request is outstanding.
    switch (s) {
        case FsmState::closing:
        case FsmState::stopping:
        case FsmState::req_sent:
        case FsmState::ack_rcvd:
        case FsmState::ack_sent: return true;
        default: return false;
    }
}

bool negotiating(FsmState s) {
    return s == FsmState::req_sent || s == FsmState::ack_rcvd || s == FsmState::ack_sent;
}

// RFC 1661 §5.4: the options of a Configure-Reject MUST be a subset of those of our last
// Configure-Request, neither reordered nor modified. Each rejected option must therefore match,
// octet for octet, a later option of the request than the previous one did.
bool options_taken_from(ByteView rejected, ByteView request) {
    OptionReader theirs(rejected), ours(request);
    while (auto r = theirs.next()) {
        for (;;) {
            auto o = ours.next();
            if (!o) return false;
            if (std::equal(r->whole.begin(), r->whole.end(), o->whole.begin(), o->whole.end())) break;
        }
    }
    return !theirs.malformed();
}

std::string hex_byte(std::uint8_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

// Largest Code-Reject we send: the rejected packet is truncated to fit the default MRU
// (RFC 1661 §5.6: "MUST be truncated to comply with the peer's established MRU").
constexpr std::size_t kMaxRejectedCopy = 1500 - 4;

}  // namespace

std::string_view to_string(FsmState s) {
    static constexpr std::array<std::string_view, 10> names = {
        "Initial",  "Starting", "Closed",   "Stopped",  "Closing",
        "Stopping", "Req-Sent", "Ack-Rcvd", "Ack-Sent", "Opened"};
    return names[static_cast<std::size_t>(s)];
}

std::string OptionHandler::describe_extra_code(std::uint8_t, ByteView data) const {
    return hex_octets(data);
}

OptionFsm::OptionFsm(OptionHandler& handler, FsmConfig config)
    : handler_(handler), config_(config), next_id_(config.first_id) {}

void OptionFsm::log(LogLevel level, std::string text, FsmOutputs& out) const {
    out.emplace_back(LogLine{level, std::string(handler_.name()) + ": " + std::move(text)});
}

// --- actions (RFC 1661 §4.4) -------------------------------------------------------------

void OptionFsm::this_layer_up(FsmOutputs& out) { out.emplace_back(LayerUp{}); }
void OptionFsm::this_layer_down(FsmOutputs& out) { out.emplace_back(LayerDown{}); }
void OptionFsm::this_layer_started(FsmOutputs& out) { out.emplace_back(LayerStarted{}); }
void OptionFsm::this_layer_finished(FsmOutputs& out) { out.emplace_back(LayerFinished{}); }

void OptionFsm::zero_restart_count(TimePoint now) {
    restart_count_ = 0;
    deadline_ = now + config_.restart_interval;
}

void OptionFsm::send(Code code, std::uint8_t id, ByteView data, FsmOutputs& out) {
    out.emplace_back(SendPacket{handler_.protocol(), build_control_packet(code, id, data)});
}

void OptionFsm::send_configure_request(TimePoint now, bool retransmit, FsmOutputs& out) {
    if (!retransmit && !negotiating(state_)) {
        // A new request: reset the options when a negotiation starts afresh (not while one is
        // under way, where Naks/Rejects already shaped them).
        handler_.reset();
        naks_sent_ = 0;
        naks_received_ = 0;
        heard_from_peer_ = false;
    }
    if (!retransmit) request_sent_at_ = now;
    // RFC 1661 §5.1: the Identifier MUST change when the options change or a valid reply was
    // received for the previous request. The latter covers TO+ in Ack-Rcvd: the peer already
    // acknowledged the request, so resending it needs a new Identifier.
    if (!retransmit || request_answered_) request_id_ = take_id();
    // A retransmission of an unanswered request keeps its Identifier (RFC 1661 §5.1 allows it).
    last_request_.clear();
    OptionWriter writer(last_request_);
    handler_.write_request(writer);
    request_answered_ = false;
    send(Code::configure_request, request_id_, last_request_, out);
    --restart_count_;
    // §4.6: a new request starts from the initial interval; each retransmission doubles it, up
    // to restart_interval. A request lost while the modem switches to data mode then costs the
    // short first wait, not the full three seconds.
    // Only until the peer has been heard on this link: a request repeated sooner than its answer
    // can come back may reach a peer that already opened, and restart its negotiation (and
    // under a long delay, again and again).
    // Retransmissions too: once the peer is heard, only a repeat already scheduled before can
    // come early.
    if (peer_heard_since_up_)
        request_interval_ = config_.restart_interval;
    else if (retransmit && request_interval_ > Duration::zero())
        request_interval_ = std::min(request_interval_ * 2, config_.restart_interval);
    else
        request_interval_ = std::min(config_.initial_restart_interval, config_.restart_interval);
    deadline_ = now + request_interval_;
}

void OptionFsm::send_terminate_request(TimePoint now, FsmOutputs& out) {
    terminate_id_ = take_id();
    send(Code::terminate_request, terminate_id_, as_bytes(terminate_reason_), out);
    --restart_count_;
    deadline_ = now + config_.restart_interval;
}

// --- administrative and lower-layer events ------------------------------------------------

void OptionFsm::up(TimePoint now, FsmOutputs& out) {
    peer_heard_since_up_ = false;
    switch (state_) {
        case FsmState::initial: set_state(FsmState::closed); break;
        case FsmState::starting:  // irc, scr / Req-Sent
            init_restart_count(config_.max_configure);
            send_configure_request(now, false, out);
            set_state(FsmState::req_sent);
            break;
        default: log(LogLevel::debug, "Up event in state " + std::string(to_string(state_)) + " ignored", out);
    }
}

void OptionFsm::down(FsmOutputs& out) {
    switch (state_) {
        case FsmState::closed: set_state(FsmState::initial); break;
        case FsmState::stopped:  // tls / Starting
            this_layer_started(out);
            set_state(FsmState::starting);
            break;
        case FsmState::closing: set_state(FsmState::initial); break;
        case FsmState::stopping:
        case FsmState::req_sent:
        case FsmState::ack_rcvd:
        case FsmState::ack_sent: set_state(FsmState::starting); break;
        case FsmState::opened:  // tld / Starting
            this_layer_down(out);
            set_state(FsmState::starting);
            break;
        default: log(LogLevel::debug, "Down event in state " + std::string(to_string(state_)) + " ignored", out);
    }
    deadline_.reset();
}

void OptionFsm::open(TimePoint now, FsmOutputs& out) {
    switch (state_) {
        case FsmState::initial:  // tls / Starting
            this_layer_started(out);
            set_state(FsmState::starting);
            break;
        case FsmState::closed:  // irc, scr / Req-Sent
            init_restart_count(config_.max_configure);
            send_configure_request(now, false, out);
            set_state(FsmState::req_sent);
            break;
        case FsmState::closing: set_state(FsmState::stopping); break;
        default: break;  // Starting, Stopped, Stopping, Req-Sent, Ack-*, Opened: no change
    }
}

void OptionFsm::close(std::string_view reason, TimePoint now, FsmOutputs& out) {
    terminate_reason_ = std::string(reason);
    switch (state_) {
        case FsmState::starting:  // tlf / Initial
            this_layer_finished(out);
            set_state(FsmState::initial);
            break;
        case FsmState::stopped: set_state(FsmState::closed); break;
        case FsmState::stopping: set_state(FsmState::closing); break;
        case FsmState::opened:  // tld, irc, str / Closing
            this_layer_down(out);
            [[fallthrough]];
        case FsmState::req_sent:
        case FsmState::ack_rcvd:
        case FsmState::ack_sent:  // irc, str / Closing
            init_restart_count(config_.max_terminate);
            send_terminate_request(now, out);
            set_state(FsmState::closing);
            break;
        default: break;  // Initial, Closed, Closing: no change
    }
    if (!timer_runs_in(state_)) deadline_.reset();
}

void OptionFsm::on_timeout(TimePoint now, FsmOutputs& out) {
    if (!deadline_ || now < *deadline_) return;
    deadline_.reset();
    bool counter_left = restart_count_ > 0;  // TO+ versus TO- (RFC 1661 §4.1)
    switch (state_) {
        case FsmState::closing:
        case FsmState::stopping:
            if (counter_left) {
                send_terminate_request(now, out);  // str
            } else {
                this_layer_finished(out);  // tlf / Closed or Stopped
                set_state(state_ == FsmState::closing ? FsmState::closed : FsmState::stopped);
            }
            break;
        case FsmState::req_sent:
        case FsmState::ack_rcvd:
        case FsmState::ack_sent:
            if (counter_left) {
                send_configure_request(now, true, out);  // scr
                if (state_ == FsmState::ack_rcvd) set_state(FsmState::req_sent);
            } else {
                log(LogLevel::warning, "timeout sending Config-Requests", out);
                set_state(FsmState::stopped);
                if (!config_.passive) this_layer_finished(out);  // tlf / Stopped ("p": stay passive)
            }
            break;
        default: break;
    }
    if (!timer_runs_in(state_)) deadline_.reset();
}

// --- receive events -----------------------------------------------------------------------

void OptionFsm::input(ByteView packet, TimePoint now, FsmOutputs& out) {
    PacketError error{};
    auto pkt = ControlPacketView::parse(packet, &error);
    if (!pkt) {
        log(LogLevel::debug, "dropped malformed packet: " + std::string(to_string(error)), out);
        return;
    }
    if (state_ == FsmState::initial || state_ == FsmState::starting) {
        // RFC 1661 §4.1: no packets are expected before the lower layer is up.
        log(LogLevel::debug, "dropped packet received in state " + std::string(to_string(state_)), out);
        return;
    }
    const bool first_from_peer = !heard_from_peer_;
    const bool peer_was_heard = std::exchange(peer_heard_since_up_, true);
    switch (static_cast<Code>(pkt->code)) {
        case Code::configure_request:
            if (first_from_peer && !peer_was_heard && state_ == FsmState::req_sent && !request_answered_ &&
                config_.resend_request_on_peer_request > Duration::zero() &&
                now - request_sent_at_ >= config_.resend_request_on_peer_request) {
                log(LogLevel::debug, "the peer's first Configure-Request came before any answer to ours: sending ours again", out);
                send_configure_request(now, true, out);
            }
            receive_configure_request(pkt->id, pkt->data, now, out);
            break;
        case Code::configure_ack: receive_configure_ack(pkt->id, pkt->data, now, out); break;
        case Code::configure_nak:
        case Code::configure_reject:
            receive_configure_nak_or_reject(static_cast<Code>(pkt->code), pkt->id, pkt->data, now, out);
            break;
        case Code::terminate_request: receive_terminate_request(pkt->id, pkt->data, now, out); break;
        case Code::terminate_ack: receive_terminate_ack(now, out); break;
        case Code::code_reject: receive_code_reject(pkt->data, now, out); break;
        default:
            if (!handler_.on_extra_code(pkt->code, pkt->id, pkt->data, state_, out)) {
                receive_unknown_code(packet.first(pkt->data.size() + 4), out);
            }
    }
    heard_from_peer_ = true;
    if (!timer_runs_in(state_)) deadline_.reset();
}

Code OptionFsm::judge_request(ByteView options, Bytes& reply) {
    // RFC 1661 §5.2-5.4: the reply carries only options of its own kind; the kind escalates
    // Ack < Nak < Reject, and escalating discards what was collected for the lower kind.
    const bool reject_if_disagree = naks_sent_ >= config_.max_failure;
    Verdict worst = Verdict::ack;
    Bytes naks, rejects;
    OptionWriter nak_writer(naks);
    handler_.peer_request_begin();
    OptionReader reader(options);
    while (auto option = reader.next()) {
        Bytes suggestion;
        OptionWriter suggestion_writer(suggestion);
        Verdict verdict = handler_.on_peer_option(*option, suggestion_writer, reject_if_disagree);
        if (verdict == Verdict::nak &&
            (suggestion.empty() || (reject_if_disagree && !handler_.nak_after_max_failure(*option))))
            verdict = Verdict::reject;
        if (verdict == Verdict::nak) nak_writer.add_raw(suggestion);
        if (verdict == Verdict::reject) rejects.insert(rejects.end(), option->whole.begin(), option->whole.end());
        worst = std::max(worst, verdict);
    }
    if (reader.malformed()) {
        // An option whose Length is impossible: reject it and everything after it, since the
        // boundaries of the rest cannot be known.
        rejects.insert(rejects.end(), reader.rest().begin(), reader.rest().end());
        worst = Verdict::reject;
    }
    if (worst != Verdict::reject) {
        std::size_t before = naks.size();
        handler_.peer_request_end(nak_writer, reject_if_disagree);
        if (naks.size() != before) worst = Verdict::nak;
    }
    switch (worst) {
        case Verdict::ack: reply.assign(options.begin(), options.end()); return Code::configure_ack;
        case Verdict::nak: reply = std::move(naks); return Code::configure_nak;
        case Verdict::reject: reply = std::move(rejects); return Code::configure_reject;
    }
    return Code::configure_reject;
}

void OptionFsm::receive_configure_request(std::uint8_t id, ByteView options, TimePoint now, FsmOutputs& out) {
    switch (state_) {
        case FsmState::closed:  // sta / Closed
            send(Code::terminate_ack, id, {}, out);
            return;
        case FsmState::closing:
        case FsmState::stopping: return;  // no action: we are terminating
        case FsmState::opened:  // tld, scr, then sca or scn (RFC 1661 §4.1: renegotiation)
            this_layer_down(out);
            init_restart_count(config_.max_configure);
            send_configure_request(now, false, out);
            set_state(FsmState::req_sent);
            break;
        case FsmState::stopped:  // irc, scr, then sca or scn: the peer started negotiation
            init_restart_count(config_.max_configure);
            send_configure_request(now, false, out);
            set_state(FsmState::req_sent);
            break;
        default: break;
    }
    Bytes reply;
    Code code = judge_request(options, reply);
    send(code, id, reply, out);
    if (code == Code::configure_ack) {  // RCR+
        handler_.peer_request_acked();
        naks_sent_ = 0;
        if (state_ == FsmState::ack_rcvd) {  // sca, tlu / Opened
            set_state(FsmState::opened);
            this_layer_up(out);
        } else {
            set_state(FsmState::ack_sent);
        }
    } else {  // RCR-
        if (code == Code::configure_nak) ++naks_sent_;
        if (state_ != FsmState::ack_rcvd) set_state(FsmState::req_sent);
    }
}

void OptionFsm::receive_configure_ack(std::uint8_t id, ByteView options, TimePoint now, FsmOutputs& out) {
    // RFC 1661 §5.2: the Identifier must match the last Configure-Request and the options must
    // be exactly ours; anything else is invalid and silently discarded. A second reply to the
    // same request (crossed retransmissions) is dropped too, as pppd does.
    if (id != request_id_ || request_answered_) {
        log(LogLevel::debug, "dropped ConfAck id=" + hex_byte(id) + ": does not answer our request", out);
        return;
    }
    if (!std::equal(options.begin(), options.end(), last_request_.begin(), last_request_.end())) {
        log(LogLevel::warning, "dropped ConfAck id=" + hex_byte(id) + ": options differ from our request", out);
        return;
    }
    request_answered_ = true;
    naks_received_ = 0;
    switch (state_) {
        case FsmState::closed:
        case FsmState::stopped: send(Code::terminate_ack, id, {}, out); break;  // sta
        case FsmState::req_sent:  // irc / Ack-Rcvd
            handler_.on_ack(options);
            init_restart_count(config_.max_configure);
            set_state(FsmState::ack_rcvd);
            break;
        case FsmState::ack_rcvd:  // scr / Req-Sent (crossed connection)
            log(LogLevel::debug, "crossed ConfAck, requesting again", out);
            send_configure_request(now, false, out);
            set_state(FsmState::req_sent);
            break;
        case FsmState::ack_sent:  // irc, tlu / Opened
            handler_.on_ack(options);
            init_restart_count(config_.max_configure);
            set_state(FsmState::opened);
            this_layer_up(out);
            break;
        case FsmState::opened:  // tld, scr / Req-Sent
            this_layer_down(out);
            send_configure_request(now, false, out);
            set_state(FsmState::req_sent);
            break;
        default: break;  // Closing, Stopping: no action
    }
}

void OptionFsm::receive_configure_nak_or_reject(Code code, std::uint8_t id, ByteView options, TimePoint now,
                                                FsmOutputs& out) {
    const char* what = code == Code::configure_nak ? "ConfNak" : "ConfRej";
    if (id != request_id_ || request_answered_) {
        log(LogLevel::debug, std::string("dropped ") + what + " id=" + hex_byte(id) + ": does not answer our request", out);
        return;
    }
    if (state_ == FsmState::closed || state_ == FsmState::stopped) {  // sta
        send(Code::terminate_ack, id, {}, out);
        return;
    }
    if (state_ == FsmState::closing || state_ == FsmState::stopping) return;

    bool valid;
    if (code == Code::configure_nak) {
        bool treat_as_reject = ++naks_received_ >= config_.max_nak_received;
        valid = handler_.on_nak(options, treat_as_reject);
    } else {
        valid = options_taken_from(options, last_request_) && handler_.on_reject(options);
    }
    if (!valid) {
        log(LogLevel::warning, std::string("dropped ") + what + " id=" + hex_byte(id) + ": it names options we did not send", out);
        return;
    }
    request_answered_ = true;
    switch (state_) {
        case FsmState::req_sent:  // irc, scr / Req-Sent
            init_restart_count(config_.max_configure);
            send_configure_request(now, false, out);
            break;
        case FsmState::ack_rcvd:  // scr / Req-Sent (crossed connection)
            send_configure_request(now, false, out);
            set_state(FsmState::req_sent);
            break;
        case FsmState::ack_sent:  // irc, scr / Ack-Sent
            init_restart_count(config_.max_configure);
            send_configure_request(now, false, out);
            break;
        case FsmState::opened:  // tld, scr / Req-Sent
            this_layer_down(out);
            send_configure_request(now, false, out);
            set_state(FsmState::req_sent);
            break;
        default: break;
    }
}

void OptionFsm::receive_terminate_request(std::uint8_t id, ByteView data, TimePoint now, FsmOutputs& out) {
    switch (state_) {
        case FsmState::req_sent:
        case FsmState::ack_rcvd:
        case FsmState::ack_sent:  // sta / Req-Sent
            send(Code::terminate_ack, id, {}, out);
            set_state(FsmState::req_sent);
            break;
        case FsmState::opened: {  // tld, zrc, sta / Stopping
            std::string reason(data.begin(), data.end());
            log(LogLevel::notice, "terminated by peer" + (reason.empty() ? std::string() : " (" + reason + ")"), out);
            this_layer_down(out);
            zero_restart_count(now);
            send(Code::terminate_ack, id, {}, out);
            set_state(FsmState::stopping);
            break;
        }
        default:  // Closed, Stopped, Closing, Stopping: sta
            send(Code::terminate_ack, id, {}, out);
    }
}

void OptionFsm::receive_terminate_ack(TimePoint now, FsmOutputs& out) {
    switch (state_) {
        case FsmState::closing:  // tlf / Closed
            this_layer_finished(out);
            set_state(FsmState::closed);
            break;
        case FsmState::stopping:  // tlf / Stopped
            this_layer_finished(out);
            set_state(FsmState::stopped);
            break;
        case FsmState::ack_rcvd: set_state(FsmState::req_sent); break;
        case FsmState::opened:  // tld, scr / Req-Sent
            this_layer_down(out);
            init_restart_count(config_.max_configure);
            send_configure_request(now, false, out);
            set_state(FsmState::req_sent);
            break;
        default: break;  // Closed, Stopped, Req-Sent, Ack-Sent: no change
    }
}

void OptionFsm::receive_code_reject(ByteView data, TimePoint now, FsmOutputs& out) {
    // RFC 1661 §5.6: rejecting a code we need to negotiate (1-7) is catastrophic (RXJ-); a
    // rejected extension such as Echo-Request is permitted (RXJ+).
    std::uint8_t rejected = data.empty() ? 0 : data[0];
    log(LogLevel::warning, "Rcvd Code-Reject for code " + std::to_string(rejected), out);
    if (rejected >= 1 && rejected <= 7) {
        catastrophic_reject(now, out);
    } else if (state_ == FsmState::ack_rcvd) {  // RXJ+ in Ack-Rcvd / Req-Sent
        set_state(FsmState::req_sent);
    }
}

void OptionFsm::protocol_rejected(TimePoint now, FsmOutputs& out) {
    log(LogLevel::warning, "the peer rejected the protocol", out);
    if (state_ == FsmState::initial || state_ == FsmState::starting) return;
    catastrophic_reject(now, out);
    if (!timer_runs_in(state_)) deadline_.reset();
}

void OptionFsm::catastrophic_reject(TimePoint now, FsmOutputs& out) {
    switch (state_) {
        case FsmState::closed:
        case FsmState::closing:  // tlf / Closed
            this_layer_finished(out);
            set_state(FsmState::closed);
            break;
        case FsmState::stopped:
        case FsmState::stopping:
        case FsmState::req_sent:
        case FsmState::ack_rcvd:
        case FsmState::ack_sent:  // tlf / Stopped
            this_layer_finished(out);
            set_state(FsmState::stopped);
            break;
        case FsmState::opened:  // tld, irc, str / Stopping
            this_layer_down(out);
            init_restart_count(config_.max_terminate);
            send_terminate_request(now, out);
            set_state(FsmState::stopping);
            break;
        default: break;
    }
}

void OptionFsm::receive_unknown_code(ByteView packet, FsmOutputs& out) {  // RUC: scj
    log(LogLevel::debug, "unknown code " + std::to_string(packet[0]) + ", sending Code-Reject", out);
    send(Code::code_reject, take_id(), packet.first(std::min(packet.size(), kMaxRejectedCopy)), out);
}

}  // namespace ec20ppp::ppp
