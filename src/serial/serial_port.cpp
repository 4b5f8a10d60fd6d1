#include "serial/serial_port.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <asio/post.hpp>
#include <cerrno>
#include <thread>
#include <utility>

namespace ec20ppp {
namespace {

std::string errno_text(int err) { return std::generic_category().message(err); }

struct BaudEntry {
    unsigned baud;
    speed_t code;
};

// Only the rates Linux has B-constants for; anything else would need termios2/BOTHER, and the
// EC20's USB serial ignores the rate anyway, so a typo should fail loudly instead.
constexpr BaudEntry baud_table[] = {
    {9600, B9600},       {19200, B19200},     {38400, B38400},     {57600, B57600},
    {115200, B115200},   {230400, B230400},   {460800, B460800},   {500000, B500000},
    {576000, B576000},   {921600, B921600},   {1000000, B1000000}, {1152000, B1152000},
    {1500000, B1500000}, {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000},
    {3500000, B3500000}, {4000000, B4000000},
};

speed_t baud_code(const std::string& path, unsigned baud) {
    for (const auto& e : baud_table) {
        if (e.baud == baud) return e.code;
    }
    std::string list;
    for (const auto& e : baud_table) {
        if (!list.empty()) list += ", ";
        list += std::to_string(e.baud);
    }
    throw SerialError("unsupported baud rate " + std::to_string(baud) + " for " + path +
                      " — use one of " + list);
}

std::string open_hint(int err) {
    switch (err) {
        case ENOENT:
            return "check the device path; the modem may not be plugged in or its driver "
                   "(option/qcserial) not loaded";
        case EACCES:
        case EPERM:
            return "run as root or add the user to the group owning the device (dialout)";
        case EBUSY:
            return "another program holds the port exclusively (ModemManager?): stop it first";
        case ENXIO:
        case ENODEV:
            return "the device vanished; re-plug the modem or wait for it to re-enumerate";
        default:
            return "check that the path names a serial tty";
    }
}

}  // namespace

const std::vector<unsigned>& SerialPort::supported_bauds() {
    static const std::vector<unsigned> list = [] {
        std::vector<unsigned> v;
        for (const auto& e : baud_table) v.push_back(e.baud);
        return v;
    }();
    return list;
}

SerialPort::SerialPort(asio::io_context& io, std::string path, unsigned baud)
    : path_(std::move(path)), baud_(baud), stream_(io), hangup_timer_(io) {
    // Validate before opening: opening some ttys already toggles DTR.
    const speed_t code = baud_code(path_, baud);

    const int fd = ::open(path_.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        throw SerialError("cannot open " + path_ + ": " + errno_text(err) + " — " + open_hint(err));
    }
    // From here on the descriptor belongs to stream_, so every throw below closes it.
    stream_.assign(fd);

    if (::tcgetattr(fd, &original_) != 0) {
        const int err = errno;
        close();
        throw SerialError("cannot read the terminal settings of " + path_ + ": " + errno_text(err) +
                          (err == ENOTTY ? " — it is not a tty; pass the modem's AT/PPP port "
                                           "(e.g. /dev/ttyUSB2)"
                                         : " — check that the device still exists"));
    }
    have_original_ = true;

    termios t = original_;
    ::cfmakeraw(&t);
    // CLOCAL: don't wait for / hang up on DCD, which USB modems report unreliably.
    // CREAD: enable the receiver. No CRTSCTS/IXON/IXOFF: PPP's HDLC framing escapes XON/XOFF only
    // when asked to, and the EC20's USB ports have no real flow-control lines.
    t.c_cflag |= CLOCAL | CREAD | CS8;
    t.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS);
    t.c_iflag &= ~(IXON | IXOFF | IXANY);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    ::cfsetispeed(&t, code);
    ::cfsetospeed(&t, code);
    if (::tcsetattr(fd, TCSANOW, &t) != 0) {
        const int err = errno;
        close();
        throw SerialError("cannot configure " + path_ + " as raw 8N1 at " + std::to_string(baud) +
                          " baud: " + errno_text(err) +
                          " — the driver may not support this rate; try 115200");
    }
    // tcsetattr succeeds if *any* change took effect, so check the speed actually stuck.
    termios check{};
    if (::tcgetattr(fd, &check) == 0 && ::cfgetospeed(&check) != code) {
        close();
        throw SerialError("the driver of " + path_ + " refused " + std::to_string(baud) +
                          " baud — try 115200");
    }
}

SerialPort::~SerialPort() { close(); }

int SerialPort::fd() const {
    // native_handle() is non-const in Asio; the descriptor value itself is not modified.
    return stream_.is_open() ? const_cast<asio::posix::stream_descriptor&>(stream_).native_handle()
                             : -1;
}

void SerialPort::set_dtr(bool on) {
    if (!stream_.is_open()) {
        throw SerialError("cannot change DTR on " + path_ + ": the port is closed");
    }
    int bits = TIOCM_DTR;
    if (::ioctl(fd(), on ? TIOCMBIS : TIOCMBIC, &bits) != 0) {
        const int err = errno;
        // ptys (tests, the simulator) have no modem-control lines.
        if (err == ENOTTY || err == EINVAL) return;
        throw SerialError(std::string("cannot ") + (on ? "raise" : "drop") + " DTR on " + path_ +
                          ": " + errno_text(err) + " — the modem may have been unplugged");
    }
}

void SerialPort::hangup(Duration low_time) {
    set_dtr(false);
    std::this_thread::sleep_for(low_time);
    set_dtr(true);
}

void SerialPort::async_hangup(Duration low_time, std::function<void(std::error_code)> done) {
    try {
        set_dtr(false);
    } catch (const SerialError&) {
        asio::post(hangup_timer_.get_executor(),
                   [done = std::move(done)] { done(std::make_error_code(std::errc::io_error)); });
        return;
    }
    hangup_timer_.expires_after(low_time);
    hangup_timer_.async_wait([this, alive = std::weak_ptr<int>(alive_),
                              done = std::move(done)](std::error_code ec) {
        if (!ec && (alive.expired() || !stream_.is_open())) ec = asio::error::operation_aborted;
        // operation_aborted: close() ran or the port is gone; don't touch it.
        if (ec) {
            done(ec);
            return;
        }
        try {
            set_dtr(true);
        } catch (const SerialError&) {
            done(std::make_error_code(std::errc::io_error));
            return;
        }
        done({});
    });
}

void SerialPort::flush() {
    if (!stream_.is_open()) return;
    if (::tcflush(fd(), TCIOFLUSH) != 0) {
        const int err = errno;
        throw SerialError("cannot flush " + path_ + ": " + errno_text(err) +
                          " — the modem may have been unplugged");
    }
}

void SerialPort::close() noexcept {
    std::error_code ignored;
    hangup_timer_.cancel();
    if (!stream_.is_open()) return;
    if (have_original_) {
        // Best effort: after an unplug this fails with EIO and there is nothing left to restore.
        ::tcsetattr(fd(), TCSANOW, &original_);
        have_original_ = false;
    }
    stream_.cancel(ignored);
    stream_.close(ignored);
}

}  // namespace ec20ppp
