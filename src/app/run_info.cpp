// `ec20ppp info`: what the modem says about itself, its SIM and the network, without dialing.
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.hpp"
#include "app/exit_codes.hpp"
#include "app/logger.hpp"
#include "chat/engine.hpp"
#include "serial/serial_port.hpp"
#include "serial/uucp_lock.hpp"

namespace ec20ppp::app {

namespace {

nlohmann::json to_json(const chat::ModemInfo& m) {
    nlohmann::json j;
    j["manufacturer"] = m.manufacturer;
    j["model"] = m.model;
    j["revision"] = m.revision;
    if (!m.subedition.empty()) j["subedition"] = m.subedition;
    j["sim"] = std::string(chat::to_string(m.sim));
    if (m.signal) {
        j["signal"]["rssi"] = m.signal->rssi;
        j["signal"]["ber"] = m.signal->ber;
        if (auto dbm = m.signal->dbm()) j["signal"]["dbm"] = *dbm;
        else j["signal"]["dbm"] = nullptr;
    }
    if (m.network) {
        j["operator"]["name"] = m.network->name;
        j["operator"]["mode"] = m.network->mode;
        if (m.network->act) j["operator"]["access_technology"] = chat::to_string(*m.network->act);
    }
    auto reg = [&](const char* key, const std::optional<chat::Registration>& r) {
        if (r) j["registration"][key] = chat::to_string(r->status);
    };
    reg("cs", m.creg);
    reg("ps", m.cgreg);
    reg("eps", m.cereg);
    j["registered"] = m.registered();
    return j;
}

}  // namespace

int run_info(const InfoOptions& o) {
    Logger log(o.debug ? LogLevel::debug : LogLevel::warning);
    asio::io_context io;
    std::optional<UucpLock> lock;
    std::unique_ptr<SerialPort> port;
    try {
        UucpLockOptions lock_options;
        lock_options.lock_dir = o.lock_dir;
        lock.emplace(o.device, lock_options);
    } catch (const std::exception& e) {
        log.error(e.what());
        return exit_lock_failed;
    }
    try {
        port = std::make_unique<SerialPort>(io, o.device, o.baud);
    } catch (const std::exception& e) {
        log.error(e.what());
        return exit_open_failed;
    }
    port->flush();
    chat::ChatEngine engine(chat::build_info_script());
    asio::steady_timer timer(io);
    std::array<std::uint8_t, 1024> buffer{};
    int code = exit_ok;

    std::function<void(chat::ChatOutputs&)> handle;
    std::function<void()> rearm;
    std::function<void()> read;
    handle = [&](chat::ChatOutputs& out) {
        for (auto& e : out) {
            if (auto* send = std::get_if<chat::SendText>(&e)) {
                std::error_code ec;
                asio::write(port->stream(), asio::buffer(send->text), ec);
            } else if (auto* line = std::get_if<chat::Log>(&e)) {
                log.debug(line->line);
            } else if (auto* aborted = std::get_if<chat::Aborted>(&e)) {
                log.error(aborted->message);
                code = exit_connect_failed;
            } else if (auto* t = std::get_if<chat::TimedOut>(&e)) {
                log.error(t->message);
                code = exit_connect_failed;
            }
        }
        if (engine.done()) io.stop();
    };
    rearm = [&] {
        auto next = engine.next_timeout();
        if (!next) return;
        timer.expires_at(*next);
        timer.async_wait([&](std::error_code ec) {
            if (ec) return;
            chat::ChatOutputs out;
            engine.on_timeout(Clock::now(), out);
            handle(out);
            rearm();
        });
    };
    read = [&] {
        port->stream().async_read_some(asio::buffer(buffer), [&](std::error_code ec, std::size_t n) {
            if (ec) {
                log.error(o.device + ": read failed (" + ec.message() + ")");
                code = exit_open_failed;
                io.stop();
                return;
            }
            chat::ChatOutputs out;
            engine.feed(ByteView(buffer.data(), n), Clock::now(), out);
            handle(out);
            rearm();
            read();
        });
    };
    chat::ChatOutputs out;
    engine.start(Clock::now(), out);
    handle(out);
    rearm();
    read();
    io.run();

    if (o.json) {
        auto j = to_json(engine.modem());
        j["ok"] = code == exit_ok;
        std::cout << j.dump(2) << "\n";
    } else {
        for (const auto& line : chat::describe(engine.modem())) std::cout << line << "\n";
    }
    return code;
}

}  // namespace ec20ppp::app
