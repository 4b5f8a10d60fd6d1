#include "link/link.hpp"

#include "chap/chap_packet.hpp"
#include "ppp/describe.hpp"

namespace ec20ppp::link {

namespace {

bool is_terminating(ppp::FsmState s) { return s == ppp::FsmState::closing || s == ppp::FsmState::stopping; }
bool is_down_for_good(ppp::FsmState s) {
    return s == ppp::FsmState::initial || s == ppp::FsmState::closed || s == ppp::FsmState::stopped ||
           s == ppp::FsmState::starting;
}

template <class T>
void consider(std::optional<TimePoint>& best, const T* component) {
    if (component) best = earliest(best, component->next_timeout());
}

template <class T>
bool due(const T* component, TimePoint now) {
    if (!component) return false;
    auto d = component->next_timeout();
    return d && *d <= now;
}

// The largest copy of a rejected packet we put in a Protocol-Reject (RFC 1661 §5.7: truncated
// to the peer's MRU, less the Protocol-Reject header and rejected-protocol field).
std::size_t reject_copy_limit(std::uint16_t peer_mru) { return peer_mru > 6 ? peer_mru - 6u : 0u; }

}  // namespace

std::string_view to_string(Phase p) {
    switch (p) {
        case Phase::dead: return "Dead";
        case Phase::establish: return "Establish";
        case Phase::authenticate: return "Authenticate";
        case Phase::network: return "Network";
        case Phase::running: return "Running";
        case Phase::terminate: return "Terminate";
    }
    return "?";
}

std::string_view to_string(EndReason r) {
    switch (r) {
        case EndReason::none: return "none";
        case EndReason::local_request: return "closed on request";
        case EndReason::peer_terminated: return "terminated by the peer";
        case EndReason::negotiation_failed: return "PPP negotiation failed";
        case EndReason::we_failed_auth: return "we failed to authenticate ourselves to the peer";
        case EndReason::peer_failed_auth: return "the peer failed to authenticate";
        case EndReason::echo_timeout: return "the peer stopped answering LCP echo requests";
        case EndReason::looped_back: return "the serial line is looped back";
        case EndReason::lower_layer_down: return "the serial line went down";
    }
    return "?";
}

Link::Link(LinkConfig config, RandomSource random)
    : config_(std::move(config)),
      random_(std::move(random)),
      lcp_handler_(config_.lcp, random_),
      ipcp_handler_(config_.ipcp),
      ipv6cp_handler_(config_.ipv6cp, random_),
      lcp_(lcp_handler_, config_.fsm),
      ipcp_(ipcp_handler_, config_.fsm),
      ipv6cp_(ipv6cp_handler_, config_.fsm) {}

void Link::log(LogLevel level, std::string text, LinkEvents& out) const {
    out.emplace_back(LogLine{level, std::move(text)});
}

std::string Link::describe(std::uint16_t protocol, ByteView info) const {
    switch (protocol) {
        case proto::lcp: return ppp::describe_control_packet(lcp_handler_, info);
        case proto::ipcp: return ppp::describe_control_packet(ipcp_handler_, info);
        case proto::ipv6cp: return ppp::describe_control_packet(ipv6cp_handler_, info);
        case proto::chap: return chap::describe_chap(info);
        case proto::pap: return chap::describe_pap(info);
        case proto::ip: return "IP len=" + std::to_string(info.size());
        case proto::ipv6: return "IPv6 len=" + std::to_string(info.size());
        default: {
            std::string s = "proto=" + ppp::hex_value(protocol);
            return s + ppp::hex_octets(info.first(std::min<std::size_t>(info.size(), 32))) +
                   (info.size() > 32 ? " ..." : "");
        }
    }
}

void Link::emit_send(SendPacket packet, LinkEvents& out) {
    if (packet.protocol >= 0x8000) log(LogLevel::debug, "sent [" + describe(packet.protocol, packet.packet) + "]", out);
    out.emplace_back(std::move(packet));
}

// --- lower layer and administrative events --------------------------------------------------

void Link::lower_up(TimePoint now, LinkEvents& out) {
    if (phase_ != Phase::dead) return;
    phase_ = Phase::establish;
    end_reason_ = EndReason::none;
    end_detail_.clear();
    ppp::FsmOutputs fsm_out;
    lcp_.open(now, fsm_out);
    lcp_.up(now, fsm_out);
    run_lcp(fsm_out, now, out);
}

void Link::lower_down(TimePoint now, LinkEvents& out, std::string_view why) {
    ppp::FsmOutputs fsm_out;
    lcp_.down(fsm_out);
    run_lcp(fsm_out, now, out);
    if (phase_ != Phase::dead) {
        if (end_reason_ == EndReason::none) {
            end_reason_ = EndReason::lower_layer_down;
            end_detail_ = std::string(why);
        }
        on_lcp_finished(out);
    }
}

void Link::close(std::string_view reason, TimePoint now, LinkEvents& out) {
    if (end_reason_ == EndReason::none) {
        end_reason_ = EndReason::local_request;
        end_detail_ = std::string(reason);
    }
    ppp::FsmOutputs fsm_out;
    lcp_.close(reason, now, fsm_out);
    run_lcp(fsm_out, now, out);
    // Closing a link that never opened sends nothing and finishes nothing: end it here.
    if (phase_ != Phase::dead && is_down_for_good(lcp_.state())) on_lcp_finished(out);
}

void Link::fail(EndReason reason, std::string detail, TimePoint now, LinkEvents& out) {
    if (end_reason_ == EndReason::none) {
        end_reason_ = reason;
        end_detail_ = detail;
    }
    log(LogLevel::error, detail, out);
    ppp::FsmOutputs fsm_out;
    lcp_.close(detail, now, fsm_out);
    run_lcp(fsm_out, now, out);
    if (phase_ != Phase::dead && is_down_for_good(lcp_.state())) on_lcp_finished(out);
}

// --- automaton outputs -----------------------------------------------------------------------

void Link::run_lcp(ppp::FsmOutputs& fsm_out, TimePoint now, LinkEvents& out) {
    for (auto& event : fsm_out) {
        if (auto* send = std::get_if<SendPacket>(&event)) {
            emit_send(std::move(*send), out);
        } else if (auto* line = std::get_if<LogLine>(&event)) {
            out.emplace_back(std::move(*line));
        } else if (std::holds_alternative<ppp::LayerUp>(event)) {
            on_lcp_up(now, out);
        } else if (std::holds_alternative<ppp::LayerDown>(event)) {
            on_lcp_down(now, out);
        } else if (std::holds_alternative<ppp::LayerFinished>(event)) {
            if (phase_ != Phase::dead) {
                if (end_reason_ == EndReason::none) {
                    end_reason_ = EndReason::negotiation_failed;
                    end_detail_ = "LCP negotiation did not converge (no usable answer to our Configure-Requests)";
                }
                on_lcp_finished(out);
            }
        } else if (auto* rej = std::get_if<ppp::ProtocolRejectReceived>(&event)) {
            // RFC 1661 §5.7: stop sending the rejected protocol.
            ppp::FsmOutputs ncp_out;
            if (rej->protocol == proto::ipcp) {
                ipcp_.protocol_rejected(now, ncp_out);
                run_ncp(ipcp_, ncp_out, now, out);
            } else if (rej->protocol == proto::ipv6cp) {
                ipv6cp_.protocol_rejected(now, ncp_out);
                run_ncp(ipv6cp_, ncp_out, now, out);
            } else {
                log(LogLevel::info, "the peer rejected protocol " + ppp::hex_value(rej->protocol), out);
            }
        } else if (std::holds_alternative<ppp::EchoReplyReceived>(event)) {
            echoes_outstanding_ = 0;
        }
    }
}

void Link::run_ncp(ppp::OptionFsm& fsm, ppp::FsmOutputs& fsm_out, TimePoint now, LinkEvents& out) {
    const bool v4 = &fsm == &ipcp_;
    for (auto& event : fsm_out) {
        if (auto* send = std::get_if<SendPacket>(&event)) {
            emit_send(std::move(*send), out);
        } else if (auto* line = std::get_if<LogLine>(&event)) {
            out.emplace_back(std::move(*line));
        } else if (std::holds_alternative<ppp::LayerUp>(event)) {
            phase_ = Phase::running;
            if (v4) {
                ipv4_up_ = true;
                const auto& r = ipcp_handler_.result();
                Ipv4Up up{r.local, r.remote, false, r.dns1, r.dns2};
                if (config_.role == Role::network) {
                    // We are the modem: the address we gave the client is what matters.
                    log(LogLevel::notice, "client IP address " + to_string(up.remote), out);
                    out.emplace_back(std::move(up));
                    continue;
                }
                if (up.remote.is_zero()) {
                    // The EC20 never states its own address; pppd then assumes 10.64.64.64.
                    up.remote = ipcp::kDefaultRemote;
                    up.remote_assumed = true;
                    log(LogLevel::notice, "Could not determine remote IP address: defaulting to 10.64.64.64", out);
                }
                log(LogLevel::notice, "local  IP address " + to_string(up.local), out);
                log(LogLevel::notice, "remote IP address " + to_string(up.remote), out);
                if (up.dns1) log(LogLevel::notice, "primary   DNS address " + to_string(*up.dns1), out);
                if (up.dns2) log(LogLevel::notice, "secondary DNS address " + to_string(*up.dns2), out);
                out.emplace_back(std::move(up));
            } else {
                ipv6_up_ = true;
                const auto& r = ipv6cp_handler_.result();
                log(LogLevel::notice, "local  LL address " + ipcp::link_local_text(r.local_id), out);
                log(LogLevel::notice, "remote LL address " + ipcp::link_local_text(r.peer_id), out);
                out.emplace_back(Ipv6Up{r.local_id, r.peer_id});
            }
        } else if (std::holds_alternative<ppp::LayerDown>(event)) {
            if (v4 && ipv4_up_) {
                ipv4_up_ = false;
                out.emplace_back(Ipv4Down{});
            } else if (!v4 && ipv6_up_) {
                ipv6_up_ = false;
                out.emplace_back(Ipv6Down{});
            }
            if (!ipv4_up_ && !ipv6_up_ && phase_ == Phase::running) phase_ = Phase::network;
        } else if (std::holds_alternative<ppp::LayerFinished>(event)) {
            ncp_finished(now, out);
        }
    }
}

void Link::ncp_finished(TimePoint now, LinkEvents& out) {
    // pppd closes the link when no network protocol is left running or negotiating.
    auto alive = [](const ppp::OptionFsm& f) { return !is_down_for_good(f.state()); };
    bool any = (config_.enable_ipcp && alive(ipcp_)) || (config_.enable_ipv6cp && alive(ipv6cp_));
    if (!any && lcp_opened()) {
        fail(EndReason::negotiation_failed, "No network protocols running (IPCP/IPV6CP negotiation failed)", now, out);
    }
}

void Link::run_auth(chap::AuthOutputs& auth_out, bool we_are_authenticated, TimePoint now, LinkEvents& out) {
    for (auto& event : auth_out) {
        if (auto* send = std::get_if<SendPacket>(&event)) {
            emit_send(std::move(*send), out);
        } else if (auto* line = std::get_if<chap::AuthLog>(&event)) {
            log(LogLevel::info, std::move(line->text), out);
        } else if (auto* ok = std::get_if<chap::AuthSucceeded>(&event)) {
            (we_are_authenticated ? we_authenticated_ : peer_authenticated_) = true;
            out.emplace_back(AuthResult{true, we_are_authenticated, ok->peer_name});
            if (!we_are_authenticated && config_.rechallenge_interval.count() > 0 && chap_server_) {
                rechallenge_deadline_ = now + config_.rechallenge_interval;
            }
            maybe_enter_network(now, out);
        } else if (auto* failed = std::get_if<chap::AuthFailed>(&event)) {
            out.emplace_back(AuthResult{false, we_are_authenticated, failed->reason});
            if (we_are_authenticated) {
                fail(EndReason::we_failed_auth, "Failed to authenticate ourselves to peer: " + failed->reason, now, out);
            } else {
                fail(EndReason::peer_failed_auth, "Peer failed to authenticate: " + failed->reason, now, out);
            }
            return;
        }
    }
}

// --- phase transitions (RFC 1661 §3.2) -----------------------------------------------------

void Link::on_lcp_up(TimePoint now, LinkEvents& out) {
    if (lcp_handler_.looped_back()) {
        fail(EndReason::looped_back, "Serial line is looped back", now, out);
        return;
    }
    const auto& r = lcp_handler_.result();
    if (config_.echo_interval.count() > 0) {
        // pppd sends its first Echo-Request as soon as LCP opens (seen in the EC20 log).
        echoes_outstanding_ = 0;
        last_received_ = now;
        send_echo(now, out);
    }
    if (config_.role == Role::network && config_.send_discard_after_open) {
        Bytes data;
        append_be32(data, r.our_magic);
        emit_send(SendPacket{proto::lcp, ppp::build_control_packet(ppp::Code::discard_request, lcp_.take_id(), data)}, out);
    }
    we_must_authenticate_ = r.we_authenticate_with != lcp::AuthProtocol::none;
    peer_must_authenticate_ = r.peer_authenticates_with != lcp::AuthProtocol::none;
    if (config_.lcp.require_auth != lcp::AuthProtocol::none && !peer_must_authenticate_) {
        fail(EndReason::peer_failed_auth,
             "The peer refused to authenticate itself (it rejected the Authentication-Protocol option)", now, out);
        return;
    }
    if (we_must_authenticate_ || peer_must_authenticate_) {
        phase_ = Phase::authenticate;
        start_authentication(now, out);
    } else {
        maybe_enter_network(now, out);
    }
}

void Link::start_authentication(TimePoint now, LinkEvents& out) {
    const auto& r = lcp_handler_.result();
    if (we_must_authenticate_) {
        chap::AuthOutputs auth_out;
        if (r.we_authenticate_with == lcp::AuthProtocol::chap_md5) {
            chap_client_ = std::make_unique<chap::ChapClient>(config_.user, config_.password, config_.auth_timers);
            chap_client_->start(now, auth_out);
        } else {
            pap_client_ = std::make_unique<chap::PapClient>(config_.user, config_.password, config_.auth_timers);
            pap_client_->start(now, auth_out);
        }
        run_auth(auth_out, true, now, out);
    }
    if (peer_must_authenticate_ && phase_ == Phase::authenticate) {
        chap::AuthOutputs auth_out;
        if (r.peer_authenticates_with == lcp::AuthProtocol::chap_md5) {
            chap_server_ = std::make_unique<chap::ChapAuthenticator>(config_.auth_name, config_.secrets, random_,
                                                                     config_.auth_timers);
            chap_server_->start(now, auth_out);
        } else {
            pap_server_ = std::make_unique<chap::PapAuthenticator>(config_.secrets, config_.auth_timers);
            pap_server_->start(now, auth_out);
        }
        run_auth(auth_out, false, now, out);
    }
}

void Link::maybe_enter_network(TimePoint now, LinkEvents& out) {
    if (phase_ != Phase::establish && phase_ != Phase::authenticate) return;
    if (we_must_authenticate_ && !we_authenticated_) return;
    if (peer_must_authenticate_ && !peer_authenticated_) return;
    phase_ = Phase::network;
    if (config_.enable_ipcp) {
        ppp::FsmOutputs ncp_out;
        ipcp_.open(now, ncp_out);
        ipcp_.up(now, ncp_out);
        run_ncp(ipcp_, ncp_out, now, out);
    }
    if (config_.enable_ipv6cp && phase_ != Phase::dead) {
        ppp::FsmOutputs ncp_out;
        ipv6cp_.open(now, ncp_out);
        ipv6cp_.up(now, ncp_out);
        run_ncp(ipv6cp_, ncp_out, now, out);
    }
    if (!config_.enable_ipcp && !config_.enable_ipv6cp) {
        fail(EndReason::negotiation_failed, "No network protocols enabled", now, out);
    }
}

void Link::on_lcp_down(TimePoint now, LinkEvents& out) {
    // RFC 1661 §3.2: leaving the Opened state takes every NCP down with it.
    for (ppp::OptionFsm* ncp : {&ipcp_, &ipv6cp_}) {
        if (ncp->state() == ppp::FsmState::initial) continue;  // never started: nothing to take down
        ppp::FsmOutputs ncp_out;
        ncp->down(ncp_out);
        run_ncp(*ncp, ncp_out, now, out);
    }
    reset_auth();
    last_received_.reset();
    echo_deadline_.reset();
    phase_ = is_terminating(lcp_.state()) ? Phase::terminate : Phase::establish;
}

void Link::on_lcp_finished(LinkEvents& out) {
    if (ipv4_up_) {
        ipv4_up_ = false;
        out.emplace_back(Ipv4Down{});
    }
    if (ipv6_up_) {
        ipv6_up_ = false;
        out.emplace_back(Ipv6Down{});
    }
    reset_auth();
    last_received_.reset();
    echo_deadline_.reset();
    phase_ = Phase::dead;
    // This-Layer-Finished tells the lower layer it is no longer needed (RFC 1661 §4.4): the
    // caller hangs up. Take LCP down with it, so a late packet cannot revive a link whose end
    // was already reported; lower_up() starts afresh.
    if (lcp_.state() == ppp::FsmState::closed || lcp_.state() == ppp::FsmState::stopped) {
        ppp::FsmOutputs fsm_out;
        lcp_.down(fsm_out);
    }
    out.emplace_back(LinkEnded{end_reason_, end_detail_});
}

void Link::reset_auth() {
    chap_client_.reset();
    pap_client_.reset();
    chap_server_.reset();
    pap_server_.reset();
    we_must_authenticate_ = peer_must_authenticate_ = false;
    we_authenticated_ = peer_authenticated_ = false;
    rechallenge_deadline_.reset();
}

// --- receive ---------------------------------------------------------------------------------

void Link::send_protocol_reject(std::uint16_t protocol, ByteView info, LinkEvents& out) {
    Bytes data;
    append_be16(data, protocol);
    auto copy = info.first(std::min(info.size(), reject_copy_limit(lcp_handler_.result().peer_mru)));
    data.insert(data.end(), copy.begin(), copy.end());
    ++stats_.protocol_rejects_sent;
    emit_send(SendPacket{proto::lcp, ppp::build_control_packet(ppp::Code::protocol_reject, lcp_.take_id(), data)}, out);
}

void Link::receive(std::uint16_t protocol, ByteView info, TimePoint now, LinkEvents& out) {
    if (last_received_) last_received_ = now;
    const bool control = protocol >= 0x8000;
    if (control) {
        out.emplace_back(ControlReceived{protocol, Bytes(info.begin(), info.end())});
        log(LogLevel::debug, "rcvd [" + describe(protocol, info) + "]", out);
    }

    if (protocol == proto::lcp) {
        auto pkt = ppp::ControlPacketView::parse(info);
        if (pkt && pkt->code == static_cast<std::uint8_t>(ppp::Code::terminate_request) && lcp_opened() &&
            end_reason_ == EndReason::none) {
            end_reason_ = EndReason::peer_terminated;
            end_detail_ = "LCP terminated by peer" +
                          (pkt->data.empty() ? std::string() : " (" + std::string(pkt->data.begin(), pkt->data.end()) + ")");
        }
        ppp::FsmOutputs fsm_out;
        lcp_.input(info, now, fsm_out);
        run_lcp(fsm_out, now, out);
        // RFC 1661 §6.4: our own magic number keeps coming back. Checked after every LCP packet
        // (as pppd does), not only when LCP opens.
        if (lcp_handler_.looped_back() && phase_ != Phase::dead && end_reason_ == EndReason::none) {
            fail(EndReason::looped_back, "Serial line is looped back", now, out);
        }
        return;
    }
    if (!lcp_opened()) {
        // RFC 1661 §3.2: before LCP is Opened, only LCP packets are accepted.
        log(LogLevel::debug, "discarded a packet of protocol " + ppp::hex_value(protocol) + ": LCP is not open", out);
        return;
    }
    switch (protocol) {
        case proto::chap: {
            chap::AuthOutputs auth_out;
            std::uint8_t code = info.empty() ? 0 : info[0];
            bool to_client = code != 2;  // Challenge, Success, Failure go to the authenticatee
            if (to_client && chap_client_) {
                chap_client_->input(info, now, auth_out);
                run_auth(auth_out, true, now, out);
            } else if (!to_client && chap_server_) {
                chap_server_->input(info, now, auth_out);
                run_auth(auth_out, false, now, out);
            } else {
                log(LogLevel::debug, "discarded a CHAP packet: CHAP was not negotiated in that direction", out);
            }
            return;
        }
        case proto::pap: {
            chap::AuthOutputs auth_out;
            std::uint8_t code = info.empty() ? 0 : info[0];
            if (code == 1 && pap_server_) {
                pap_server_->input(info, now, auth_out);
                run_auth(auth_out, false, now, out);
            } else if (code != 1 && pap_client_) {
                pap_client_->input(info, now, auth_out);
                run_auth(auth_out, true, now, out);
            } else {
                log(LogLevel::debug, "discarded a PAP packet: PAP was not negotiated in that direction", out);
            }
            return;
        }
        case proto::ipcp:
        case proto::ipv6cp: {
            bool v4 = protocol == proto::ipcp;
            if (!(v4 ? config_.enable_ipcp : config_.enable_ipv6cp)) {
                send_protocol_reject(protocol, info, out);
                return;
            }
            if (phase_ != Phase::network && phase_ != Phase::running) {
                // RFC 1661 §3.4: NCP packets before the Network phase are silently discarded.
                log(LogLevel::debug, "discarded an NCP packet before the Network phase", out);
                return;
            }
            auto& fsm = v4 ? ipcp_ : ipv6cp_;
            ppp::FsmOutputs fsm_out;
            fsm.input(info, now, fsm_out);
            run_ncp(fsm, fsm_out, now, out);
            return;
        }
        case proto::ip:
        case proto::ipv6: {
            bool up = protocol == proto::ip ? ipv4_up_ : ipv6_up_;
            if (!up) {
                ++stats_.dropped_not_running;
                return;
            }
            ++stats_.packets_in;
            stats_.bytes_in += info.size();
            out.emplace_back(DeliverPacket{protocol, Bytes(info.begin(), info.end())});
            return;
        }
        default:
            // CCP, VJ, LQR, multilink, ...: not implemented, so rejected (RFC 1661 §5.7).
            send_protocol_reject(protocol, info, out);
    }
}

bool Link::send_ip(std::uint16_t protocol, ByteView packet, LinkEvents& out) {
    // An empty datagram is no IP packet; framed with ACFC and PFC it would be 3 octets, which
    // the peer must discard as too short (RFC 1662 §4.3).
    if (packet.empty()) return false;
    bool up = protocol == proto::ip ? ipv4_up_ : (protocol == proto::ipv6 && ipv6_up_);
    if (!up) {
        ++stats_.dropped_not_running;
        return false;
    }
    ++stats_.packets_out;
    stats_.bytes_out += packet.size();
    out.emplace_back(SendPacket{protocol, Bytes(packet.begin(), packet.end())});
    return true;
}

bool Link::take_ip(std::uint16_t protocol, ByteView info, TimePoint now) {
    const bool up = protocol == proto::ip ? ipv4_up_ : (protocol == proto::ipv6 && ipv6_up_);
    if (!up || !lcp_opened()) return false;
    if (last_received_) last_received_ = now;
    ++stats_.packets_in;
    stats_.bytes_in += info.size();
    return true;
}

bool Link::accept_ip_out(std::uint16_t protocol, ByteView packet) {
    if (packet.empty()) return false;  // no IP packet (and 3 octets the peer would discard)
    const bool up = protocol == proto::ip ? ipv4_up_ : (protocol == proto::ipv6 && ipv6_up_);
    if (!up) {
        ++stats_.dropped_not_running;
        return false;
    }
    ++stats_.packets_out;
    stats_.bytes_out += packet.size();
    return true;
}

// --- timers ----------------------------------------------------------------------------------

std::optional<TimePoint> Link::next_timeout() const {
    std::optional<TimePoint> t = lcp_.next_timeout();
    t = earliest(t, ipcp_.next_timeout());
    t = earliest(t, ipv6cp_.next_timeout());
    consider(t, chap_client_.get());
    consider(t, pap_client_.get());
    consider(t, chap_server_.get());
    consider(t, pap_server_.get());
    t = earliest(t, echo_deadline_);
    t = earliest(t, rechallenge_deadline_);
    return t;
}

void Link::send_echo(TimePoint now, LinkEvents& out) {
    ++echoes_outstanding_;
    emit_send(SendPacket{proto::lcp, lcp::build_echo_request(echo_id_++, lcp_handler_.result().our_magic)}, out);
    echo_deadline_ = now + config_.echo_interval;
}

void Link::echo_tick(TimePoint now, LinkEvents& out) {
    // Keepalive (pppd's lcp-echo-interval/-failure): an Echo-Request only when the interval
    // passed with nothing received; the link is dead once interval × failure passed in silence.
    if (!last_received_ || !lcp_opened()) {
        echo_deadline_.reset();
        return;
    }
    const auto silence = now - *last_received_;
    if (silence >= config_.echo_interval * config_.echo_failure) {
        fail(EndReason::echo_timeout,
             "No response to " + std::to_string(echoes_outstanding_) + " echo-requests: serial link appears to be disconnected",
             now, out);
        // One Terminate-Request goes out in case the peer only went deaf, but nobody answers a
        // dead link: waiting Max-Terminate restart intervals for the Terminate-Ack (6 s) would
        // only delay the reconnect. The link is down now (RFC 1661 §4.1 Down event).
        if (phase_ != Phase::dead) lower_down(now, out, "the peer stopped answering");
        return;
    }
    if (silence >= config_.echo_interval) {
        send_echo(now, out);
    } else {
        echoes_outstanding_ = 0;
        echo_deadline_ = *last_received_ + config_.echo_interval;
    }
    // Never sleep past the moment the link must be declared dead.
    echo_deadline_ = std::min(*echo_deadline_, *last_received_ + config_.echo_interval * config_.echo_failure);
}

void Link::on_timeout(TimePoint now, LinkEvents& out) {
    if (auto d = lcp_.next_timeout(); d && *d <= now) {
        ppp::FsmOutputs fsm_out;
        lcp_.on_timeout(now, fsm_out);
        run_lcp(fsm_out, now, out);
    }
    for (ppp::OptionFsm* fsm : {&ipcp_, &ipv6cp_}) {
        if (auto d = fsm->next_timeout(); d && *d <= now) {
            ppp::FsmOutputs fsm_out;
            fsm->on_timeout(now, fsm_out);
            run_ncp(*fsm, fsm_out, now, out);
        }
    }
    // The authentication engines' timers (retransmissions, the wait for the peer): whichever of
    // the four is due, each with its own outputs.
    auto auth_timeout = [&](auto* engine, bool we_are_authenticated) {
        if (!due(engine, now)) return;
        chap::AuthOutputs auth_out;
        engine->on_timeout(now, auth_out);
        run_auth(auth_out, we_are_authenticated, now, out);
    };
    auth_timeout(chap_client_.get(), true);
    auth_timeout(pap_client_.get(), true);
    auth_timeout(chap_server_.get(), false);
    auth_timeout(pap_server_.get(), false);
    if (rechallenge_deadline_ && *rechallenge_deadline_ <= now && chap_server_) {
        // RFC 1994 §2: the authenticator may challenge again at any time during the session.
        rechallenge_deadline_ = now + config_.rechallenge_interval;
        chap::AuthOutputs auth_out;
        chap_server_->rechallenge(now, auth_out);
        run_auth(auth_out, false, now, out);
    }
    if (echo_deadline_ && *echo_deadline_ <= now) echo_tick(now, out);
}

}  // namespace ec20ppp::link
