// SerialPort on a real pty pair: the termios it sets, data both ways, and that close() puts the
// terminal settings back. No privileges needed.
#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <array>
#include <gtest/gtest.h>
#include <string>

#include "serial/serial_port.hpp"

namespace ec20ppp {
namespace {

// A pty pair; the test plays the modem on the master side.
struct Pty {
    int master = -1;
    int slave = -1;
    std::string slave_path;
    Pty() {
        char name[256] = {};
        if (::openpty(&master, &slave, name, nullptr, nullptr) != 0) throw std::runtime_error("openpty");
        slave_path = name;
    }
    ~Pty() {
        ::close(master);
        ::close(slave);
    }
};

TEST(serial_port, configures_raw_8n1_without_flow_control) {
    Pty pty;
    asio::io_context io;
    SerialPort port(io, pty.slave_path, 115200);
    EXPECT_EQ(port.path(), pty.slave_path);
    EXPECT_EQ(port.baud(), 115200u);
    ASSERT_GE(port.fd(), 0);

    termios t{};
    ASSERT_EQ(::tcgetattr(port.fd(), &t), 0);
    EXPECT_EQ(t.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
    EXPECT_EQ(t.c_cflag & (PARENB | CSTOPB | CRTSCTS), 0u);
    EXPECT_EQ(t.c_cflag & (CLOCAL | CREAD), static_cast<tcflag_t>(CLOCAL | CREAD));
    EXPECT_EQ(t.c_lflag & (ICANON | ECHO | ISIG | IEXTEN), 0u);
    EXPECT_EQ(t.c_iflag & (IXON | IXOFF | IXANY | ICRNL | ISTRIP), 0u);
    EXPECT_EQ(t.c_oflag & OPOST, 0u);
    EXPECT_EQ(::cfgetospeed(&t), static_cast<speed_t>(B115200));
    EXPECT_EQ(::cfgetispeed(&t), static_cast<speed_t>(B115200));
    EXPECT_EQ(t.c_cc[VMIN], 1);

    // Opened non-blocking, as Asio's reactor needs.
    EXPECT_NE(::fcntl(port.fd(), F_GETFL) & O_NONBLOCK, 0);
}

TEST(serial_port, accepts_the_ends_of_the_baud_whitelist) {
    Pty pty;
    asio::io_context io;
    for (unsigned baud : {9600u, 921600u, 4000000u}) {
        SerialPort port(io, pty.slave_path, baud);
        termios t{};
        ASSERT_EQ(::tcgetattr(port.fd(), &t), 0);
        EXPECT_EQ(::cfgetospeed(&t), baud == 9600u      ? static_cast<speed_t>(B9600)
                                     : baud == 921600u ? static_cast<speed_t>(B921600)
                                                       : static_cast<speed_t>(B4000000));
    }
    const auto& list = SerialPort::supported_bauds();
    EXPECT_EQ(list.front(), 9600u);
    EXPECT_EQ(list.back(), 4000000u);
}

TEST(serial_port, rejects_a_baud_outside_the_whitelist_with_the_list) {
    Pty pty;
    asio::io_context io;
    try {
        SerialPort port(io, pty.slave_path, 12345);
        FAIL() << "expected SerialError";
    } catch (const SerialError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("unsupported baud rate 12345"), std::string::npos) << msg;
        EXPECT_NE(msg.find("115200"), std::string::npos) << msg;
        EXPECT_NE(msg.find("4000000"), std::string::npos) << msg;
    }
}

TEST(serial_port, explains_a_missing_device) {
    asio::io_context io;
    try {
        SerialPort port(io, "/dev/ttyUSB-does-not-exist", 115200);
        FAIL() << "expected SerialError";
    } catch (const SerialError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("cannot open /dev/ttyUSB-does-not-exist: No such file or directory"),
                  std::string::npos)
            << msg;
        EXPECT_NE(msg.find("plugged in"), std::string::npos) << msg;
    }
}

TEST(serial_port, explains_a_path_that_is_not_a_tty) {
    asio::io_context io;
    try {
        SerialPort port(io, "/dev/null", 115200);
        FAIL() << "expected SerialError";
    } catch (const SerialError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("/dev/null"), std::string::npos) << msg;
        EXPECT_NE(msg.find("not a tty"), std::string::npos) << msg;
    }
}

TEST(serial_port, restores_the_original_termios_on_close) {
    Pty pty;
    termios before{};
    ASSERT_EQ(::tcgetattr(pty.slave, &before), 0);
    ASSERT_NE(before.c_lflag & ICANON, 0u) << "a fresh pty starts canonical";
    {
        asio::io_context io;
        SerialPort port(io, pty.slave_path, 460800);
        termios during{};
        ASSERT_EQ(::tcgetattr(pty.slave, &during), 0);
        EXPECT_EQ(during.c_lflag & ICANON, 0u);
    }
    termios after{};
    ASSERT_EQ(::tcgetattr(pty.slave, &after), 0);
    EXPECT_EQ(after.c_iflag, before.c_iflag);
    EXPECT_EQ(after.c_oflag, before.c_oflag);
    EXPECT_EQ(after.c_cflag, before.c_cflag);
    EXPECT_EQ(after.c_lflag, before.c_lflag);
    EXPECT_EQ(::cfgetospeed(&after), ::cfgetospeed(&before));
}

TEST(serial_port, close_is_idempotent) {
    Pty pty;
    asio::io_context io;
    SerialPort port(io, pty.slave_path);
    port.close();
    EXPECT_FALSE(port.is_open());
    EXPECT_EQ(port.fd(), -1);
    port.close();
}

TEST(serial_port, moves_bytes_both_ways_through_asio) {
    Pty pty;
    asio::io_context io;
    SerialPort port(io, pty.slave_path);

    // Raw mode: CR/LF and control bytes (PPP's 0x7e flag, 0x7d escape, ^S/^Q) pass untouched.
    const std::string to_modem = "AT\r\x7e\x7d\x13\x11\n";
    asio::write(port.stream(), asio::buffer(to_modem));
    std::string got(to_modem.size(), '\0');
    std::size_t have = 0;
    while (have < got.size()) {
        const ssize_t n = ::read(pty.master, got.data() + have, got.size() - have);
        ASSERT_GT(n, 0);
        have += static_cast<std::size_t>(n);
    }
    EXPECT_EQ(got, to_modem);

    const std::string from_modem = "\r\nOK\r\n\x7e\xff\x03";
    ASSERT_EQ(::write(pty.master, from_modem.data(), from_modem.size()),
              static_cast<ssize_t>(from_modem.size()));
    std::string received(from_modem.size(), '\0');
    std::error_code result = asio::error::would_block;
    asio::async_read(port.stream(), asio::buffer(received),
                     [&](std::error_code ec, std::size_t) { result = ec; });
    io.run_for(std::chrono::seconds(5));
    EXPECT_FALSE(result) << result.message();
    EXPECT_EQ(received, from_modem);
}

TEST(serial_port, flush_discards_pending_input) {
    Pty pty;
    asio::io_context io;
    SerialPort port(io, pty.slave_path);
    ASSERT_EQ(::write(pty.master, "stale echo", 10), 10);
    ::usleep(20000);  // let the pty line discipline move the bytes to the slave side
    port.flush();
    char buf[32];
    EXPECT_EQ(::read(port.fd(), buf, sizeof buf), -1);
    EXPECT_EQ(errno, EAGAIN);
}

TEST(serial_port, dtr_and_hangup_are_harmless_on_a_pty) {
    Pty pty;
    asio::io_context io;
    SerialPort port(io, pty.slave_path);
    EXPECT_NO_THROW(port.set_dtr(false));
    EXPECT_NO_THROW(port.set_dtr(true));
    EXPECT_NO_THROW(port.hangup(std::chrono::milliseconds(10)));

    bool done = false;
    std::error_code result = asio::error::would_block;
    port.async_hangup(std::chrono::milliseconds(10), [&](std::error_code ec) {
        done = true;
        result = ec;
    });
    io.run_for(std::chrono::seconds(2));
    EXPECT_TRUE(done);
    EXPECT_FALSE(result) << result.message();
}

TEST(serial_port, async_hangup_reports_abort_when_closed_first) {
    Pty pty;
    asio::io_context io;
    std::error_code result;
    bool done = false;
    {
        SerialPort port(io, pty.slave_path);
        port.async_hangup(std::chrono::seconds(10), [&](std::error_code ec) {
            done = true;
            result = ec;
        });
    }
    io.run_for(std::chrono::seconds(2));
    EXPECT_TRUE(done);
    EXPECT_EQ(result, asio::error::operation_aborted);
}

TEST(serial_port, set_dtr_on_a_closed_port_says_so) {
    Pty pty;
    asio::io_context io;
    SerialPort port(io, pty.slave_path);
    port.close();
    try {
        port.set_dtr(true);
        FAIL() << "expected SerialError";
    } catch (const SerialError& e) {
        EXPECT_NE(std::string(e.what()).find("closed"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace ec20ppp
