// Waiting for the modem's tty to come back after a reset or USB re-enumeration.
#include <gtest/gtest.h>

#include <thread>

#include "serial/device_watch.hpp"
#include "support/files.hpp"

using namespace ec20ppp;
using namespace std::chrono_literals;

TEST(serial_device_watch, ReturnsAtOnceWhenThePathExists) {
    testsupport::TempDir dir("ec20ppp-watch");
    testsupport::write_file(dir.path / "ttyUSB2", "");
    EXPECT_TRUE(wait_for_path(dir.path / "ttyUSB2", 0ms));
}

TEST(serial_device_watch, WakesWhenTheNodeAppears) {
    testsupport::TempDir dir("ec20ppp-watch");
    std::thread udev([&] {
        std::this_thread::sleep_for(100ms);
        testsupport::write_file(dir.path / "ttyUSB2", "");
    });
    EXPECT_TRUE(wait_for_path(dir.path / "ttyUSB2", 20s));
    udev.join();
}

TEST(serial_device_watch, FollowsASymlinkThatAppearsInAMissingDirectory) {
    // /dev/serial/by-id/... : the directory itself comes with the first USB serial device.
    testsupport::TempDir dir("ec20ppp-watch");
    std::thread udev([&] {
        std::this_thread::sleep_for(100ms);
        std::filesystem::create_directories(dir.path / "by-id");
        testsupport::write_file(dir.path / "ttyUSB3", "");
        std::filesystem::create_symlink(dir.path / "ttyUSB3", dir.path / "by-id" / "usb-Quectel-if03");
    });
    EXPECT_TRUE(wait_for_path(dir.path / "by-id" / "usb-Quectel-if03", 20s));
    udev.join();
}

TEST(serial_device_watch, GivesUpAfterTheTimeout) {
    testsupport::TempDir dir("ec20ppp-watch");
    EXPECT_FALSE(wait_for_path(dir.path / "ttyUSB9", 200ms));
}

TEST(serial_device_watch, StopsWhenAskedTo) {
    testsupport::TempDir dir("ec20ppp-watch");
    volatile bool stop = true;
    EXPECT_FALSE(wait_for_path(dir.path / "ttyUSB9", 60s, &stop));
}
