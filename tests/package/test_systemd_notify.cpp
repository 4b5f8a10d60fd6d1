// src/app/systemd_notify: the datagram a Type=notify service manager waits for (sd_notify(3)).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "app/systemd_notify.hpp"

using namespace ec20ppp::app;

namespace {

// A unix datagram socket standing in for systemd's notification socket.
struct FakeManager {
    int fd = -1;
    std::string path;  // what NOTIFY_SOCKET says: a file path or "@abstract"

    explicit FakeManager(bool abstract) {
        fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::string name = "ec20ppp-notify-test-" + std::to_string(::getpid());
        socklen_t len;
        if (abstract) {
            path = "@" + name;
            std::memcpy(addr.sun_path + 1, name.data(), name.size());
            len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
        } else {
            path = (std::filesystem::temp_directory_path() / name).string();
            std::filesystem::remove(path);
            std::memcpy(addr.sun_path, path.data(), path.size());
            len = static_cast<socklen_t>(sizeof addr);
        }
        if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) throw std::system_error(errno, std::generic_category(), "bind");
    }
    ~FakeManager() {
        ::close(fd);
        if (!path.empty() && path[0] == '/') std::filesystem::remove(path);
    }
    std::string receive() const {
        char buf[512];
        ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        return n < 0 ? std::string("<nothing>") : std::string(buf, static_cast<std::size_t>(n));
    }
};

struct NotifySocketEnv {
    explicit NotifySocketEnv(const std::string& value) { ::setenv("NOTIFY_SOCKET", value.c_str(), 1); }
    ~NotifySocketEnv() { ::unsetenv("NOTIFY_SOCKET"); }
};

}  // namespace

TEST(SdNotify, PathSocketGetsTheStateAsOneDatagram) {
    FakeManager manager(false);
    EXPECT_TRUE(notify_socket(manager.path, "READY=1\nSTATUS=online"));
    EXPECT_EQ(manager.receive(), "READY=1\nSTATUS=online");
}

TEST(SdNotify, AbstractSocketNamedWithAnAt) {
    FakeManager manager(true);
    EXPECT_TRUE(notify_socket(manager.path, "READY=1"));
    EXPECT_EQ(manager.receive(), "READY=1");
}

TEST(SdNotify, ThroughTheEnvironmentAsSystemdSetsIt) {
    // With libsystemd this goes through sd_notify, without it through notify_socket: same result.
    FakeManager manager(false);
    NotifySocketEnv env(manager.path);
    EXPECT_TRUE(notify_service_manager("READY=1"));
    EXPECT_EQ(manager.receive(), "READY=1");
    EXPECT_EQ(tell_service_manager("STATUS=x"), "");
    EXPECT_EQ(manager.receive(), "STATUS=x");
}

TEST(SdNotify, NoServiceManagerIsNotAnError) {
    ::unsetenv("NOTIFY_SOCKET");
    EXPECT_FALSE(notify_service_manager("READY=1"));
    EXPECT_EQ(tell_service_manager("READY=1"), "");
    EXPECT_FALSE(notify_socket("", "READY=1"));
}

TEST(SdNotify, BadSocketsAreReportedNotIgnored) {
    EXPECT_THROW(notify_socket("relative/path", "READY=1"), std::system_error);
    EXPECT_THROW(notify_socket("/nonexistent/ec20ppp/notify", "READY=1"), std::system_error);
    NotifySocketEnv env("/nonexistent/ec20ppp/notify");
    std::string error = tell_service_manager("READY=1");
    EXPECT_NE(error.find("NOTIFY_SOCKET"), std::string::npos) << error;
}
