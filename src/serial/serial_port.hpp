// The modem's AT/PPP tty: raw 8N1, no flow control, wrapped for Asio. This is an I/O adapter:
// it is the only place (with tun/ and netconf/) that issues syscalls on behalf of the protocol.
#pragma once

#include <termios.h>

#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "common/time.hpp"

namespace ec20ppp {

// Setup failure of the serial port (open, termios, modem lines). what() says what was wrong
// and what to do about it.
class SerialError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class SerialPort {
public:
    // The baud rates accepted by the constructor, ascending (9600 .. 4000000).
    static const std::vector<unsigned>& supported_bauds();

    // Opens `path` O_RDWR|O_NOCTTY|O_NONBLOCK and switches it to raw 8N1 at `baud` with
    // CLOCAL|CREAD and neither hardware nor software flow control. Throws SerialError.
    SerialPort(asio::io_context& io, std::string path, unsigned baud = 115200);
    ~SerialPort();  // close(): restores the original termios

    SerialPort(const SerialPort&) = delete;
    SerialPort& operator=(const SerialPort&) = delete;

    const std::string& path() const { return path_; }
    unsigned baud() const { return baud_; }
    bool is_open() const { return stream_.is_open(); }
    // The raw descriptor (still owned by this object); -1 once closed.
    int fd() const;
    // For async_read_some / async_write_some / asio::async_write.
    asio::posix::stream_descriptor& stream() { return stream_; }

    // Raises (true) or drops (false) DTR. On a pty the modem-control ioctls fail with
    // ENOTTY/EINVAL; that is ignored so tests and simulators can use ptys. Throws SerialError
    // on any other failure.
    void set_dtr(bool on);
    // Drops DTR for `low_time`, then raises it again: the EC20 (AT&D2) treats a DTR drop as
    // "hang up the data call and return to command mode". Blocks the calling thread.
    void hangup(Duration low_time = std::chrono::milliseconds(500));
    // The same without blocking: DTR low now, high again after `low_time`, then `done` runs
    // (with operation_aborted if close() came first; DTR is then left as it was).
    void async_hangup(Duration low_time, std::function<void(std::error_code)> done);
    // Discards unread input and unsent output (tcflush TCIOFLUSH), e.g. stale AT echoes.
    void flush();

    // Cancels pending operations, restores the termios found at open and closes. Never throws;
    // idempotent.
    void close() noexcept;

private:
    std::string path_;
    unsigned baud_;
    asio::posix::stream_descriptor stream_;
    asio::steady_timer hangup_timer_;
    termios original_{};
    bool have_original_ = false;
    // Completion handlers hold a weak_ptr to this: a timer completion already queued when the
    // port is destroyed must not touch the dead object.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace ec20ppp
