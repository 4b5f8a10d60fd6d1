#include "app/line_writer.hpp"

#include <unistd.h>

#include <asio/post.hpp>
#include <cerrno>
#include <utility>

namespace ec20ppp::app {

LineWriter::LineWriter(asio::posix::stream_descriptor& stream, ErrorHandler on_error)
    : stream_(stream), on_error_(std::move(on_error)) {}

void LineWriter::send(ByteView bytes) {
    fill_.insert(fill_.end(), bytes.begin(), bytes.end());
    flush();
}

void LineWriter::discard() {
    fill_.clear();
    busy_.clear();
    done_ = 0;
    check_drained();
}

void LineWriter::when_drained_to(std::size_t octets, std::function<void()> handler) {
    drained_mark_ = octets;
    on_drained_ = std::move(handler);
}

void LineWriter::check_drained() {
    if (!on_drained_ || pending() > drained_mark_) return;
    auto handler = std::move(on_drained_);
    on_drained_ = nullptr;
    handler();
}

void LineWriter::flush() {
    if (!stream_.is_open()) {
        discard();  // nobody to write to: it would only pile up
        return;
    }
    if (waiting_) return;  // the tty is full: the wait's handler goes on
    for (;;) {
        if (done_ == busy_.size()) {
            busy_.clear();
            done_ = 0;
            if (fill_.empty()) {
                check_drained();
                return;
            }
            // Whatever accumulated, possibly many frames, goes in one write.
            std::swap(fill_, busy_);
        }
        // The descriptor is non-blocking: write at once what the tty takes, without an Asio
        // operation (and its completion) per batch; wait for writability only when it is full.
        const ssize_t n = ::write(stream_.native_handle(), busy_.data() + done_, busy_.size() - done_);
        if (n > 0) {
            done_ += static_cast<std::size_t>(n);
            ++stats_.writes;
            stats_.octets += static_cast<std::uint64_t>(n);
            last_write_ = Clock::now();
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            check_drained();  // what the tty took so far may be enough
            ++stats_.full;
            waiting_ = true;
            stream_.async_wait(asio::posix::descriptor_base::wait_write, [this](std::error_code ec) {
                waiting_ = false;
                if (ec) {
                    if (ec != asio::error::operation_aborted) {
                        discard();
                        on_error_(ec);
                    }
                    return;
                }
                flush();
            });
            return;
        }
        // The tty is gone (EIO after a hang-up). Reported from the loop, like a failed
        // asynchronous write: flush() runs inside the caller's handlers, which the error
        // handler (tearing the connection down) must not re-enter.
        const std::error_code ec(n < 0 ? errno : EIO, std::system_category());
        discard();
        asio::post(stream_.get_executor(), [this, ec] { on_error_(ec); });
        return;
    }
}

void LineWriter::drain(std::chrono::milliseconds budget) {
    if (!stream_.is_open()) {
        discard();
        return;
    }
    std::error_code ignored;
    stream_.cancel(ignored);  // the pending wait completes as aborted and touches nothing
    waiting_ = false;
    const TimePoint give_up = Clock::now() + budget;
    const int fd = stream_.native_handle();
    for (Bytes* chunk : {&busy_, &fill_}) {
        std::size_t done = chunk == &busy_ ? done_ : 0;
        while (done < chunk->size() && Clock::now() < give_up) {
            const ssize_t n = ::write(fd, chunk->data() + done, chunk->size() - done);
            if (n > 0) {
                done += static_cast<std::size_t>(n);
                last_write_ = Clock::now();
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                break;
            } else {
                ::usleep(1000);
            }
        }
    }
    discard();
}

}  // namespace ec20ppp::app
