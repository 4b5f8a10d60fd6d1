#include "ipcp/ipcp.hpp"

#include "common/bytes.hpp"
#include "ppp/describe.hpp"

namespace ec20ppp::ipcp {

using ppp::OptionReader;
using ppp::OptionView;
using ppp::OptionWriter;
using ppp::Verdict;

namespace {

std::optional<Ipv4> address_value(ByteView value) {
    if (value.size() != 4) return std::nullopt;
    return Ipv4{load_be32(value.data())};
}

}  // namespace

IpcpHandler::IpcpHandler(IpcpConfig config) : config_(config) { reset(); }

void IpcpHandler::reset() {
    request_ = Request{};
    if (config_.request_address) request_.address = config_.local;
    if (config_.request_dns) {
        request_.dns1 = Ipv4{};
        request_.dns2 = Ipv4{};
    }
    result_ = IpcpResult{};
    asked_peer_address_ = false;
}

void IpcpHandler::write_request(OptionWriter& out) {
    // pppd's order: addr, ms-dns1, ms-dns2 (what the golden EC20 dial shows).
    if (request_.address) out.add_u32(opt::ip_address, request_.address->value);
    if (request_.dns1) out.add_u32(opt::primary_dns, request_.dns1->value);
    if (request_.dns2) out.add_u32(opt::secondary_dns, request_.dns2->value);
}

void IpcpHandler::on_ack(ByteView) {
    result_.local = request_.address.value_or(config_.local);
    // A DNS option acknowledged as 0.0.0.0 gives no server (RFC 1877 §1.1: the peer should
    // have Nak'd a value).
    result_.dns1 = request_.dns1 && !request_.dns1->is_zero() ? request_.dns1 : std::nullopt;
    result_.dns2 = request_.dns2 && !request_.dns2->is_zero() ? request_.dns2 : std::nullopt;
}

bool IpcpHandler::on_nak(ByteView options, bool treat_as_reject) {
    OptionReader reader(options);
    Request next = request_;
    while (auto o = reader.next()) {
        std::optional<Ipv4>* slot = nullptr;
        switch (o->type) {
            case opt::ip_address: slot = &next.address; break;
            case opt::primary_dns: slot = &next.dns1; break;
            case opt::secondary_dns: slot = &next.dns2; break;
            default: continue;  // hints for options we do not request (RFC 1661 §5.3)
        }
        if (!*slot) continue;  // a hint: the peer would like this option; we do not send it
        auto value = address_value(o->value);
        if (!value) return false;
        if (treat_as_reject) {
            slot->reset();
        } else if (o->type != opt::ip_address || config_.accept_local) {
            // RFC 1332 §3.3 / RFC 1877 §1.1: the Nak carries the value to use.
            *slot = *value;
        }
    }
    if (reader.malformed()) return false;
    request_ = next;
    return true;
}

bool IpcpHandler::on_reject(ByteView options) {
    OptionReader reader(options);
    Request next = request_;
    while (auto o = reader.next()) {
        switch (o->type) {
            case opt::ip_address: if (!next.address) return false; next.address.reset(); break;
            case opt::primary_dns: if (!next.dns1) return false; next.dns1.reset(); break;
            case opt::secondary_dns: if (!next.dns2) return false; next.dns2.reset(); break;
            default: return false;
        }
    }
    if (reader.malformed()) return false;
    // A peer that rejects DNS still comes up, just without DNS (RFC 1877 is optional).
    request_ = next;
    return true;
}

void IpcpHandler::peer_request_begin() {
    peer_address_.reset();
    peer_sent_address_ = false;
}

Verdict IpcpHandler::judge_peer_address(Ipv4 address, OptionWriter& nak, bool reject_if_disagree) {
    const Ipv4 expected = config_.remote;
    if (address != expected && (address.is_zero() || !config_.accept_remote)) {
        // The peer must use the address we know for it (RFC 1332 §3.3: Nak with our value).
        if (expected.is_zero() || reject_if_disagree) return Verdict::reject;
        nak.add_u32(opt::ip_address, expected.value);
        return Verdict::nak;
    }
    if (address.is_zero()) return Verdict::reject;  // neither side knows it: give up asking
    peer_address_ = address;
    return Verdict::ack;
}

Verdict IpcpHandler::judge_dns_request(std::uint8_t type, Ipv4 address, OptionWriter& nak) {
    const std::optional<Ipv4>& ours = type == opt::primary_dns ? config_.dns1 : config_.dns2;
    if (!ours) return Verdict::reject;  // we hand out no DNS: RFC 1877 §1.1 says reject
    if (address == *ours) return Verdict::ack;
    nak.add_u32(type, ours->value);
    return Verdict::nak;
}

Verdict IpcpHandler::on_peer_option(const OptionView& o, OptionWriter& nak, bool reject_if_disagree) {
    switch (o.type) {
        case opt::ip_address: {
            peer_sent_address_ = true;
            auto address = address_value(o.value);
            if (!address) return Verdict::reject;
            return judge_peer_address(*address, nak, reject_if_disagree);
        }
        case opt::primary_dns:
        case opt::secondary_dns: {
            auto address = address_value(o.value);
            if (!address) return Verdict::reject;
            return judge_dns_request(o.type, *address, nak);
        }
        // Van Jacobson compression is not implemented, so it is always rejected (RFC 1332
        // §3.2 makes it optional); NBNS and the old IP-Addresses option likewise.
        default: return Verdict::reject;
    }
}

void IpcpHandler::peer_request_end(OptionWriter& nak, bool reject_if_disagree) {
    // The peer did not say its address: ask once, with the address we expect (0.0.0.0 if none),
    // exactly as pppd does; the EC20 answers by sending the same empty request again.
    if (config_.ask_peer_address && !peer_sent_address_ && !asked_peer_address_ && !reject_if_disagree) {
        nak.add_u32(opt::ip_address, config_.remote.value);
        asked_peer_address_ = true;
    }
}

void IpcpHandler::peer_request_acked() { result_.remote = peer_address_.value_or(Ipv4{}); }

std::string IpcpHandler::describe_option(const OptionView& o) const {
    auto address = address_value(o.value);
    switch (o.type) {
        case opt::ip_address:
            if (address) return "addr " + to_string(*address);
            break;
        case opt::ip_addresses:
            if (o.value.size() == 8)
                return "addrs " + to_string(Ipv4{load_be32(o.value.data())}) + " " +
                       to_string(Ipv4{load_be32(o.value.data() + 4)});
            break;
        case opt::ip_compression:
            if (o.value.size() >= 2 && load_be16(o.value.data()) == 0x002d)
                return "compress VJ" + ppp::hex_octets(o.value.subspan(2));
            break;
        case opt::primary_dns:
        case opt::secondary_dns:
            if (address) return std::string(o.type == opt::primary_dns ? "ms-dns1 " : "ms-dns2 ") + to_string(*address);
            break;
        case opt::primary_nbns:
        case opt::secondary_nbns:
            if (address) return "ms-wins " + to_string(*address);
            break;
        default: break;
    }
    return ppp::hex_octets(o.whole).substr(1);
}

}  // namespace ec20ppp::ipcp
