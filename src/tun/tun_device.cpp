#include "tun/tun_device.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace ec20ppp {
namespace {

std::string errno_text(int err) { return std::generic_category().message(err); }

// Packets handled per wake-up before yielding to other handlers (the serial side, timers).
constexpr int read_batch = 64;

void check_name_hint(std::string_view hint) {
    if (hint.size() >= IFNAMSIZ) {
        throw TunError("interface name \"" + std::string(hint) + "\" is too long: Linux allows at most " +
                       std::to_string(IFNAMSIZ - 1) + " characters — choose a shorter name");
    }
    // The kernel would only say EINVAL; say which character is the problem instead.
    for (char c : hint) {
        if (c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || static_cast<unsigned char>(c) < 0x20) {
            throw TunError("interface name \"" + std::string(hint) +
                           "\" contains a character Linux does not allow ('/', ':' or whitespace) — "
                           "choose another name");
        }
    }
    if (hint == "." || hint == "..") {
        throw TunError("\"" + std::string(hint) + "\" is not a valid interface name — choose another name");
    }
}

}  // namespace

struct TunDevice::Reader {
    PacketHandler on_packet;
    ErrorHandler on_error;
    BatchEndHandler on_batch_end;
    // Not zero-filled (no std::vector): a 1500-octet MTU only ever touches its first pages.
    std::unique_ptr<std::uint8_t[]> buffer{new std::uint8_t[max_packet_size]};
    // Cleared by stop_reading()/close(): completions still queued then return at once, without
    // touching the (possibly destroyed) device. The completion keeps this struct alive.
    bool active = true;
    bool paused = false;  // pause_reading(): take no packets until resume_reading()
    bool armed = false;   // a wait for readability is pending
};

TunDevice::TunDevice(asio::io_context& io, std::string_view name_hint, const std::string& clone_device)
    : stream_(io) {
    check_name_hint(name_hint);

    const int fd = ::open(clone_device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        std::string hint;
        if (err == ENOENT || err == ENODEV || err == ENXIO) {
            hint = "load the tun module (modprobe tun); in a container, create the node "
                   "(mknod /dev/net/tun c 10 200) or pass the device in";
        } else if (err == EACCES || err == EPERM) {
            hint = "run as root or give ec20ppp CAP_NET_ADMIN";
        } else {
            hint = "check that the TUN driver is available";
        }
        throw TunError("cannot open " + clone_device + ": " + errno_text(err) + " — " + hint);
    }
    ifreq ifr{};
    // IFF_NO_PI: no 4-byte packet-info header, so reads and writes are bare IP packets.
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::memcpy(ifr.ifr_name, name_hint.data(), name_hint.size());
    if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
        const int err = errno;
        const std::string n(name_hint);
        std::string hint;
        switch (err) {
            case EPERM:
            case EACCES:
                hint = "creating a network interface needs CAP_NET_ADMIN: run as root";
                break;
            case EBUSY:
                hint = "interface " + n + " is already attached to another process (a running "
                       "ec20ppp or pppd?): stop it or choose another interface name";
                break;
            case EINVAL:
                hint = "an interface named " + n + " probably exists and is not a TUN device "
                       "(or was created with other flags): remove it or choose another name";
                break;
            case ENFILE:
                hint = "no free interface number for the pattern " + n + ": remove unused interfaces";
                break;
            default:
                hint = "check the interface name and that the TUN driver works";
        }
        ::close(fd);
        throw TunError("cannot create TUN interface \"" + n + "\": " + errno_text(err) + " — " + hint);
    }
    // Only now hand the descriptor to Asio: registering it with epoll before TUNSETIFF finds a
    // detached TUN whose poll() returns EPOLLERR without joining the wait queue, and epoll then
    // never hears of arriving packets (seen: reads stalled after the first packet or at once).
    stream_.assign(fd);  // owns fd from here: every throw below closes it
    name_.assign(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));

    // TUNGETIFF reports IFF_PERSIST when we attached to an interface made by `ip tuntap add`.
    ifreq got{};
    if (::ioctl(fd, TUNGETIFF, &got) == 0) persistent_ = (got.ifr_flags & IFF_PERSIST) != 0;

    ifindex_ = ::if_nametoindex(name_.c_str());
    if (ifindex_ == 0) {
        const int err = errno;
        close();
        throw TunError("TUN interface " + name_ + " vanished right after creation: " + errno_text(err) +
                       " — is another program (udev rule, network manager) renaming or deleting it?");
    }
}

TunDevice::~TunDevice() { close(); }

int TunDevice::fd() const {
    // native_handle() is non-const in Asio; reading the descriptor number changes nothing.
    return stream_.is_open() ? const_cast<asio::posix::stream_descriptor&>(stream_).native_handle() : -1;
}

void TunDevice::async_read_packets(PacketHandler on_packet, ErrorHandler on_error, BatchEndHandler on_batch_end) {
    stop_reading();
    if (!stream_.is_open()) {
        throw TunError("cannot read from TUN interface " + name_ + ": the device is closed");
    }
    reader_ = std::make_shared<Reader>();
    reader_->on_packet = std::move(on_packet);
    reader_->on_error = std::move(on_error);
    reader_->on_batch_end = std::move(on_batch_end);
    arm();
}

void TunDevice::stop_reading() {
    if (!reader_) return;
    reader_->active = false;
    reader_.reset();
    std::error_code ignored;
    stream_.cancel(ignored);
}

void TunDevice::pause_reading() {
    if (reader_) reader_->paused = true;
}

bool TunDevice::reading_paused() const { return reader_ && reader_->paused; }

void TunDevice::resume_reading() {
    if (!reader_ || !reader_->paused) return;
    reader_->paused = false;
    if (reader_->armed) return;  // paused from outside the loop: the pending wait goes on
    // Packets may have queued while paused, and readiness was already reported for them: read
    // now (until EAGAIN, which arms the wait again) rather than wait for the next one.
    asio::post(stream_.get_executor(), [this, r = reader_] {
        if (r->active && !r->paused && !r->armed) on_readable({});
    });
}

void TunDevice::arm() {
    reader_->armed = true;
    stream_.async_wait(asio::posix::descriptor_base::wait_read,
                       [this, r = reader_](std::error_code ec) {
                           r->armed = false;
                           if (!r->active) return;
                           if (r->paused && !ec) return;  // resume_reading() reads on
                           on_readable(ec);
                       });
}

void TunDevice::on_readable(std::error_code ec) {
    // Hold our own reference: a handler may stop the loop or destroy the device, and the packet
    // being delivered lives in the reader's buffer.
    const std::shared_ptr<Reader> r = reader_;
    auto fail = [&](std::error_code error) {
        r->active = false;
        if (reader_ == r) reader_.reset();
        if (r->on_error) r->on_error(error);
    };
    if (ec) {
        if (ec != asio::error::operation_aborted) fail(ec);
        return;
    }
    // The batch's end, once its packets are handed over; false when the handler stopped the
    // loop (or destroyed the device), which must then not be touched.
    auto batch_end = [&] {
        if (r->on_batch_end) r->on_batch_end();
        return r->active;
    };
    int packets = 0;
    for (int i = 0; i < read_batch; ++i) {
        const ssize_t n = ::read(fd(), r->buffer.get(), max_packet_size);
        if (n > 0) {
            ++packets;
            ++stats_.packets_in;
            stats_.bytes_in += static_cast<std::uint64_t>(n);
            r->on_packet(ByteView(r->buffer.get(), static_cast<std::size_t>(n)));
            if (!r->active) return;  // stopped, replaced or destroyed by the handler
            if (r->paused) {
                batch_end();  // resume_reading() goes on from here
                return;
            }
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (packets > 0 && !batch_end()) return;
            arm();
            return;
        }
        // 0 would mean the TUN was detached under us; anything else is a real error (EBADFD,
        // EIO): either way the loop cannot go on.
        const std::error_code error = n == 0 ? std::make_error_code(std::errc::no_such_device)
                                             : std::error_code(errno, std::system_category());
        if (packets > 0 && !batch_end()) return;
        fail(error);
        return;
    }
    if (!batch_end() || r->paused) return;
    // Batch used up with packets still queued: continue after whatever else is runnable.
    asio::post(stream_.get_executor(), [this, r] {
        if (r->active && !r->paused) on_readable({});
    });
}

std::optional<std::size_t> TunDevice::try_read_packet(std::span<std::uint8_t> buffer) {
    if (!stream_.is_open()) {
        throw TunError("cannot read from TUN interface " + name_ + ": the device is closed");
    }
    for (;;) {
        const ssize_t n = ::read(fd(), buffer.data(), buffer.size());
        if (n >= 0) {
            ++stats_.packets_in;
            stats_.bytes_in += static_cast<std::uint64_t>(n);
            return static_cast<std::size_t>(n);
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return std::nullopt;
        const int err = errno;
        throw TunError("cannot read from TUN interface " + name_ + ": " + errno_text(err) +
                       " — the interface was probably deleted; restart the connection");
    }
}

bool TunDevice::write_packet(ByteView packet) {
    if (!stream_.is_open() || packet.empty()) {
        ++stats_.write_errors;
        last_write_error_ = stream_.is_open() ? EINVAL : EBADF;
        return false;
    }
    for (;;) {
        const ssize_t n = ::write(fd(), packet.data(), packet.size());
        if (n >= 0) {
            ++stats_.packets_out;
            stats_.bytes_out += packet.size();
            return true;
        }
        if (errno == EINTR) continue;
        last_write_error_ = errno;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
            ++stats_.writes_dropped;
        } else {
            ++stats_.write_errors;
        }
        return false;
    }
}

void TunDevice::close() noexcept {
    if (reader_) {
        reader_->active = false;
        reader_.reset();
    }
    if (!stream_.is_open()) return;
    std::error_code ignored;
    stream_.cancel(ignored);
    stream_.close(ignored);
}

}  // namespace ec20ppp
