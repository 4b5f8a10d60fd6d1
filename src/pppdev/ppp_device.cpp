#include "pppdev/ppp_device.hpp"

#include <fcntl.h>
#include <linux/ppp-ioctl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ec20ppp {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Opens /dev/ppp; -errno on failure.
int open_device(const std::string& device) {
    int fd = ::open(device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

std::string open_failure(const std::string& device, int err) { return device + ": " + errno_text(err); }

int open_or_throw(const std::string& device) {
    const int fd = open_device(device);
    if (fd >= 0) return fd;
    const int err = -fd;
    std::string hint = err == ENOENT || err == ENXIO || err == ENODEV
                           ? "; this kernel has no PPP support (CONFIG_PPP, ppp_generic): use --data-plane tun"
                       : err == EACCES || err == EPERM ? "; run as root" : "";
    throw PppDeviceError(open_failure(device, err) + hint);
}

// Asio takes the descriptor only if it can register it (epoll_ctl may fail with ENOMEM or
// ENOSPC); otherwise it is still ours to close — the unit's would keep pppN alive.
void assign_or_close(asio::posix::stream_descriptor& stream, int fd) {
    std::error_code ec;
    stream.assign(fd, ec);
    if (ec) {
        ::close(fd);
        throw PppDeviceError("cannot watch /dev/ppp: " + ec.message());
    }
}

void set_int(int fd, unsigned long request, int value, const char* what) {
    if (::ioctl(fd, request, &value) < 0) throw PppDeviceError(std::string(what) + " failed: " + errno_text(errno));
}

}  // namespace

std::optional<std::string> PppDevice::probe(const std::string& device) {
    const int fd = open_device(device);
    if (fd < 0) return open_failure(device, -fd);
    ::close(fd);
    return std::nullopt;
}

PppDevice::PppDevice(asio::io_context& io, int tty_fd, const std::string& ifname, const std::string& device)
    : channel_(io), unit_fd_(io), buffer_(65536), alive_(std::make_shared<bool>(true)) {
    // ppp_async takes the tty over: from here on the kernel frames and unframes. What the modem
    // sends before the switch was read by the caller (the chat's leftover).
    int disc = N_PPP;
    if (::ioctl(tty_fd, TIOCSETD, &disc) < 0) {
        const int err = errno;
        throw PppDeviceError("setting the PPP line discipline (N_PPP) failed: " + errno_text(err) +
                             (err == EINVAL ? "; load ppp_async (modprobe ppp_async) or use --data-plane tun" : ""));
    }
    tty_fd_ = tty_fd;
    try {
        int channel_index = -1;
        if (::ioctl(tty_fd, PPPIOCGCHAN, &channel_index) < 0)
            throw PppDeviceError("PPPIOCGCHAN (the tty's PPP channel) failed: " + errno_text(errno));
        // Each /dev/ppp descriptor goes to Asio (and so into epoll) only after the ioctl that
        // binds it: before PPPIOCATTCHAN/PPPIOCNEWUNIT ppp_generic's poll has no wait queue to
        // register, so an edge-triggered epoll added then would never report input.
        const int channel_fd = open_or_throw(device);
        try {
            set_int(channel_fd, PPPIOCATTCHAN, channel_index, "PPPIOCATTCHAN (attaching the channel)");
        } catch (...) {
            ::close(channel_fd);
            throw;
        }
        assign_or_close(channel_, channel_fd);
        const int unit_fd = open_or_throw(device);
        int unit = -1;  // -1: the kernel picks the first free pppN
        if (::ioctl(unit_fd, PPPIOCNEWUNIT, &unit) < 0) {
            const int err = errno;
            ::close(unit_fd);
            throw PppDeviceError("PPPIOCNEWUNIT (creating the ppp interface) failed: " + errno_text(err));
        }
        assign_or_close(unit_fd_, unit_fd);
        unit_ = unit;
        name_ = "ppp" + std::to_string(unit);
        set_int(channel_.native_handle(), PPPIOCCONNECT, unit, "PPPIOCCONNECT (connecting the channel to the unit)");
        if (ifname.find("%d") == std::string::npos && ifname != name_) {
            // The interface is still down, so the kernel lets it be renamed.
            int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            ifreq ifr{};
            std::strncpy(ifr.ifr_name, name_.c_str(), IFNAMSIZ - 1);
            std::strncpy(ifr.ifr_newname, ifname.c_str(), IFNAMSIZ - 1);
            const bool renamed = sock >= 0 && ::ioctl(sock, SIOCSIFNAME, &ifr) == 0;
            const int err = errno;
            if (sock >= 0) ::close(sock);
            if (!renamed) throw PppDeviceError("renaming " + name_ + " to " + ifname + " failed: " + errno_text(err));
            name_ = ifname;
        }
        ifindex_ = ::if_nametoindex(name_.c_str());
        if (ifindex_ == 0) throw PppDeviceError("no interface " + name_ + " after PPPIOCNEWUNIT: " + errno_text(errno));
    } catch (...) {
        close();
        throw;
    }
}

PppDevice::~PppDevice() { close(); }

void PppDevice::async_read_packets(PacketHandler on_packet, ErrorHandler on_error) {
    on_packet_ = std::move(on_packet);
    on_error_ = std::move(on_error);
    arm(channel_);
    arm(unit_fd_);
}

void PppDevice::arm(asio::posix::stream_descriptor& fd) {
    if (!fd.is_open()) return;
    fd.async_wait(asio::posix::stream_descriptor::wait_read, [this, &fd, alive = alive_](std::error_code ec) {
        if (!*alive) return;  // closed (or destroyed) meanwhile
        on_readable(fd, ec);
    });
}

void PppDevice::on_readable(asio::posix::stream_descriptor& fd, std::error_code ec) {
    if (ec) {
        if (ec != asio::error::operation_aborted) fail(ec);
        return;
    }
    auto alive = alive_;
    // A bounded batch per wake-up, so neither descriptor starves the other or the serial side.
    for (int i = 0; i < 64; ++i) {
        const ssize_t n = ::read(fd.native_handle(), buffer_.data(), buffer_.size());
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) break;
            fail(std::error_code(errno, std::system_category()));
            return;
        }
        if (n == 0) {
            // ppp_generic's end of file: the channel lost its tty (hang-up) or the unit its channel.
            fail(asio::error::eof);
            return;
        }
        if (n < 2) continue;
        ++stats_.packets_in;
        const auto protocol = static_cast<std::uint16_t>((buffer_[0] << 8) | buffer_[1]);
        if (on_packet_) on_packet_(protocol, ByteView(buffer_.data() + 2, static_cast<std::size_t>(n) - 2));
        if (!*alive) return;  // the handler closed or destroyed us
    }
    arm(fd);
}

void PppDevice::fail(std::error_code ec) {
    auto handler = std::move(on_error_);
    on_error_ = nullptr;
    if (handler) handler(ec);
}

bool PppDevice::send(std::uint16_t protocol, ByteView info) {
    // As pppd does: link-level protocols (LCP, PAP, CHAP, >= 0xc000) go straight to the channel,
    // network control protocols through the unit, which owns the network phase.
    asio::posix::stream_descriptor& fd = protocol >= 0xc000 ? channel_ : unit_fd_;
    if (!fd.is_open()) return false;
    Bytes packet;
    packet.reserve(info.size() + 2);
    append_be16(packet, protocol);
    packet.insert(packet.end(), info.begin(), info.end());
    const ssize_t n = ::write(fd.native_handle(), packet.data(), packet.size());
    if (n != static_cast<ssize_t>(packet.size())) {
        stats_.last_write_error = n < 0 ? errno : EIO;
        ++stats_.writes_dropped;
        return false;
    }
    ++stats_.packets_out;
    return true;
}

void PppDevice::set_tx_config(std::uint32_t accm, bool pfc, bool acfc) {
    const int fd = channel_.native_handle();
    set_int(fd, PPPIOCSASYNCMAP, static_cast<int>(accm), "PPPIOCSASYNCMAP");
    int flags = 0;
    if (::ioctl(fd, PPPIOCGFLAGS, &flags) < 0) throw PppDeviceError("PPPIOCGFLAGS failed: " + errno_text(errno));
    flags &= ~(SC_COMP_PROT | SC_COMP_AC);
    if (pfc) flags |= SC_COMP_PROT;
    if (acfc) flags |= SC_COMP_AC;
    set_int(fd, PPPIOCSFLAGS, flags, "PPPIOCSFLAGS");
}

void PppDevice::set_rx_config(std::uint32_t accm, std::uint16_t mru) {
    set_int(channel_.native_handle(), PPPIOCSRASYNCMAP, static_cast<int>(accm), "PPPIOCSRASYNCMAP");
    // ppp_async sizes its receive buffers from the channel's MRU; the unit's bounds what it
    // passes up (both keep accepting at least 1500, RFC 1661 §6.1).
    set_int(channel_.native_handle(), PPPIOCSMRU, mru, "PPPIOCSMRU (channel)");
    set_int(unit_fd_.native_handle(), PPPIOCSMRU, mru, "PPPIOCSMRU (unit)");
}

void PppDevice::close() noexcept {
    *alive_ = false;
    alive_ = std::make_shared<bool>(false);
    std::error_code ignored;
    // Closing the channel disconnects it; closing the unit's owning descriptor unregisters the
    // interface. Then the tty is an ordinary tty again, for +++/ATH or the DTR drop.
    if (channel_.is_open()) channel_.close(ignored);
    if (unit_fd_.is_open()) unit_fd_.close(ignored);
    if (tty_fd_ >= 0) {
        int disc = N_TTY;
        ::ioctl(tty_fd_, TIOCSETD, &disc);
        tty_fd_ = -1;
    }
}

}  // namespace ec20ppp
