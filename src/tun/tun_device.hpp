// The IP side of the link: a Linux TUN interface (IFF_TUN | IFF_NO_PI, so every read/write is
// one bare IPv4/IPv6 packet, exactly what PPP carries). I/O adapter: uses Asio and syscalls.
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "common/bytes.hpp"

namespace ec20ppp {

// Setup failure of the TUN device; what() says what was wrong and what to do.
class TunError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct TunStats {
    std::uint64_t packets_in = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t packets_out = 0;
    std::uint64_t bytes_out = 0;
    // write_packet() found the kernel's queue full (EAGAIN) and dropped the packet, as a router
    // would: PPP has no way to push back on the peer.
    std::uint64_t writes_dropped = 0;
    // write_packet() failed otherwise (e.g. EINVAL for a malformed packet, EIO while down).
    std::uint64_t write_errors = 0;
};

class TunDevice {
public:
    // Called with one packet; the view is valid only during the call. May call stop_reading(),
    // close() or even destroy the device.
    using PacketHandler = std::function<void(ByteView packet)>;
    // Called once when reading stops because of an error (not after stop_reading()/close()).
    using ErrorHandler = std::function<void(std::error_code ec)>;
    // Called after each wake-up's packets were handed to the PacketHandler (at EAGAIN or when
    // the batch is used up), before waiting again: where the caller writes out, in one go,
    // what those packets produced.
    using BatchEndHandler = std::function<void()>;

    // The largest packet a TUN can hand us (its MTU is at most 65535).
    static constexpr std::size_t max_packet_size = 65535;

    // Creates (or attaches to) the TUN interface named by `name_hint` ("ppp0", or a pattern such
    // as "ec20%d" for the kernel to number). Non-persistent: the interface disappears on close().
    // `clone_device` is the TUN clone device, replaceable for tests of the error path.
    explicit TunDevice(asio::io_context& io, std::string_view name_hint = "ec20%d",
                       const std::string& clone_device = "/dev/net/tun");
    ~TunDevice();

    TunDevice(const TunDevice&) = delete;
    TunDevice& operator=(const TunDevice&) = delete;

    // The name the kernel gave the interface (the hint with %d filled in).
    const std::string& name() const { return name_; }
    // Its interface index, for rtnetlink.
    unsigned ifindex() const { return ifindex_; }
    // The raw descriptor, still owned here (non-blocking); -1 once closed.
    int fd() const;
    bool is_open() const { return stream_.is_open(); }
    // True if the name hint named a persistent TUN created earlier (ip tuntap add): closing then
    // leaves the interface in place.
    bool attached_to_persistent() const { return persistent_; }
    const TunStats& stats() const { return stats_; }

    // Starts the read loop: on readability, reads packets until EAGAIN (at most a batch per
    // wake-up, so one busy TUN cannot starve the serial side), hands each to `on_packet`,
    // then calls `on_batch_end` (if given) and waits again. Replaces a previous loop's handlers.
    void async_read_packets(PacketHandler on_packet, ErrorHandler on_error = {}, BatchEndHandler on_batch_end = {});
    // Stops the loop; no handler runs afterwards.
    void stop_reading();
    // Flow control for a consumer that cannot keep up (the serial line): the loop stops taking
    // packets after the current one (the batch still ends with on_batch_end) and waits, unarmed,
    // until resume_reading(). Meanwhile packets queue in the kernel, which drops them past the
    // interface's txqueuelen as a full NIC queue would — instead of our memory growing with them.
    void pause_reading();
    void resume_reading();
    bool reading_paused() const;

    // One non-blocking read, outside the loop: the packet's size, or nullopt if none is queued.
    // Throws TunError on a real error.
    std::optional<std::size_t> try_read_packet(std::span<std::uint8_t> buffer);

    // Queues one IP packet for the kernel without blocking. Returns false if it was dropped (queue
    // full) or rejected; both are counted in stats().
    bool write_packet(ByteView packet);
    // errno of the last failed write_packet(), 0 if none failed yet.
    int last_write_error() const { return last_write_error_; }

    // Stops reading and closes the descriptor, which removes a non-persistent interface together
    // with its addresses and routes. Idempotent; never throws.
    void close() noexcept;

private:
    struct Reader;
    void arm();
    void on_readable(std::error_code ec);

    asio::posix::stream_descriptor stream_;
    std::string name_;
    unsigned ifindex_ = 0;
    bool persistent_ = false;
    TunStats stats_;
    int last_write_error_ = 0;
    std::shared_ptr<Reader> reader_;
};

}  // namespace ec20ppp
