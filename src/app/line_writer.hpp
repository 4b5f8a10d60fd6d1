// What the dialer writes to the serial line (the modem's tty, or the simulator's pty): frames
// are encoded straight onto one buffer while the previous batch is still being written, and
// every batch leaves in as few write(2)s as the tty takes. I/O adapter glue for src/app.
#pragma once

#include <asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <system_error>

#include "common/bytes.hpp"
#include "common/time.hpp"

namespace ec20ppp::app {

class LineWriter {
public:
    // Called (from the event loop, never from inside flush()) when the line refused a write:
    // EIO after a hang-up, and the like. What waited is discarded.
    using ErrorHandler = std::function<void(std::error_code ec)>;

    struct Stats {
        std::uint64_t writes = 0;  // write(2) calls that took octets
        std::uint64_t octets = 0;
        std::uint64_t full = 0;  // times the tty took no more and flush() waited for it
    };

    // `stream` is the line's non-blocking descriptor; it must outlive the writer's waits.
    LineWriter(asio::posix::stream_descriptor& stream, ErrorHandler on_error);

    // Where the next batch fills: append frames here (FramedLink::send_ip, encode), then flush().
    Bytes& batch() { return fill_; }
    // Appends `bytes` and flushes.
    void send(ByteView bytes);
    // Writes what waits, at once, as far as the tty takes it without blocking; the rest when it
    // is writable again (no other call needed). Octets go out in the order they were appended.
    void flush();
    // For the end of the connection: cancels the wait and writes what is left — a Terminate-Ack,
    // say — blocking for at most `budget`. Nothing already written is written again.
    void drain(std::chrono::milliseconds budget);
    // Forgets what waits (the line is gone, or another layer writes it now).
    void discard();

    bool idle() const { return fill_.empty() && done_ == busy_.size(); }
    // Octets appended and not yet taken by the tty.
    std::size_t pending() const { return fill_.size() + busy_.size() - done_; }
    // Flow control for the producer (the TUN): `handler` runs once, from the first flush() or
    // discard() that finds pending() at `octets` or below (so it must not call back into this
    // writer; the TUN's resume_reading() only posts). A producer that stops at a high-water mark
    // and resumes here keeps both buffers near that mark instead of growing with whatever the
    // tty cannot take. Replaces an earlier request.
    void when_drained_to(std::size_t octets, std::function<void()> handler);
    // When the tty last took octets (for the +++ guard time); the epoch if never.
    TimePoint last_write() const { return last_write_; }
    const Stats& stats() const { return stats_; }

private:
    void check_drained();
    asio::posix::stream_descriptor& stream_;
    ErrorHandler on_error_;
    // Double buffer: busy_ is being written (done_ octets of it are), fill_ collects the next
    // batch; when busy_ is done they swap. Both keep their capacity, so a busy link allocates
    // nothing once they have grown to its largest batch.
    Bytes fill_;
    Bytes busy_;
    std::size_t done_ = 0;
    bool waiting_ = false;  // an async_wait for writability is pending
    std::size_t drained_mark_ = 0;
    std::function<void()> on_drained_;  // when_drained_to()
    TimePoint last_write_{};
    Stats stats_;
};

}  // namespace ec20ppp::app
