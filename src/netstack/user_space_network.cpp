#include "netstack/user_space_network.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_set>

// lwIP's headers come in as SYSTEM includes (see CMakeLists.txt): they are C and would trip
// -Wextra/-Wshadow here. They must be compiled with the lwipopts.h Debian built the library with
// (it sits in the same include directory), since struct netif and struct tcp_pcb depend on it.
#include <lwip/init.h>
#include <lwip/ip.h>
#include <lwip/ip4_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/tcp.h>
#include <lwip/timeouts.h>
// tcp_active_pcbs and tcp_tw_pcbs: emptied on destruction so the next instance starts clean.
#include <lwip/priv/tcp_priv.h>

namespace {

// lwIP's clock, in milliseconds. Continuous across instances: each instance carries on from the
// value the previous one left, so timers lwIP scheduled earlier (its cyclic timers live as long as
// the process) never look 24 days in the future to TIME_LESS_THAN when a test swaps a fake clock
// for the real one.
std::uint32_t g_lwip_ms = 0;

std::atomic<bool> g_instance_exists{false};
std::once_flag g_lwip_initialised;

}  // namespace

// lwIP calls sys_now() to schedule and fire its timeouts. Debian's liblwip.so has its own (the
// monotonic clock) but calls it through the PLT, so this definition in the executable takes its
// place: lwIP then sees the time the caller passes to input()/poll(), fake or real.
extern "C" u32_t sys_now(void) { return g_lwip_ms; }

namespace ec20ppp::netstack {

namespace {

ip4_addr_t to_lwip(Ipv4 a) {
    ip4_addr_t out;
    IP4_ADDR(&out, static_cast<std::uint8_t>(a.value >> 24), static_cast<std::uint8_t>(a.value >> 16),
             static_cast<std::uint8_t>(a.value >> 8), static_cast<std::uint8_t>(a.value));
    return out;
}

constexpr std::uint8_t tcp_poll_interval = 2;  // in lwIP's coarse ticks (500 ms): retry every second

}  // namespace

struct UserSpaceNetwork::Impl {
    // One echo connection. lwIP's callbacks carry a pointer to it as their `arg`.
    struct Connection {
        Impl* owner = nullptr;
        tcp_pcb* pcb = nullptr;
        Bytes pending;            // received, not yet queued back to the client
        std::size_t sent_from = 0;  // pending[sent_from..] is still to queue
        bool peer_closed = false;   // the client sent FIN: close once everything is echoed
    };

    UserSpaceNetworkConfig config;
    Output output;
    UserSpaceNetworkStats stats;
    netif nif{};
    tcp_pcb* listener = nullptr;
    std::unordered_set<Connection*> connections;
    // Packets lwIP sent while it was running; handed to `output` once it has returned, so the
    // callback can feed packets back in without re-entering lwIP.
    std::deque<Bytes> outbox;
    bool flushing = false;
    bool discarding_output = false;  // set while tearing down: RSTs to a link that is going away
    TimePoint epoch, last_now;
    std::uint32_t epoch_ms = 0;  // g_lwip_ms at `epoch`

    void set_time(TimePoint now) {
        if (now < last_now) now = last_now;  // lwIP's clock must not run backwards
        last_now = now;
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - epoch).count();
        // Modulo 2^32, as lwIP expects of sys_now(): it compares times with wrap-around.
        g_lwip_ms = epoch_ms + static_cast<std::uint32_t>(elapsed);
    }

    void flush() {
        if (flushing) return;  // an Output callback fed a packet in: the outer loop sends its replies
        flushing = true;
        while (!outbox.empty()) {
            Bytes packet = std::move(outbox.front());
            outbox.pop_front();
            ++stats.packets_out;
            if (output) output(packet);
        }
        flushing = false;
    }

    // netif callbacks -------------------------------------------------------------------------

    static err_t netif_init(netif* n) {
        n->name[0] = 's';
        n->name[1] = 'm';
        n->output = &Impl::output_ip4;
#if LWIP_IPV6
        n->output_ip6 = &Impl::output_ip6;
#endif
        // Point to point, no link layer: no NETIF_FLAG_ETHARP, no broadcast, no IGMP/MLD.
        n->flags = 0;
        return ERR_OK;
    }

    static err_t output_ip4(netif* n, pbuf* p, const ip4_addr_t*) {
        auto* self = static_cast<Impl*>(n->state);
        if (self->discarding_output) return ERR_OK;
        Bytes packet(p->tot_len);
        pbuf_copy_partial(p, packet.data(), p->tot_len, 0);
        self->outbox.push_back(std::move(packet));
        return ERR_OK;
    }

#if LWIP_IPV6
    // The netif has no IPv6 address and the simulator feeds it IPv4 only, so lwIP has no reason to
    // send IPv6; if it ever does, drop it rather than confuse the client.
    static err_t output_ip6(netif*, pbuf*, const ip6_addr_t*) { return ERR_OK; }
#endif

    // TCP echo service ----------------------------------------------------------------------

    static err_t on_accept(void* arg, tcp_pcb* pcb, err_t err) {
        auto* self = static_cast<Impl*>(arg);
        if (err != ERR_OK || pcb == nullptr) return ERR_VAL;
        auto* c = new Connection{self, pcb, {}, 0, false};
        self->connections.insert(c);
        ++self->stats.connections_accepted;
        ++self->stats.connections_open;
        tcp_arg(pcb, c);
        tcp_recv(pcb, &Impl::on_recv);
        tcp_sent(pcb, &Impl::on_sent);
        tcp_err(pcb, &Impl::on_error);
        tcp_poll(pcb, &Impl::on_poll, tcp_poll_interval);
        // An echo is interactive: send each reply at once instead of waiting for the previous
        // one's ACK (Nagle), which would stall a client that waits for its echo before sending more.
        tcp_nagle_disable(pcb);
        return ERR_OK;
    }

    static err_t on_recv(void* arg, tcp_pcb* pcb, pbuf* p, err_t) {
        auto* c = static_cast<Connection*>(arg);
        if (c == nullptr) {  // already closed on our side: take and drop whatever still arrives
            if (p != nullptr) {
                tcp_recved(pcb, p->tot_len);
                pbuf_free(p);
            }
            return ERR_OK;
        }
        if (p == nullptr) {
            c->peer_closed = true;
        } else {
            // Compact before growing: what was already queued back is lwIP's now.
            if (c->sent_from > 0) {
                c->pending.erase(c->pending.begin(), c->pending.begin() + static_cast<std::ptrdiff_t>(c->sent_from));
                c->sent_from = 0;
            }
            const std::size_t old = c->pending.size();
            c->pending.resize(old + p->tot_len);
            pbuf_copy_partial(p, c->pending.data() + old, p->tot_len, 0);
            pbuf_free(p);
        }
        return c->owner->pump(c);
    }

    static err_t on_sent(void* arg, tcp_pcb*, u16_t) {
        auto* c = static_cast<Connection*>(arg);
        if (c == nullptr) return ERR_OK;
        return c->owner->pump(c);
    }

    static err_t on_poll(void* arg, tcp_pcb*) {
        auto* c = static_cast<Connection*>(arg);
        if (c == nullptr) return ERR_OK;
        return c->owner->pump(c);
    }

    // lwIP has already freed the pcb (reset by the peer, or out of retransmissions).
    static void on_error(void* arg, err_t) {
        auto* c = static_cast<Connection*>(arg);
        if (c == nullptr) return;
        c->pcb = nullptr;
        c->owner->forget(c);
    }

    // Queues as much of the pending data as lwIP's send buffer takes, opening the receive window
    // by exactly that much; closes once the client has finished and everything is queued.
    err_t pump(Connection* c) {
        tcp_pcb* pcb = c->pcb;
        while (c->sent_from < c->pending.size()) {
            const std::size_t room = std::min<std::size_t>(tcp_sndbuf(pcb), 0xffff);
            const std::size_t n = std::min(c->pending.size() - c->sent_from, room);
            if (n == 0) break;  // send buffer full: on_sent resumes when the client ACKs
            err_t err = tcp_write(pcb, c->pending.data() + c->sent_from, static_cast<u16_t>(n), TCP_WRITE_FLAG_COPY);
            if (err == ERR_MEM) break;  // too many segments queued: on_sent or on_poll resumes
            if (err != ERR_OK) return abort(c);
            c->sent_from += n;
            tcp_recved(pcb, static_cast<u16_t>(n));
            stats.bytes_echoed += n;
        }
        if (c->sent_from == c->pending.size()) {
            c->pending.clear();
            c->sent_from = 0;
        }
        tcp_output(pcb);
        if (c->peer_closed && c->pending.empty()) return close(c);
        return ERR_OK;
    }

    // Detaches our callbacks and lets lwIP finish the close (FIN after the queued echo, then
    // LAST_ACK). If lwIP is out of memory, keeps the connection and tries again from on_poll.
    err_t close(Connection* c) {
        tcp_pcb* pcb = c->pcb;
        detach(pcb);
        if (tcp_close(pcb) != ERR_OK) {
            attach(c);
            return ERR_OK;
        }
        c->pcb = nullptr;
        forget(c);
        return ERR_OK;
    }

    err_t abort(Connection* c) {
        tcp_pcb* pcb = c->pcb;
        detach(pcb);
        tcp_abort(pcb);
        c->pcb = nullptr;
        forget(c);
        return ERR_ABRT;  // tells lwIP the pcb is gone
    }

    void attach(Connection* c) {
        tcp_arg(c->pcb, c);
        tcp_recv(c->pcb, &Impl::on_recv);
        tcp_sent(c->pcb, &Impl::on_sent);
        tcp_err(c->pcb, &Impl::on_error);
        tcp_poll(c->pcb, &Impl::on_poll, tcp_poll_interval);
    }

    static void detach(tcp_pcb* pcb) {
        tcp_arg(pcb, nullptr);
        tcp_sent(pcb, nullptr);
        tcp_err(pcb, nullptr);
        tcp_poll(pcb, nullptr, 0);
        // on_recv stays: with a null arg it drains what still arrives, so lwIP never holds
        // refused data for a pcb nobody reads.
    }

    void forget(Connection* c) {
        connections.erase(c);
        --stats.connections_open;
        delete c;
    }
};

UserSpaceNetwork::UserSpaceNetwork(const UserSpaceNetworkConfig& config, Output output, TimePoint now) {
    if (g_instance_exists.exchange(true)) {
        throw std::logic_error(
            "ec20ppp::netstack::UserSpaceNetwork: only one instance may exist at a time "
            "(lwIP keeps its state in process globals)");
    }
    try {
        impl_ = std::make_unique<Impl>();
        impl_->config = config;
        impl_->output = std::move(output);
        impl_->epoch = impl_->last_now = now;
        impl_->epoch_ms = g_lwip_ms;
        // lwip_init() sets up memory, the protocol control blocks and lwIP's cyclic timers. It
        // must run exactly once: a second call would register the cyclic timers twice.
        std::call_once(g_lwip_initialised, [] { lwip_init(); });

        const ip4_addr_t address = to_lwip(config.address);
        const ip4_addr_t mask = to_lwip(Ipv4{0xffffffff});
        const ip4_addr_t peer = to_lwip(config.peer);
        // input = ip_input: we hand whole IP packets to lwIP on the caller's thread; the usual
        // tcpip_input would queue them for lwIP's own thread, which we never start.
        if (netif_add(&impl_->nif, &address, &mask, &peer, impl_.get(), &Impl::netif_init, &ip_input) == nullptr)
            throw std::runtime_error("lwIP refused the network interface");
        impl_->nif.mtu = config.mtu;
        // Default route: replies go back over the link to any source, not only the peer.
        netif_set_default(&impl_->nif);
        netif_set_link_up(&impl_->nif);
        netif_set_up(&impl_->nif);

        tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
        if (pcb == nullptr) throw std::runtime_error("lwIP: out of memory for the listening socket");
        ip_addr_t bind_address;
        ip_addr_copy_from_ip4(bind_address, address);
        if (tcp_bind(pcb, &bind_address, config.echo_port) != ERR_OK) {
            tcp_close(pcb);
            throw std::runtime_error("lwIP: cannot bind TCP port " + std::to_string(config.echo_port));
        }
        impl_->listener = tcp_listen(pcb);  // frees `pcb`, returns a smaller listening one
        if (impl_->listener == nullptr) {
            tcp_close(pcb);
            throw std::runtime_error("lwIP: cannot listen on TCP port " + std::to_string(config.echo_port));
        }
        tcp_arg(impl_->listener, impl_.get());
        tcp_accept(impl_->listener, &Impl::on_accept);
    } catch (...) {
        if (impl_ && impl_->nif.state != nullptr) netif_remove(&impl_->nif);
        impl_.reset();
        g_instance_exists = false;
        throw;
    }
}

UserSpaceNetwork::~UserSpaceNetwork() {
    Impl& d = *impl_;
    d.discarding_output = true;
    while (!d.connections.empty()) {
        Impl::Connection* c = *d.connections.begin();
        Impl::detach(c->pcb);
        tcp_abort(c->pcb);
        c->pcb = nullptr;
        d.forget(c);
    }
    if (d.listener != nullptr) tcp_close(d.listener);  // never fails for a listening pcb
    netif_remove(&d.nif);  // aborts the pcbs still bound to our address (those closing: LAST_ACK)
    // Whatever is left (TIME_WAIT after a simultaneous close, say) would otherwise linger in
    // lwIP's global lists and answer the next instance's segments. Their callbacks are detached.
    while (tcp_active_pcbs != nullptr) tcp_abort(tcp_active_pcbs);
    while (tcp_tw_pcbs != nullptr) tcp_abort(tcp_tw_pcbs);
    d.outbox.clear();
    g_instance_exists = false;
}

void UserSpaceNetwork::input(ByteView packet, TimePoint now) {
    Impl& d = *impl_;
    d.set_time(now);
    // Only well-formed IPv4 reaches lwIP. Its own checks are thorough, but a packet from a
    // loopback address or from our own would make it reply through its loopback path, which in
    // Debian's multi-threaded build is a call to the tcpip thread we never start (an abort).
    const auto loopback = [](const std::uint8_t* a) { return a[0] == 127; };
    const std::uint32_t own = d.config.address.value;
    if (packet.size() < 20 || packet.size() > 0xffff || (packet[0] >> 4) != 4 || loopback(&packet[12]) ||
        loopback(&packet[16]) || load_be32(&packet[12]) == own) {
        ++d.stats.packets_refused;
        return;
    }
    pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(packet.size()), PBUF_RAM);
    if (p == nullptr) {
        ++d.stats.packets_refused;
        return;
    }
    pbuf_take(p, packet.data(), static_cast<u16_t>(packet.size()));
    ++d.stats.packets_in;
    if (d.nif.input(p, &d.nif) != ERR_OK) pbuf_free(p);  // ip_input frees what it takes
    d.flush();
}

void UserSpaceNetwork::poll(TimePoint now) {
    impl_->set_time(now);
    sys_check_timeouts();
    impl_->flush();
}

std::optional<TimePoint> UserSpaceNetwork::next_timeout() const {
    const u32_t sleep = sys_timeouts_sleeptime();  // relative to sys_now(), i.e. to last_now
    if (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE) return std::nullopt;
    return impl_->last_now + std::chrono::milliseconds(sleep);
}

const UserSpaceNetworkStats& UserSpaceNetwork::stats() const { return impl_->stats; }
const UserSpaceNetworkConfig& UserSpaceNetwork::config() const { return impl_->config; }

}  // namespace ec20ppp::netstack
