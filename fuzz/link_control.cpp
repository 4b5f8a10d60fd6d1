// libFuzzer target for the link controller (src/link): the control-protocol input of Link and
// FramedLink — LCP, IPCP, IPV6CP, CHAP and PAP packets (and IP data, unknown protocols) arriving
// in every phase and automaton state, interleaved with timeouts, closes and carrier loss.
//
// The engine under test (the "target") is paired with an honest peer of the opposite role, so
// that the fuzzer reaches the deep states (authenticated, IPCP Opened, keepalive) cheaply: it
// decides which of the peer's packets arrive, in which order, mangled or not, and injects
// packets of its own.
//
// Input layout:
//   byte 0  configuration: bit 0 target role (0 client, 1 network); bit 1 FramedLink (bytes
//           through RFC 1662 framing) instead of Link (packets); bits 2-3 authentication the
//           network side asks for (chap, pap, none, chap) and bit 4 the client accepting only
//           that one; bits 5-6 PDP (IP, IPv6, IPv4v6, IP); bit 7 keepalive (LCP echo) on.
//   byte 1  more: bit 0 wrong password; bit 1 rechallenge every 60 s; bit 2 small MRU (296);
//           bit 3 no ACCM/magic/PFC/ACFC requested; bit 4 passive FSM counters (1 configure,
//           1 terminate, 1 failure); bits 5-7 the seed of the engines' randomness.
//   then records, each starting with an opcode byte whose low 3 bits choose:
//     0  inject: a protocol byte (see kProtocols; beyond the table the next 2 bytes are the
//        protocol), a length byte, that many bytes: one packet (or, framed, raw line bytes) to
//        the target
//     1  deliver the peer's oldest queued packet to the target; opcode bits 3-4: as sent,
//        one octet XORed (position and mask follow), truncated (length follows), duplicated
//     2  deliver the target's oldest queued packet to the peer
//     3  drop the peer's oldest queued packet; 4 drop the target's
//     5  let time pass: 2 bytes, little endian, in units chosen by opcode bits 3-4 (1 ms,
//        10 ms, 100 ms, 1 s); every deadline on the way fires at its time
//     6  opcode bits 3-5: close target, close peer, lower down target, lower up target,
//        lower down + up peer, early on_timeout call on the target (must be a no-op)
//     7  send an IP datagram through the target (length byte, bytes)
//
// Checked properties (abort() on violation):
//  - every packet either engine sends is a valid PPP packet: valid protocol number (RFC 1661
//    §2), and for control protocols a well-formed header whose Length equals the packet size;
//    Configure-Request/Ack/Nak options are well-formed TLVs; CHAP and PAP packets parse,
//    re-serialise to the same octets and parse back equal;
//  - a CHAP or PAP packet the fuzzer injects that parses survives parse(serialize(x)) == x;
//  - framed: every packet the target sends, encoded with its negotiated options, decodes to the
//    same protocol and information field (compression and ACCM applied consistently);
//  - after on_timeout(now), next_timeout() is none or later than now (no busy loop); calling
//    on_timeout before the deadline does nothing;
//  - Ipv4Up is only reported with IPCP Opened and the link Running; after LinkEnded the link is
//    Dead; one call emits a bounded number of events; describe() never fails.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <optional>
#include <string>

#include "chap/chap_packet.hpp"
#include "chap/pap.hpp"
#include "hdlc/framer.hpp"
#include "link/framed_link.hpp"
#include "link/presets.hpp"
#include "ppp/control_packet.hpp"
#include "check.hpp"

namespace {

using namespace ec20ppp;
using namespace std::chrono_literals;

struct Input {
    const std::uint8_t* p;
    std::size_t n;
    bool empty() const { return n == 0; }
    std::uint8_t byte() {
        if (n == 0) return 0;
        --n;
        return *p++;
    }
    ByteView take(std::size_t k) {
        k = std::min(k, n);
        ByteView v{p, k};
        p += k;
        n -= k;
        return v;
    }
};

// Deterministic randomness from a small seed (xorshift); the engines draw magic numbers,
// challenges and interface identifiers from it.
RandomSource seeded(std::uint32_t seed) {
    auto state = std::make_shared<std::uint32_t>(seed * 2654435761U + 1U);
    return [state](std::span<std::uint8_t> out) {
        for (auto& b : out) {
            std::uint32_t& s = *state;
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            b = static_cast<std::uint8_t>(s);
        }
    };
}

constexpr std::array<std::uint16_t, 12> kProtocols = {proto::lcp, proto::ipcp, proto::ipv6cp, proto::chap,
                                                      proto::pap, proto::ip,   proto::ipv6,   proto::ccp,
                                                      proto::lqr, proto::vj_compressed, 0x0001, 0x8023};

bool is_control(std::uint16_t p) {
    return p == proto::lcp || p == proto::ipcp || p == proto::ipv6cp || p == proto::ccp;
}

// The properties every packet an engine sends must have.
void check_sent(const link::Link& l, const SendPacket& s) {
    CHECK((s.protocol & 0x0001) == 1 && (s.protocol & 0x0100) == 0);
    if (is_control(s.protocol)) {
        auto view = ppp::ControlPacketView::parse(s.packet);
        CHECK(view.has_value());
        CHECK(view->data.size() + 4 == s.packet.size());
        // Request/Ack/Nak: well-formed options. (A Reject echoes a peer's malformed tail as
        // pppd does, since the boundaries of the rest cannot be known.)
        if (view->code >= 1 && view->code <= 3) {
            ppp::OptionReader reader(view->data);
            while (reader.next()) {
            }
            if (reader.malformed() || !reader.rest().empty())
                std::fprintf(stderr, "malformed options in %s\n", l.describe(s.protocol, s.packet).c_str());
            CHECK(!reader.malformed() && reader.rest().empty());
        }
        // The builder gives back the same octets.
        CHECK(ppp::build_control_packet(view->code, view->id, view->data) == s.packet);
    } else if (s.protocol == proto::chap) {
        auto p = chap::ChapPacket::parse(s.packet);
        CHECK(p.has_value());
        CHECK(p->serialize() == s.packet);
    } else if (s.protocol == proto::pap) {
        auto p = chap::PapPacket::parse(s.packet);
        CHECK(p.has_value());
        CHECK(p->serialize() == s.packet);
    }
    (void)l.describe(s.protocol, s.packet);
}

bool same(const chap::ChapPacket& a, const chap::ChapPacket& b) {
    if (a.code != b.code || a.id != b.id) return false;
    if (a.code == chap::ChapCode::challenge || a.code == chap::ChapCode::response)
        return a.value == b.value && a.name == b.name;
    return a.message == b.message;
}

bool same(const chap::PapPacket& a, const chap::PapPacket& b) {
    if (a.code != b.code || a.id != b.id) return false;
    if (a.code == chap::PapCode::authenticate_request) return a.peer_id == b.peer_id && a.password == b.password;
    return a.message == b.message;
}

// parse(serialize(x)) == x for whatever the fuzzer injects that parses.
void check_round_trip(std::uint16_t protocol, ByteView info) {
    if (protocol == proto::chap) {
        if (auto p = chap::ChapPacket::parse(info)) {
            auto again = chap::ChapPacket::parse(p->serialize());
            CHECK(again.has_value() && same(*p, *again));
        }
        (void)chap::describe_chap(info);
    } else if (protocol == proto::pap) {
        if (auto p = chap::PapPacket::parse(info)) {
            auto again = chap::PapPacket::parse(p->serialize());
            CHECK(again.has_value() && same(*p, *again));
        }
        (void)chap::describe_pap(info);
    } else if (is_control(protocol)) {
        if (auto v = ppp::ControlPacketView::parse(info)) {
            Bytes built = ppp::build_control_packet(v->code, v->id, v->data);
            auto again = ppp::ControlPacketView::parse(built);
            CHECK(again && again->code == v->code && again->id == v->id &&
                  Bytes(again->data.begin(), again->data.end()) == Bytes(v->data.begin(), v->data.end()));
        }
    }
}

struct Side {
    std::unique_ptr<link::FramedLink> framed;  // always present; `raw` mode bypasses the framing
    bool use_framing = false;
    std::deque<SendPacket> outbox;  // sent, not yet delivered to the other side
    bool ended = false;

    link::Link& link() { return framed->link(); }
};

struct Run {
    Side target, peer;
    TimePoint now = TimePoint{} + 1h;

    // Takes what one call on `side` emitted: checks it and queues the packets.
    void collect(Side& side, link::LinkEvents& out) {
        CHECK(out.size() <= 256);
        for (auto& e : out) {
            if (auto* s = std::get_if<SendPacket>(&e)) {
                check_sent(side.link(), *s);
                if (side.use_framing && &side == &target) check_framing(side, *s);
                side.outbox.push_back(std::move(*s));
            } else if (std::get_if<link::Ipv4Up>(&e)) {
                CHECK(side.link().ipcp_state() == ppp::FsmState::opened);
                CHECK(side.link().phase() == link::Phase::running);
            } else if (std::get_if<link::LinkEnded>(&e)) {
                CHECK(side.link().phase() == link::Phase::dead);
            }
        }
        out.clear();
    }

    // The frame the target writes for a packet decodes back to that packet.
    static void check_framing(Side& side, const SendPacket& s) {
        Bytes wire;
        side.framed->encode(s, wire);
        hdlc::RxConfig rx;
        rx.accm = 0;
        rx.mru = 65535;
        hdlc::Deframer d(rx);
        ByteView in(wire);
        auto frame = d.next_frame(in);
        if (!frame)
            std::fprintf(stderr, "%s (%zu octets) encoded as %zu octets does not decode\n",
                         side.link().describe(s.protocol, s.packet).c_str(), s.packet.size(), wire.size());
        CHECK(frame.has_value());
        CHECK(frame->protocol == s.protocol);
        CHECK(Bytes(frame->info.begin(), frame->info.end()) == s.packet);
        CHECK(in.empty());
    }

    void deliver(Side& to, const SendPacket& s) {
        link::LinkEvents out;
        if (to.use_framing) {
            Bytes wire;
            Side& from = &to == &target ? peer : target;
            from.framed->encode(s, wire);
            to.framed->receive_bytes(wire, now, out);
        } else {
            to.link().receive(s.protocol, s.packet, now, out);
        }
        collect(to, out);
    }

    void fire(Side& side) {
        auto t = side.link().next_timeout();
        if (!t || *t > now) return;
        link::LinkEvents out;
        side.link().on_timeout(now, out);
        collect(side, out);
        auto next = side.link().next_timeout();
        CHECK(!next || *next > now);
    }

    void advance(Duration d) {
        const TimePoint until = now + d;
        for (int guard = 0; guard < 10000; ++guard) {
            auto t = earliest(target.link().next_timeout(), peer.link().next_timeout());
            if (!t || *t > until) break;
            now = std::max(now, *t);
            fire(target);
            fire(peer);
        }
        now = std::max(now, until);
    }
};

link::LinkConfig make_config(link::Role role, std::uint8_t a, std::uint8_t b) {
    static constexpr lcp::AuthProtocol kAuth[] = {lcp::AuthProtocol::chap_md5, lcp::AuthProtocol::pap,
                                                  lcp::AuthProtocol::none, lcp::AuthProtocol::chap_md5};
    const lcp::AuthProtocol auth = kAuth[(a >> 2) & 3];
    link::LinkConfig c;
    if (role == link::Role::client) {
        c = link::client_config("user", (b & 0x01) != 0 ? "wrong" : "passwd");
        if ((a & 0x10) != 0) {
            c.lcp.allow_chap = auth == lcp::AuthProtocol::chap_md5;
            c.lcp.allow_pap = auth == lcp::AuthProtocol::pap;
        }
    } else {
        link::Ec20NetworkPlan plan;
        plan.auth = auth;
        c = link::ec20_network_config(plan);
        if ((b & 0x02) != 0) c.rechallenge_interval = 60s;
    }
    switch ((a >> 5) & 3) {
        case 1: c.enable_ipcp = false; c.enable_ipv6cp = true; break;
        case 2: c.enable_ipcp = true; c.enable_ipv6cp = true; break;
        default: break;
    }
    if ((a & 0x80) != 0) {
        c.echo_interval = 30s;
        c.echo_failure = 2;
    }
    if ((b & 0x04) != 0) c.lcp.mru = 296;
    if ((b & 0x08) != 0) {
        c.lcp.accm.reset();
        c.lcp.magic = false;
        c.lcp.pfc = false;
        c.lcp.acfc = false;
    }
    if ((b & 0x10) != 0) {
        c.fsm.max_configure = 1;
        c.fsm.max_terminate = 1;
        c.fsm.max_failure = 1;
    }
    return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    Input in{data, size};
    const std::uint8_t a = in.byte();
    const std::uint8_t b = in.byte();
    const link::Role role = (a & 0x01) != 0 ? link::Role::network : link::Role::client;
    const link::Role other = role == link::Role::client ? link::Role::network : link::Role::client;
    const bool framed = (a & 0x02) != 0;
    const std::uint32_t seed = b >> 5;

    Run run;
    run.target.framed = std::make_unique<link::FramedLink>(make_config(role, a, b), seeded(seed));
    run.peer.framed = std::make_unique<link::FramedLink>(make_config(other, a, b & ~0x01), seeded(seed + 100));
    run.target.use_framing = framed;
    run.peer.use_framing = framed;

    link::LinkEvents out;
    run.target.link().lower_up(run.now, out);
    run.collect(run.target, out);
    run.peer.link().lower_up(run.now, out);
    run.collect(run.peer, out);

    for (int records = 0; !in.empty() && records < 2000; ++records) {
        const std::uint8_t op = in.byte();
        switch (op & 7) {
            case 0: {  // inject
                const std::uint8_t sel = in.byte();
                std::uint16_t protocol;
                if (sel < kProtocols.size()) {
                    protocol = kProtocols[sel];
                } else {
                    protocol = static_cast<std::uint16_t>(in.byte() << 8 | in.byte());
                }
                const ByteView body = in.take(in.byte());
                if (framed && (op & 0x08) != 0) {
                    run.target.framed->receive_bytes(body, run.now, out);  // raw line bytes
                } else if (framed) {
                    if ((protocol & 0x0001) == 0 || (protocol & 0x0100) != 0) break;  // not encodable
                    Bytes wire;
                    hdlc::TxConfig tx;
                    hdlc::encode_frame(tx, protocol, body, wire);
                    run.target.framed->receive_bytes(wire, run.now, out);
                } else {
                    check_round_trip(protocol, body);
                    run.target.link().receive(protocol, body, run.now, out);
                }
                run.collect(run.target, out);
                break;
            }
            case 1: {  // deliver peer -> target, maybe mangled
                if (run.peer.outbox.empty()) break;
                SendPacket s = std::move(run.peer.outbox.front());
                run.peer.outbox.pop_front();
                switch ((op >> 3) & 3) {
                    case 1: {
                        const std::uint8_t pos = in.byte();
                        const std::uint8_t mask = in.byte();
                        if (!s.packet.empty()) s.packet[pos % s.packet.size()] ^= mask;
                        break;
                    }
                    case 2: s.packet.resize(std::min<std::size_t>(s.packet.size(), in.byte())); break;
                    case 3: run.deliver(run.target, s); break;
                    default: break;
                }
                run.deliver(run.target, s);
                break;
            }
            case 2: {  // deliver target -> peer
                if (run.target.outbox.empty()) break;
                SendPacket s = std::move(run.target.outbox.front());
                run.target.outbox.pop_front();
                run.deliver(run.peer, s);
                break;
            }
            case 3:
                if (!run.peer.outbox.empty()) run.peer.outbox.pop_front();
                break;
            case 4:
                if (!run.target.outbox.empty()) run.target.outbox.pop_front();
                break;
            case 5: {
                static constexpr int kUnit[] = {1, 10, 100, 1000};
                const int units = in.byte() | in.byte() << 8;
                run.advance(Duration{static_cast<std::int64_t>(units) * kUnit[(op >> 3) & 3]});
                break;
            }
            case 6:
                switch ((op >> 3) & 7) {
                    case 0: run.target.link().close("fuzz", run.now, out); run.collect(run.target, out); break;
                    case 1: run.peer.link().close("fuzz", run.now, out); run.collect(run.peer, out); break;
                    case 2: run.target.link().lower_down(run.now, out); run.collect(run.target, out); break;
                    case 3: run.target.link().lower_up(run.now, out); run.collect(run.target, out); break;
                    case 4:
                        run.peer.link().lower_down(run.now, out);
                        run.collect(run.peer, out);
                        run.peer.link().lower_up(run.now, out);
                        run.collect(run.peer, out);
                        break;
                    default: {
                        // Early: must neither emit anything nor move the deadline.
                        auto t = run.target.link().next_timeout();
                        if (t && *t > run.now) {
                            run.target.link().on_timeout(run.now, out);
                            CHECK(out.empty());
                            CHECK(run.target.link().next_timeout() == t);
                        }
                        break;
                    }
                }
                break;
            default: {  // 7: IP from the data plane
                const std::uint16_t protocol = (op & 0x08) != 0 ? proto::ipv6 : proto::ip;
                const ByteView body = in.take(in.byte());
                run.target.link().send_ip(protocol, body, out);
                run.collect(run.target, out);
                break;
            }
        }
    }
    return 0;
}
