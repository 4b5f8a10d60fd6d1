// UucpLock in a private lock directory: the HDB format, refusal while a live process (a forked
// child) holds the lock, takeover of dead-pid and garbage locks, and careful release.
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "support/files.hpp"
#include <sstream>
#include <string>
#include <vector>

#include "serial/uucp_lock.hpp"

namespace ec20ppp {
namespace {

namespace fs = std::filesystem;

using testsupport::read_file;
using testsupport::write_file;
struct TempDir : testsupport::TempDir {
    TempDir() : testsupport::TempDir("ec20ppp-lock") {}
};

std::string hdb(pid_t pid) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%10d\n", static_cast<int>(pid));
    return buf;
}

// A pid that certainly belonged to a process which has exited and been reaped.
pid_t dead_pid() {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    int status = 0;
    ::waitpid(child, &status, 0);
    return child;
}

struct Fixture : ::testing::Test {
    TempDir dir;
    std::vector<std::string> log;
    const std::string device = "/dev/ttyUSB-ec20ppp-test";
    UucpLock::Options options() {
        UucpLock::Options o;
        o.lock_dir = dir.path;
        o.log = [this](std::string_view line) { log.emplace_back(line); };
        return o;
    }
    fs::path lock_path() const { return dir.path / "LCK..ttyUSB-ec20ppp-test"; }
};

using serial_uucp_lock = Fixture;

TEST(serial_uucp_lock_name, follows_the_pppd_convention) {
    EXPECT_EQ(UucpLock::lock_name_for("/dev/ttyUSB-nonexistent2"), "LCK..ttyUSB-nonexistent2");
    EXPECT_EQ(UucpLock::lock_name_for("/dev/pts/no-such-pty"), "LCK..pts_no-such-pty");
    EXPECT_EQ(UucpLock::lock_name_for("/nowhere/ttyACM9"), "LCK..ttyACM9");
}

TEST_F(serial_uucp_lock, resolves_symlinks_so_every_name_shares_one_lock) {
    const fs::path link = dir.path / "by-id-link";
    fs::create_symlink("/dev/null", link);
    EXPECT_EQ(UucpLock::lock_name_for(link.string()), "LCK..null");
}

TEST_F(serial_uucp_lock, writes_the_pid_in_hdb_format) {
    UucpLock lock(device, options());
    EXPECT_TRUE(lock.held());
    EXPECT_EQ(lock.path(), lock_path());
    const std::string content = read_file(lock_path());
    EXPECT_EQ(content.size(), 11u);
    EXPECT_EQ(content, hdb(::getpid()));
    EXPECT_EQ(fs::status(lock_path()).permissions() & fs::perms::others_read, fs::perms::others_read);
    // The private temp file used for the atomic link() is gone.
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++entries;
    EXPECT_EQ(entries, 1u);
    EXPECT_TRUE(log.empty());
}

TEST_F(serial_uucp_lock, release_removes_the_file_and_is_idempotent) {
    {
        UucpLock lock(device, options());
        ASSERT_TRUE(fs::exists(lock_path()));
        lock.release();
        EXPECT_FALSE(lock.held());
        EXPECT_FALSE(fs::exists(lock_path()));
        lock.release();
    }
    {
        UucpLock lock(device, options());
    }
    EXPECT_FALSE(fs::exists(lock_path())) << "the destructor releases";
}

TEST_F(serial_uucp_lock, refuses_a_live_holder_naming_its_pid_and_comm) {
    int ready[2], go[2];
    ASSERT_EQ(::pipe(ready), 0);
    ASSERT_EQ(::pipe(go), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        int rc = 0;
        try {
            UucpLock lock(device, options());
            char c = 'r';
            if (::write(ready[1], &c, 1) != 1) rc = 2;
            if (::read(go[0], &c, 1) < 0) rc = 3;  // hold until the parent has tried
        } catch (...) {
            rc = 1;
        }
        ::_exit(rc);
    }
    char c = 0;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);

    try {
        UucpLock lock(device, options());
        ADD_FAILURE() << "expected PortInUseError";
    } catch (const PortInUseError& e) {
        EXPECT_EQ(e.holder_pid(), child);
        EXPECT_EQ(e.holder_comm(), "test_serial");
        const std::string expected = device + " is in use by pid " + std::to_string(child) +
                                     " (test_serial): stop it first";
        EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
    EXPECT_EQ(read_file(lock_path()), hdb(child)) << "the holder's lock is untouched";

    ASSERT_EQ(::write(go[1], "x", 1), 1);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_FALSE(fs::exists(lock_path())) << "the child released its lock on exit";
    for (int fd : {ready[0], ready[1], go[0], go[1]}) ::close(fd);

    // And now it is free for us.
    UucpLock lock(device, options());
    EXPECT_TRUE(lock.held());
}

TEST_F(serial_uucp_lock, refuses_a_second_lock_in_the_same_process) {
    UucpLock first(device, options());
    EXPECT_THROW(UucpLock second(device, options()), PortInUseError);
    EXPECT_TRUE(fs::exists(lock_path()));
}

TEST_F(serial_uucp_lock, takes_over_a_lock_of_a_dead_pid_with_a_log_line) {
    const pid_t dead = dead_pid();
    write_file(lock_path(), hdb(dead));
    UucpLock lock(device, options());
    EXPECT_TRUE(lock.held());
    EXPECT_EQ(read_file(lock_path()), hdb(::getpid()));
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("stale"), std::string::npos) << log[0];
    EXPECT_NE(log[0].find(std::to_string(dead)), std::string::npos) << log[0];
}

TEST_F(serial_uucp_lock, takes_over_garbage_and_empty_locks) {
    for (const std::string garbage : {"hello world\n", "", "-5\n", "0000000000\n", "12ab\n"}) {
        log.clear();
        write_file(lock_path(), garbage);
        UucpLock lock(device, options());
        EXPECT_TRUE(lock.held()) << garbage;
        EXPECT_EQ(read_file(lock_path()), hdb(::getpid()));
        ASSERT_EQ(log.size(), 1u) << garbage;
        EXPECT_NE(log[0].find("unreadable"), std::string::npos) << log[0];
    }
}

TEST_F(serial_uucp_lock, accepts_an_unpadded_live_pid_as_held) {
    // Some programs write "%d\n" without the padding; the pid still counts (pid 1 always lives).
    write_file(lock_path(), "1\n");
    EXPECT_THROW(UucpLock lock(device, options()), PortInUseError);
}

TEST_F(serial_uucp_lock, takes_over_our_own_pid_left_by_an_earlier_process) {
    // E.g. pid 1 in a container whose /var/lock survived a restart.
    write_file(lock_path(), hdb(::getpid()));
    UucpLock lock(device, options());
    EXPECT_TRUE(lock.held());
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("stale"), std::string::npos) << log[0];
    // ...but a lock this process really holds still refuses a second taker.
    EXPECT_THROW(UucpLock again(device, options()), PortInUseError);
}

TEST_F(serial_uucp_lock, release_leaves_a_lock_that_is_no_longer_ours) {
    UucpLock lock(device, options());
    // Someone judged us stale and took over (pid 1 is always alive).
    write_file(lock_path(), hdb(1));
    lock.release();
    EXPECT_EQ(read_file(lock_path()), hdb(1));
}

TEST_F(serial_uucp_lock, a_forked_child_does_not_release_the_parents_lock) {
    UucpLock lock(device, options());
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        lock.release();
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(fs::exists(lock_path()));
    EXPECT_EQ(read_file(lock_path()), hdb(::getpid()));
}

TEST_F(serial_uucp_lock, never_follows_a_symlink_planted_at_the_lock_name) {
    // /run/lock is world-writable: anyone can plant LCK..ttyUSB2 -> /etc/shadow.
    write_file(dir.path / "victim", "precious\n");
    fs::create_symlink(dir.path / "victim", lock_path());
    UucpLock lock(device, options());
    EXPECT_TRUE(lock.held());
    EXPECT_EQ(read_file(dir.path / "victim"), "precious\n");
    EXPECT_FALSE(fs::is_symlink(lock_path())) << "the lock is a file of its own";
    EXPECT_EQ(read_file(lock_path()), hdb(::getpid()));
    lock.release();
    EXPECT_EQ(read_file(dir.path / "victim"), "precious\n");
}

TEST_F(serial_uucp_lock, never_follows_a_symlink_planted_at_the_temporary_name) {
    // The temporary names are ".LTMP.<pid>.<counter>": plant symlinks at the first ones.
    write_file(dir.path / "victim", "precious\n");
    for (int i = 0; i < 60; ++i) {
        fs::create_symlink(dir.path / "victim",
                           dir.path / (".LTMP." + std::to_string(::getpid()) + "." + std::to_string(i)));
    }
    {
        UucpLock lock(device, options());
        EXPECT_TRUE(lock.held());
        EXPECT_EQ(read_file(lock_path()), hdb(::getpid()));
    }
    EXPECT_EQ(read_file(dir.path / "victim"), "precious\n");
    EXPECT_TRUE(fs::is_symlink(dir.path / (".LTMP." + std::to_string(::getpid()) + ".0"))) << "not removed or reused";
}

TEST_F(serial_uucp_lock, a_fifo_planted_at_the_lock_name_does_not_hang_the_dialer) {
    ASSERT_EQ(::mkfifo(lock_path().c_str(), 0644), 0);
    UucpLock lock(device, options());  // a blocking open() of the FIFO would never return
    EXPECT_TRUE(lock.held());
    EXPECT_EQ(read_file(lock_path()), hdb(::getpid()));
}

TEST_F(serial_uucp_lock, a_missing_lock_directory_is_a_plain_lock_error) {
    UucpLock::Options o = options();
    o.lock_dir = dir.path / "missing";
    try {
        UucpLock lock(device, o);
        FAIL() << "expected LockError";
    } catch (const PortInUseError&) {
        FAIL() << "not an in-use error";
    } catch (const LockError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
        EXPECT_NE(msg.find("mkdir -p"), std::string::npos) << msg;
    }
}

}  // namespace
}  // namespace ec20ppp
