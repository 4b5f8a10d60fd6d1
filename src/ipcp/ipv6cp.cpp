#include "ipcp/ipv6cp.hpp"

#include <cstdio>

#include "ppp/describe.hpp"

namespace ec20ppp::ipcp {

using ppp::OptionReader;
using ppp::OptionView;
using ppp::OptionWriter;
using ppp::Verdict;

namespace {

std::optional<std::uint64_t> id_value(ByteView v) {
    if (v.size() != 8) return std::nullopt;
    return (std::uint64_t{load_be32(v.data())} << 32) | load_be32(v.data() + 4);
}

void add_id(OptionWriter& out, std::uint64_t id) {
    std::uint8_t v[8];
    for (int i = 0; i < 8; ++i) v[i] = static_cast<std::uint8_t>(id >> (56 - 8 * i));
    out.add(kOptInterfaceIdentifier, v);
}

}  // namespace

std::string link_local_text(std::uint64_t id) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "fe80::%04x:%04x:%04x:%04x", static_cast<unsigned>(id >> 48),
                  static_cast<unsigned>((id >> 32) & 0xffff), static_cast<unsigned>((id >> 16) & 0xffff),
                  static_cast<unsigned>(id & 0xffff));
    return buf;
}

// No reset() here: the automaton calls it before the first request (see LcpHandler).
Ipv6cpHandler::Ipv6cpHandler(Ipv6cpConfig config, RandomSource random)
    : config_(config), random_(std::move(random)) {}

std::uint64_t Ipv6cpHandler::fresh_id(std::uint64_t avoid1, std::uint64_t avoid2) const {
    // RFC 5072 §4.1: a non-zero identifier, unique on the link.
    for (;;) {
        std::uint64_t id = (std::uint64_t{random_u32(random_)} << 32) | random_u32(random_);
        if (id != 0 && id != avoid1 && id != avoid2) return id;
    }
}

void Ipv6cpHandler::reset() {
    request_id_ = config_.interface_id != 0 ? config_.interface_id : fresh_id(0, 0);
    result_ = Ipv6cpResult{};
    last_nak_sent_.reset();
}

void Ipv6cpHandler::write_request(OptionWriter& out) {
    if (request_id_) add_id(out, *request_id_);
}

void Ipv6cpHandler::on_ack(ByteView) { result_.local_id = request_id_.value_or(0); }

bool Ipv6cpHandler::on_nak(ByteView options, bool treat_as_reject) {
    OptionReader reader(options);
    while (auto o = reader.next()) {
        if (o->type != kOptInterfaceIdentifier || !request_id_) continue;
        auto id = id_value(o->value);
        if (!id) return false;
        // RFC 5072 §4.1: use the suggested identifier if acceptable, else pick another. One equal
        // to what our last Nak suggested is our own Nak coming back: a new one MUST be chosen.
        const bool usable = *id != 0 && *id != result_.peer_id && *id != last_nak_sent_;
        if (treat_as_reject) request_id_.reset();
        else request_id_ = usable ? *id : fresh_id(*request_id_, *id);
    }
    return !reader.malformed();
}

bool Ipv6cpHandler::on_reject(ByteView options) {
    OptionReader reader(options);
    while (auto o = reader.next()) {
        if (o->type != kOptInterfaceIdentifier || !request_id_) return false;
        request_id_.reset();
    }
    return !reader.malformed();
}

void Ipv6cpHandler::peer_request_begin() { peer_candidate_ = 0; }

Verdict Ipv6cpHandler::on_peer_option(const OptionView& o, OptionWriter& nak, bool) {
    if (o.type != kOptInterfaceIdentifier) return Verdict::reject;  // no IPv6 header compression
    auto id = id_value(o.value);
    if (!id) return Verdict::reject;
    if (*id == 0 || (request_id_ && *id == *request_id_)) {
        // RFC 5072 §4.1: zero or a clash with ours is Nak'd with a different, unique value.
        last_nak_sent_ = fresh_id(*id, request_id_.value_or(0));
        add_id(nak, *last_nak_sent_);
        return Verdict::nak;
    }
    peer_candidate_ = *id;
    return Verdict::ack;
}

void Ipv6cpHandler::peer_request_acked() { result_.peer_id = peer_candidate_; }

std::string Ipv6cpHandler::describe_option(const OptionView& o) const {
    if (o.type == kOptInterfaceIdentifier) {
        if (auto id = id_value(o.value)) return "addr " + link_local_text(*id);
    }
    return ppp::hex_octets(o.whole).substr(1);
}

}  // namespace ec20ppp::ipcp
