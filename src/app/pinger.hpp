// `--ping N`: after IP-up, N ICMP echo requests to the peer through the link, reported like
// ping(8), so a person sees data cross the link. Root only (a raw ICMP socket).
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/icmp.hpp>
#include <asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <string>

#include "app/logger.hpp"
#include "common/ip.hpp"
#include "common/time.hpp"

namespace ec20ppp::app {

class Pinger {
public:
    // `done(answered)` runs once after the last reply or timeout.
    Pinger(asio::io_context& io, const Logger& log, Ipv4 target, unsigned count, std::function<void(unsigned)> done);
    void start();
    void stop();

private:
    void send_next();
    void receive();
    void on_reply(std::size_t length);
    void finish();

    asio::io_context& io_;
    const Logger& log_;
    Ipv4 target_;
    unsigned count_;
    std::function<void(unsigned)> done_;
    asio::ip::icmp::socket socket_;
    asio::steady_timer timer_;
    std::array<std::uint8_t, 1500> buffer_{};
    std::uint16_t ident_;
    std::uint16_t sent_ = 0;
    unsigned answered_ = 0;
    std::map<std::uint16_t, TimePoint> outstanding_;
    bool finished_ = false;
};

}  // namespace ec20ppp::app
