#include "app/pinger.hpp"

#include <unistd.h>

#include <asio/post.hpp>
#include <cstdio>

#include "common/bytes.hpp"

namespace ec20ppp::app {

namespace {

std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t len) {
    // RFC 1071: one's-complement sum of 16-bit words.
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < len; i += 2) sum += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
    if (len & 1) sum += static_cast<std::uint32_t>(data[len - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

constexpr std::size_t kPayload = 56;  // ping(8)'s default: 64 octets of ICMP

}  // namespace

Pinger::Pinger(asio::io_context& io, const Logger& log, Ipv4 target, unsigned count, std::function<void(unsigned)> done)
    : io_(io), log_(log), target_(target), count_(count), done_(std::move(done)), socket_(io), timer_(io),
      ident_(static_cast<std::uint16_t>(::getpid())) {}

void Pinger::start() {
    std::error_code ec;
    socket_.open(asio::ip::icmp::v4(), ec);
    if (ec) {
        log_.error("ping: cannot open an ICMP socket (" + ec.message() + "); --ping needs root");
        finish();
        return;
    }
    log_.notice("PING " + to_string(target_) + " through the link: " + std::to_string(count_) + " packets");
    receive();
    send_next();
}

void Pinger::stop() {
    finished_ = true;
    std::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
}

void Pinger::send_next() {
    if (finished_) return;
    if (sent_ >= count_) {
        // Wait a last second for the final reply.
        timer_.expires_after(std::chrono::seconds(1));
        timer_.async_wait([this](std::error_code ec) {
            if (!ec) finish();
        });
        return;
    }
    ++sent_;
    Bytes packet{8, 0, 0, 0};  // Echo Request, code 0, checksum placeholder
    append_be16(packet, ident_);
    append_be16(packet, sent_);
    for (std::size_t i = 0; i < kPayload; ++i) packet.push_back(static_cast<std::uint8_t>(i));
    store_be16(&packet[2], internet_checksum(packet.data(), packet.size()));
    outstanding_[sent_] = Clock::now();
    asio::ip::icmp::endpoint to(asio::ip::address_v4(target_.value), 0);
    std::error_code ec;
    socket_.send_to(asio::buffer(packet), to, 0, ec);
    if (ec) log_.warning("ping: send failed: " + ec.message());
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](std::error_code e) {
        if (!e) send_next();
    });
}

void Pinger::receive() {
    socket_.async_receive(asio::buffer(buffer_), [this](std::error_code ec, std::size_t n) {
        if (ec || finished_) return;
        on_reply(n);
        receive();
    });
}

void Pinger::on_reply(std::size_t n) {
    // A raw ICMP socket delivers the IPv4 header too.
    if (n < 20) return;
    std::size_t ihl = (buffer_[0] & 0x0f) * 4u;
    if (n < ihl + 8 || buffer_[ihl] != 0) return;  // Echo Reply only
    if (load_be16(&buffer_[ihl + 4]) != ident_) return;
    std::uint16_t seq = load_be16(&buffer_[ihl + 6]);
    auto it = outstanding_.find(seq);
    if (it == outstanding_.end()) return;
    auto rtt = std::chrono::duration<double, std::milli>(Clock::now() - it->second).count();
    outstanding_.erase(it);
    ++answered_;
    char text[160];
    std::snprintf(text, sizeof text, "%zu bytes from %s: icmp_seq=%u ttl=%u time=%.1f ms", n - ihl,
                  to_string(Ipv4{load_be32(&buffer_[12])}).c_str(), seq, buffer_[8], rtt);
    log_.notice(text);
    if (answered_ == count_) finish();
}

void Pinger::finish() {
    if (finished_) return;
    log_.notice("--- " + to_string(target_) + " ping statistics: " + std::to_string(sent_) + " transmitted, " +
                std::to_string(answered_) + " received");
    stop();
    auto done = std::move(done_);
    if (done) asio::post(io_, [done, n = answered_] { done(n); });
}

}  // namespace ec20ppp::app
