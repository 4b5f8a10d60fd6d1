// The test side of the wire: IPv4/ICMP/TCP packets crafted by hand (RFC 791, 792, 9293) with real
// checksums, and a deliberately small TCP client that drives UserSpaceNetwork with fake time.
// The client handles only what a lossless, in-order link needs: handshake, window-limited
// sending, cumulative ACKs, FIN. It never retransmits; it ACKs out-of-order data with its current
// rcv_nxt (a duplicate ACK), which is what a real TCP does.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <stdexcept>

#include "common/bytes.hpp"
#include "common/ip.hpp"
#include "common/time.hpp"
#include "netstack/user_space_network.hpp"

namespace ec20ppp::netstack::test {

inline constexpr Ipv4 gateway{0x0a404040};  // 10.64.64.64: the endpoint
inline constexpr Ipv4 client{0x0a120ed8};   // 10.18.14.216: the dialer's address in the sim
inline constexpr std::uint8_t proto_icmp = 1, proto_tcp = 6, proto_udp = 17;
inline constexpr std::uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;

inline std::uint32_t sum16(ByteView data, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < data.size(); i += 2) sum += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
    if (data.size() & 1) sum += static_cast<std::uint32_t>(data.back() << 8);
    return sum;
}
inline std::uint16_t fold(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}
// The Internet checksum (RFC 1071) of `data`: 0 when `data` carries a correct checksum.
inline std::uint16_t checksum(ByteView data) { return fold(sum16(data)); }

inline void put_be32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

inline Bytes ipv4(Ipv4 src, Ipv4 dst, std::uint8_t protocol, ByteView payload, std::uint16_t id = 1) {
    Bytes p(20);
    p[0] = 0x45;
    store_be16(&p[2], static_cast<std::uint16_t>(20 + payload.size()));
    store_be16(&p[4], id);
    p[6] = 0x40;  // DF
    p[8] = 64;
    p[9] = protocol;
    put_be32(&p[12], src.value);
    put_be32(&p[16], dst.value);
    store_be16(&p[10], checksum(ByteView(p.data(), 20)));
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
}

inline Bytes icmp_echo_request(Ipv4 src, Ipv4 dst, std::uint16_t id, std::uint16_t seq, ByteView data) {
    Bytes icmp(8);
    icmp[0] = 8;  // Echo
    store_be16(&icmp[4], id);
    store_be16(&icmp[6], seq);
    icmp.insert(icmp.end(), data.begin(), data.end());
    store_be16(&icmp[2], checksum(icmp));
    return ipv4(src, dst, proto_icmp, icmp, seq);
}

// The TCP checksum covers a pseudo-header of the addresses, protocol and length (RFC 9293 §3.1).
inline std::uint16_t tcp_checksum(Ipv4 src, Ipv4 dst, ByteView segment) {
    Bytes pseudo(12);
    put_be32(&pseudo[0], src.value);
    put_be32(&pseudo[4], dst.value);
    pseudo[9] = proto_tcp;
    store_be16(&pseudo[10], static_cast<std::uint16_t>(segment.size()));
    return fold(sum16(segment, sum16(pseudo)));
}

struct TcpFields {
    Ipv4 src = client, dst = gateway;
    std::uint16_t sport = 40000, dport = 5001;
    std::uint32_t seq = 0, ack_no = 0;
    std::uint8_t flags = 0;
    std::uint16_t window = 65535;
    std::optional<std::uint16_t> mss;  // MSS option (SYN only)
};

inline Bytes tcp_segment(const TcpFields& f, ByteView data = {}) {
    const std::size_t header = f.mss ? 24 : 20;
    Bytes t(header);
    store_be16(&t[0], f.sport);
    store_be16(&t[2], f.dport);
    put_be32(&t[4], f.seq);
    put_be32(&t[8], f.ack_no);
    t[12] = static_cast<std::uint8_t>((header / 4) << 4);
    t[13] = f.flags;
    store_be16(&t[14], f.window);
    if (f.mss) {
        t[20] = 2;
        t[21] = 4;
        store_be16(&t[22], *f.mss);
    }
    t.insert(t.end(), data.begin(), data.end());
    store_be16(&t[16], tcp_checksum(f.src, f.dst, t));
    return ipv4(f.src, f.dst, proto_tcp, t);
}

// A packet the endpoint sent, taken apart. Every accessor checks its field is there.
struct Parsed {
    Bytes raw;
    std::size_t ihl = 0, l4 = 0;  // header length; offset of the transport header
    explicit Parsed(ByteView p) : raw(p.begin(), p.end()) {
        if (raw.size() < 20 || (raw[0] >> 4) != 4) throw std::runtime_error("not IPv4");
        ihl = (raw[0] & 0x0f) * 4u;
        l4 = ihl;
        if (raw.size() < ihl || load_be16(&raw[2]) != raw.size()) throw std::runtime_error("bad IPv4 length");
    }
    Ipv4 src() const { return Ipv4{load_be32(&raw[12])}; }
    Ipv4 dst() const { return Ipv4{load_be32(&raw[16])}; }
    std::uint8_t protocol() const { return raw[9]; }
    bool ip_checksum_ok() const { return checksum(ByteView(raw.data(), ihl)) == 0; }
    ByteView transport() const { return ByteView(raw).subspan(l4); }

    // TCP
    bool is_tcp() const { return protocol() == proto_tcp && raw.size() >= l4 + 20; }
    std::uint16_t sport() const { return load_be16(&raw[l4]); }
    std::uint16_t dport() const { return load_be16(&raw[l4 + 2]); }
    std::uint32_t seq() const { return load_be32(&raw[l4 + 4]); }
    std::uint32_t ack_no() const { return load_be32(&raw[l4 + 8]); }
    std::uint8_t flags() const { return raw[l4 + 13]; }
    std::uint16_t window() const { return load_be16(&raw[l4 + 14]); }
    std::size_t tcp_header() const { return (raw[l4 + 12] >> 4) * 4u; }
    ByteView payload() const { return ByteView(raw).subspan(l4 + tcp_header()); }
    bool tcp_checksum_ok() const { return tcp_checksum(src(), dst(), transport()) == 0; }
    std::optional<std::uint16_t> mss() const {
        for (std::size_t i = l4 + 20; i < l4 + tcp_header();) {
            const std::uint8_t kind = raw[i];
            if (kind == 0) break;
            if (kind == 1) {
                ++i;
                continue;
            }
            if (kind == 2 && raw[i + 1] == 4) return load_be16(&raw[i + 2]);
            i += raw[i + 1];
        }
        return std::nullopt;
    }
};

// A UserSpaceNetwork on fake time, with what it sends collected in order.
struct Harness {
    TimePoint now = TimePoint{} + std::chrono::hours(1);
    std::deque<Bytes> sent;  // packets from the endpoint, oldest first
    UserSpaceNetwork net;

    explicit Harness(UserSpaceNetworkConfig config = default_config())
        : net(config, [this](ByteView p) { sent.emplace_back(p.begin(), p.end()); }, now) {}

    static UserSpaceNetworkConfig default_config() {
        UserSpaceNetworkConfig c;
        c.address = gateway;
        c.peer = client;
        return c;
    }

    void send(const Bytes& packet) { net.input(packet, now); }

    // Moves fake time forward by `d`, running every lwIP timer at the moment it is due.
    void advance(Duration d) {
        const TimePoint until = now + d;
        for (auto next = net.next_timeout(); next && *next <= until; next = net.next_timeout()) {
            now = std::max(now, *next);
            net.poll(now);
        }
        now = until;
        net.poll(now);
    }

    Parsed take() {
        if (sent.empty()) throw std::runtime_error("the endpoint sent nothing");
        Parsed p(sent.front());
        sent.pop_front();
        return p;
    }
};

// The minimal client. Sequence numbers are absolute; arithmetic wraps modulo 2^32 as TCP's does.
class TcpClient {
public:
    TcpClient(Harness& h, std::uint16_t sport, std::uint32_t iss, std::uint16_t dport = 5001)
        : h_(h), sport_(sport), dport_(dport), iss_(iss), snd_una_(iss), snd_nxt_(iss) {}

    std::uint16_t rcv_window = 65535;  // what we advertise; 0 = "not reading"
    Bytes received;
    bool fin_received = false, reset = false;
    std::uint16_t peer_mss = 536;

    // Three-way handshake. Returns the SYN-ACK (the test checks its details).
    Parsed connect() {
        send(syn, {}, 1460);
        snd_nxt_ = iss_ + 1;
        Parsed synack = h_.take();
        if ((synack.flags() & (syn | ack)) != (syn | ack) || synack.ack_no() != iss_ + 1)
            throw std::runtime_error("no SYN-ACK");
        rcv_nxt_ = synack.seq() + 1;
        snd_una_ = synack.ack_no();
        peer_wnd_ = synack.window();
        if (synack.mss()) peer_mss = *synack.mss();
        send(ack);
        return synack;
    }

    // Sends what the peer's window allows of data[offset..], one MSS at a time. Returns bytes sent.
    std::size_t send_data(ByteView data, std::size_t& offset) {
        std::size_t sent = 0;
        while (offset < data.size()) {
            const std::uint32_t in_flight = snd_nxt_ - snd_una_;
            if (in_flight >= peer_wnd_) break;
            const std::size_t n = std::min({static_cast<std::size_t>(peer_mss), data.size() - offset,
                                            static_cast<std::size_t>(peer_wnd_ - in_flight)});
            send(ack | psh, data.subspan(offset, n));
            snd_nxt_ += static_cast<std::uint32_t>(n);
            offset += n;
            sent += n;
            sent_total_ += n;
        }
        return sent;
    }

    // Takes every packet the endpoint sent; ACKs once if anything new arrived. Returns whether
    // anything arrived at all.
    bool receive() {
        bool any = false, need_ack = false;
        while (!h_.sent.empty()) {
            Parsed p = h_.take();
            any = true;
            EXPECT_TRUE(p.ip_checksum_ok());
            EXPECT_TRUE(p.tcp_checksum_ok());
            if (!p.is_tcp() || p.dport() != sport_ || p.sport() != dport_) continue;
            if (p.flags() & rst) {
                reset = true;
                continue;
            }
            if (p.flags() & ack) {
                if (static_cast<std::int32_t>(p.ack_no() - snd_una_) >= 0) snd_una_ = p.ack_no();
                peer_wnd_ = p.window();
            }
            const ByteView data = p.payload();
            if (!data.empty() || (p.flags() & fin)) {
                // In order and in our window: take it. Otherwise (out of order, or a zero-window
                // probe while we are "not reading"): a duplicate ACK, as a real TCP sends.
                need_ack = true;
                if (p.seq() == rcv_nxt_ && (rcv_window > 0 || data.empty())) {
                    received.insert(received.end(), data.begin(), data.end());
                    rcv_nxt_ += static_cast<std::uint32_t>(data.size());
                    if (p.flags() & fin) {
                        fin_received = true;
                        rcv_nxt_ += 1;
                    }
                }
            }
        }
        if (need_ack) send(ack);
        return any;
    }

    void send_fin() {
        send(fin | ack);
        snd_nxt_ += 1;
    }
    // Advertises the current rcv_window.
    void send_ack() { send(ack); }

    // Pushes `data` through the echo service and collects the echo of everything sent so far:
    // sends what the window allows, takes the replies, and lets fake time pass (delayed ACKs,
    // persist timer) only when nothing moved.
    void echo(ByteView data, Duration budget = std::chrono::seconds(60)) {
        std::size_t offset = 0;
        const TimePoint deadline = h_.now + budget;
        while (offset < data.size() || received.size() < sent_total_) {
            bool moved = send_data(data, offset) > 0;
            moved = receive() || moved;
            if (reset) throw std::runtime_error("connection reset");
            if (!moved) {
                if (h_.now >= deadline) throw std::runtime_error("echo stalled");
                h_.advance(std::chrono::milliseconds(10));
            }
        }
    }

    std::uint32_t bytes_acked() const { return snd_una_ - iss_ - 1; }
    std::uint32_t peer_window() const { return peer_wnd_; }

private:
    void send(std::uint8_t flags, ByteView data = {}, std::optional<std::uint16_t> mss = std::nullopt) {
        TcpFields f;
        f.sport = sport_;
        f.dport = dport_;
        f.seq = snd_nxt_;
        f.ack_no = (flags & ack) ? rcv_nxt_ : 0;
        f.flags = flags;
        f.window = rcv_window;
        f.mss = mss;
        h_.send(tcp_segment(f, data));
    }

    Harness& h_;
    std::uint16_t sport_, dport_;
    std::uint32_t iss_, snd_una_, snd_nxt_, rcv_nxt_ = 0, peer_wnd_ = 0;
    std::size_t sent_total_ = 0;  // data bytes sent on this connection
};

}  // namespace ec20ppp::netstack::test
