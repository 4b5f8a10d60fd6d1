#include "lcp/lcp.hpp"

#include "common/packet.hpp"
#include "ppp/describe.hpp"

namespace ec20ppp::lcp {

using ppp::OptionReader;
using ppp::OptionView;
using ppp::OptionWriter;
using ppp::Verdict;

std::string_view to_string(AuthProtocol a) {
    switch (a) {
        case AuthProtocol::none: return "none";
        case AuthProtocol::pap: return "PAP";
        case AuthProtocol::chap_md5: return "CHAP-MD5";
    }
    return "?";
}

namespace {

void write_auth(OptionWriter& out, AuthProtocol auth) {
    // RFC 1661 §6.2: Authentication-Protocol carries the protocol number and, for CHAP, the
    // algorithm (RFC 1994 §3).
    if (auth == AuthProtocol::chap_md5) {
        const std::uint8_t v[] = {0xc2, 0x23, kChapMd5};
        out.add(opt::auth_protocol, v);
    } else if (auth == AuthProtocol::pap) {
        const std::uint8_t v[] = {0xc0, 0x23};
        out.add(opt::auth_protocol, v);
    }
}

std::optional<AuthProtocol> parse_auth(ByteView value) {
    if (value.size() < 2) return std::nullopt;
    std::uint16_t proto = load_be16(value.data());
    if (proto == proto::chap && value.size() == 3 && value[2] == kChapMd5) return AuthProtocol::chap_md5;
    if (proto == proto::pap && value.size() == 2) return AuthProtocol::pap;
    return std::nullopt;
}

std::uint32_t fresh_magic(const RandomSource& random, std::uint32_t avoid) {
    // RFC 1661 §6.4: zero is not a valid Magic-Number; a new one must differ from the old.
    for (;;) {
        std::uint32_t m = random_u32(random);
        if (m != 0 && m != avoid) return m;
    }
}

}  // namespace

// No reset() here: the automaton calls it before the first request, and drawing the magic
// number only then keeps the random stream in the order packets are sent.
LcpHandler::LcpHandler(LcpConfig config, RandomSource random)
    : config_(config), random_(std::move(random)) {}

void LcpHandler::reset() {
    request_ = Request{};
    request_.mru = config_.mru;
    request_.accm = config_.accm;
    if (config_.magic) request_.magic = fresh_magic(random_, 0);
    request_.pfc = config_.pfc;
    request_.acfc = config_.acfc;
    request_.auth = config_.require_auth;
    result_ = LcpResult{};
    loopback_count_ = 0;
}

void LcpHandler::write_request(OptionWriter& out) {
    // Same order as pppd and the EC20: mru, asyncmap, auth, magic, pcomp, accomp.
    if (request_.mru) out.add_u16(opt::mru, *request_.mru);
    if (request_.accm) out.add_u32(opt::accm, *request_.accm);
    write_auth(out, request_.auth);
    if (request_.magic) out.add_u32(opt::magic_number, *request_.magic);
    if (request_.pfc) out.add_empty(opt::pfc);
    if (request_.acfc) out.add_empty(opt::acfc);
}

void LcpHandler::on_ack(ByteView) {
    result_.rx_accm = request_.accm.value_or(kDefaultAccm);
    result_.rx_pfc = request_.pfc;
    result_.rx_acfc = request_.acfc;
    result_.our_mru = request_.mru.value_or(kDefaultMru);
    result_.our_magic = request_.magic.value_or(0);
    result_.peer_authenticates_with = request_.auth;
}

bool LcpHandler::on_nak(ByteView options, bool treat_as_reject) {
    OptionReader reader(options);
    while (auto o = reader.next()) {
        switch (o->type) {
            case opt::mru:
                if (!request_.mru) break;  // a hint for an option we did not send: ignored
                if (o->value.size() != 2) return false;
                if (treat_as_reject) {
                    request_.mru.reset();
                } else if (std::uint16_t m = load_be16(o->value.data()); m >= kMinMru) {
                    request_.mru = m;
                }
                break;
            case opt::accm:
                if (!request_.accm) break;
                if (o->value.size() != 4) return false;
                // RFC 1662 §7.1: escape the union of what we want and what the peer needs.
                if (treat_as_reject) request_.accm.reset();
                else request_.accm = *request_.accm | load_be32(o->value.data());
                break;
            case opt::auth_protocol:
                // We insist on what we require; if the peer keeps refusing, the automaton
                // eventually treats it as a Reject and the link controller fails the link.
                if (request_.auth == AuthProtocol::none) break;
                if (treat_as_reject) request_.auth = AuthProtocol::none;
                break;
            case opt::magic_number:
                if (!request_.magic) break;
                if (o->value.size() != 4) return false;
                // RFC 1661 §6.4: a Nak of our magic means it may be looped back: choose anew.
                if (treat_as_reject) request_.magic.reset();
                else request_.magic = fresh_magic(random_, *request_.magic);
                break;
            case opt::pfc: request_.pfc = false; break;
            case opt::acfc: request_.acfc = false; break;
            default: break;  // hints for options we do not negotiate
        }
    }
    return !reader.malformed();
}

bool LcpHandler::on_reject(ByteView options) {
    OptionReader reader(options);
    Request next = request_;
    while (auto o = reader.next()) {
        switch (o->type) {
            case opt::mru: if (!next.mru) return false; next.mru.reset(); break;
            case opt::accm: if (!next.accm) return false; next.accm.reset(); break;
            case opt::auth_protocol:
                if (next.auth == AuthProtocol::none) return false;
                next.auth = AuthProtocol::none;
                break;
            case opt::magic_number: if (!next.magic) return false; next.magic.reset(); break;
            case opt::pfc: if (!next.pfc) return false; next.pfc = false; break;
            case opt::acfc: if (!next.acfc) return false; next.acfc = false; break;
            default: return false;  // RFC 1661 §5.4: may only reject what we sent
        }
    }
    if (reader.malformed()) return false;
    request_ = next;
    return true;
}

void LcpHandler::peer_request_begin() { peer_ = PeerRequest{}; }

void LcpHandler::write_preferred_auth(OptionWriter& nak) const {
    write_auth(nak, config_.allow_chap ? AuthProtocol::chap_md5 : AuthProtocol::pap);
}

Verdict LcpHandler::judge_auth(ByteView value, OptionWriter& nak) {
    // RFC 1661 §6.2: Length is at least 4. A shorter option names no protocol at all, so it is
    // not recognisable and is rejected (as pppd does), not Nak'd.
    if (value.size() < 2) return Verdict::reject;
    if (!config_.allow_chap && !config_.allow_pap) return Verdict::reject;  // we authenticate to nobody
    auto auth = parse_auth(value);
    if (auth == AuthProtocol::chap_md5 && config_.allow_chap) {
        peer_.auth = *auth;
        return Verdict::ack;
    }
    if (auth == AuthProtocol::pap && config_.allow_pap) {
        peer_.auth = *auth;
        return Verdict::ack;
    }
    // MS-CHAP, EAP, or a method we refuse: suggest the one we can do (RFC 1661 §6.2).
    write_preferred_auth(nak);
    return Verdict::nak;
}

Verdict LcpHandler::on_peer_option(const OptionView& o, OptionWriter& nak, bool) {
    switch (o.type) {
        case opt::mru: {
            if (o.value.size() != 2) return Verdict::reject;
            std::uint16_t mru = load_be16(o.value.data());
            if (mru < kMinMru) {
                nak.add_u16(opt::mru, kMinMru);
                return Verdict::nak;
            }
            peer_.mru = mru;
            return Verdict::ack;
        }
        case opt::accm:
            if (o.value.size() != 4) return Verdict::reject;
            peer_.accm = load_be32(o.value.data());
            return Verdict::ack;
        case opt::auth_protocol: return judge_auth(o.value, nak);
        case opt::magic_number: {
            if (o.value.size() != 4) return Verdict::reject;
            std::uint32_t magic = load_be32(o.value.data());
            if (magic == 0 || (request_.magic && magic == *request_.magic)) {
                // RFC 1661 §6.4: our own number coming back may mean a looped-back line; Nak
                // with a different value and count how often it happens.
                if (magic != 0) ++loopback_count_;
                nak.add_u32(opt::magic_number, fresh_magic(random_, magic));
                return Verdict::nak;
            }
            peer_.magic = magic;
            loopback_count_ = 0;
            return Verdict::ack;
        }
        case opt::pfc:
            if (!o.value.empty()) return Verdict::reject;
            peer_.pfc = true;
            return Verdict::ack;
        case opt::acfc:
            if (!o.value.empty()) return Verdict::reject;
            peer_.acfc = true;
            return Verdict::ack;
        default: return Verdict::reject;  // Quality-Protocol, callback, multilink, ...
    }
}

void LcpHandler::peer_request_acked() {
    result_.tx_accm = peer_.accm;
    result_.tx_pfc = peer_.pfc;
    result_.tx_acfc = peer_.acfc;
    result_.peer_mru = peer_.mru;
    result_.peer_magic = peer_.magic;
    result_.we_authenticate_with = peer_.auth;
}

bool LcpHandler::on_extra_code(std::uint8_t code, std::uint8_t id, ByteView data, ppp::FsmState state,
                               ppp::FsmOutputs& out) {
    const bool opened = state == ppp::FsmState::opened;
    switch (static_cast<ppp::Code>(code)) {
        case ppp::Code::protocol_reject:  // RFC 1661 §5.7
            if (opened && data.size() >= 2) out.emplace_back(ppp::ProtocolRejectReceived{load_be16(data.data())});
            return true;
        case ppp::Code::echo_request: {  // RFC 1661 §5.8: answered only when Opened
            if (!opened || data.size() < 4) return true;
            std::uint32_t magic = load_be32(data.data());
            if (magic != 0 && magic == result_.our_magic) {
                out.emplace_back(LogLine{LogLevel::warning, "LCP: received our own Echo-Request: the line may be looped back"});
            }
            Bytes reply_data;
            append_be32(reply_data, result_.our_magic);
            reply_data.insert(reply_data.end(), data.begin() + 4, data.end());
            out.emplace_back(SendPacket{protocol(), ppp::build_control_packet(ppp::Code::echo_reply, id, reply_data)});
            return true;
        }
        case ppp::Code::echo_reply:
            if (!opened || data.size() < 4) return true;
            if (std::uint32_t magic = load_be32(data.data()); magic != 0 && magic == result_.our_magic) {
                out.emplace_back(LogLine{LogLevel::warning, "LCP: received our own Echo-Reply: the line may be looped back"});
            } else {
                out.emplace_back(ppp::EchoReplyReceived{id, magic});
            }
            return true;
        case ppp::Code::discard_request:  // RFC 1661 §5.9: silently discarded
        case ppp::Code::identification:   // RFC 1570 §2.1, §2.2: informational
        case ppp::Code::time_remaining: return true;
        default: return false;
    }
}

std::string LcpHandler::describe_option(const OptionView& o) const {
    using ppp::hex_value;
    switch (o.type) {
        case opt::mru:
            if (o.value.size() == 2) return "mru " + std::to_string(load_be16(o.value.data()));
            break;
        case opt::accm:
            if (o.value.size() == 4) return "asyncmap " + hex_value(load_be32(o.value.data()));
            break;
        case opt::auth_protocol: {
            if (o.value.size() < 2) break;
            std::uint16_t p = load_be16(o.value.data());
            if (p == proto::pap) return "auth pap" + ppp::hex_octets(o.value.subspan(2));
            if (p == proto::chap) {
                if (o.value.size() == 3 && o.value[2] == kChapMd5) return "auth chap MD5";
                if (o.value.size() == 3 && o.value[2] == 0x80) return "auth chap MS";
                if (o.value.size() == 3 && o.value[2] == 0x81) return "auth chap MS-v2";
                return "auth chap" + ppp::hex_octets(o.value.subspan(2));
            }
            if (p == 0xc227) return "auth eap";
            return "auth " + hex_value(p) + ppp::hex_octets(o.value.subspan(2));
        }
        case opt::quality_protocol:
            if (o.value.size() >= 2 && load_be16(o.value.data()) == proto::lqr) return "quality lqr";
            break;
        case opt::magic_number:
            if (o.value.size() == 4) return "magic " + hex_value(load_be32(o.value.data()));
            break;
        case opt::pfc:
            if (o.value.empty()) return "pcomp";
            break;
        case opt::acfc:
            if (o.value.empty()) return "accomp";
            break;
        default: break;
    }
    // pppd prints options it does not decode as their raw octets.
    return ppp::hex_octets(o.whole).substr(1);
}

std::string LcpHandler::describe_extra_code(std::uint8_t code, ByteView data) const {
    switch (static_cast<ppp::Code>(code)) {
        case ppp::Code::echo_request:
        case ppp::Code::echo_reply:
        case ppp::Code::discard_request:
            if (data.size() >= 4) return " magic=" + ppp::hex_value(load_be32(data.data())) + ppp::hex_octets(data.subspan(4));
            break;
        case ppp::Code::identification:
            if (data.size() >= 4) return " magic=" + ppp::hex_value(load_be32(data.data())) + " " + ppp::quoted(data.subspan(4));
            break;
        default: break;
    }
    return ppp::hex_octets(data);
}

Bytes build_echo_request(std::uint8_t id, std::uint32_t magic) {
    Bytes data;
    append_be32(data, magic);
    return ppp::build_control_packet(ppp::Code::echo_request, id, data);
}

}  // namespace ec20ppp::lcp
