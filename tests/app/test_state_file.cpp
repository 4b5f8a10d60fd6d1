// The undo records in the state directory (issue 6, item 5: SIGKILL leaves nothing the next start
// cannot clean): atomic private writes, a directory others cannot tamper with, and recovery that
// reverts only records of dead dialers in this network namespace.
#include "app/state_file.hpp"
#include "app/status.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "support/files.hpp"

namespace ec20ppp::app {
namespace {

namespace fs = std::filesystem;
using testsupport::read_file;
using testsupport::TempDir;
using testsupport::write_file;

mode_t mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
}

// A pid that certainly ran and is certainly gone: a child that exited and was reaped.
pid_t dead_pid() {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return pid;
}

struct Logged {
    std::vector<std::pair<LogLevel, std::string>> lines;
    StateLog fn() {
        return [this](LogLevel level, std::string_view line) { lines.emplace_back(level, std::string(line)); };
    }
    bool has(std::string_view fragment) const {
        for (const auto& [level, line] : lines)
            if (line.find(fragment) != std::string::npos) return true;
        return false;
    }
    std::string all() const {
        std::string s;
        for (const auto& [level, line] : lines) s += line + "\n";
        return s;
    }
};

class app_state_file : public ::testing::Test {
protected:
    TempDir tmp{"ec20ppp-state"};
    fs::path dir = tmp.path / "state";
    fs::path resolv = tmp.path / "resolv.conf";
    const std::string before = "nameserver 192.0.2.53\n";
    const std::string ours = "# Written by ec20ppp\nnameserver 221.6.4.66\n";

    // A record as a dialer would have left it: resolv.conf rewritten by us (the file holds `ours`).
    UndoRecord record_with_resolv(pid_t pid, std::optional<NetnsIdentity> netns) {
        write_file(resolv, ours);
        UndoRecord r;
        r.pid = pid;
        r.netns = netns;
        ResolvConfBackup b;
        b.path = resolv;
        b.before = ResolvConfBackup::Before::file;
        b.content = before;
        b.mode = 0644;
        b.uid = ::geteuid();
        b.gid = ::getegid();
        b.ours = ours;
        r.resolv_conf = b;
        return r;
    }
};

TEST(app_state_file_name, is_the_lock_name_of_the_port) {
    EXPECT_EQ(undo_file_name("/dev/ttyUSB2"), "ttyUSB2.undo");
    EXPECT_EQ(undo_file_name("/dev/pts/3"), "pts_3.undo");
}

TEST_F(app_state_file, creates_the_directory_private_whatever_the_umask) {
    const mode_t old = ::umask(0);
    StateDir d(dir);
    ::umask(old);
    EXPECT_EQ(mode_of(dir), 0700u);
    EXPECT_EQ(d.path(), dir);
}

TEST_F(app_state_file, accepts_an_existing_directory_readable_by_others) {
    fs::create_directory(dir);
    ::chmod(dir.c_str(), 0755);  // the status JSON of issue 9 is meant to be read
    EXPECT_NO_THROW(StateDir{dir});
}

TEST_F(app_state_file, refuses_a_symlinked_directory) {
    fs::create_directory(tmp.path / "elsewhere");
    fs::create_directory_symlink(tmp.path / "elsewhere", dir);
    try {
        StateDir d(dir);
        FAIL() << "a symlinked state directory was accepted";
    } catch (const StateDirError& e) {
        EXPECT_TRUE(e.unsafe());
        EXPECT_NE(std::string(e.what()).find("is a symlink"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("--state-dir"), std::string::npos) << "says what to do: " << e.what();
    }
}

TEST_F(app_state_file, refuses_a_directory_others_can_write) {
    fs::create_directory(dir);
    ::chmod(dir.c_str(), 0777);
    try {
        StateDir d(dir);
        FAIL() << "a world-writable state directory was accepted";
    } catch (const StateDirError& e) {
        EXPECT_TRUE(e.unsafe());
        EXPECT_NE(std::string(e.what()).find("writable by group or others (mode 0777)"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("chmod 700"), std::string::npos) << e.what();
    }
}

TEST_F(app_state_file, refuses_a_directory_of_another_owner) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the directory away";
    fs::create_directory(dir);
    ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
    try {
        StateDir d(dir);
        FAIL() << "a state directory of uid 65534 was accepted";
    } catch (const StateDirError& e) {
        EXPECT_TRUE(e.unsafe());
        EXPECT_NE(std::string(e.what()).find("belongs to uid 65534"), std::string::npos) << e.what();
    }
}

TEST_F(app_state_file, a_user_may_not_use_roots_private_directory_but_is_not_refused_for_it) {
    // /run/ec20ppp made by a root dialer, then `ec20ppp dial --device sim` as a user: a plain
    // error (nothing of the user's can be in there), not the refusal that ends the dial.
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to make root's directory and become a user";
    ::chmod(tmp.path.c_str(), 0755);  // the user can reach it and see whose it is
    fs::create_directory(dir);
    ::chmod(dir.c_str(), 0700);
    const pid_t child = ::fork();
    if (child == 0) {
        if (::setresuid(65534, 65534, 65534) != 0) ::_exit(3);
        try {
            StateDir d(dir);
        } catch (const StateDirError& e) {
            ::_exit(e.unsafe() ? 1 : 0);
        }
        ::_exit(2);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: refused as unsafe, 2: opened, 3: setresuid failed";
}

TEST_F(app_state_file, a_missing_parent_is_a_plain_error_naming_the_fix) {
    try {
        StateDir d(tmp.path / "no" / "such");
        FAIL();
    } catch (const StateDirError& e) {
        EXPECT_FALSE(e.unsafe());
        EXPECT_NE(std::string(e.what()).find("parent directory does not exist"), std::string::npos) << e.what();
    }
}

TEST_F(app_state_file, writes_private_files_and_leaves_no_temporary_behind) {
    ::umask(0);
    StateDir d(dir);
    d.write("ttyUSB2.undo", "one\n");
    d.write("ttyUSB2.undo", "two\n");
    ::umask(022);
    EXPECT_EQ(read_file(dir / "ttyUSB2.undo"), "two\n");
    EXPECT_EQ(mode_of(dir / "ttyUSB2.undo"), 0600u);
    EXPECT_EQ(d.entries(), std::vector<std::string>{"ttyUSB2.undo"});
    EXPECT_TRUE(d.remove("ttyUSB2.undo"));
    EXPECT_TRUE(d.remove("ttyUSB2.undo")) << "absent counts as removed";
    EXPECT_TRUE(d.entries().empty());
}

TEST_F(app_state_file, readers_see_the_old_or_the_new_record_never_a_part) {
    StateDir d(dir);
    const std::string a(20000, 'a'), b(30000, 'b');
    d.write("x.undo", a);
    std::atomic<bool> stop{false};
    std::atomic<int> torn{0}, reads{0};
    std::thread reader([&] {
        while (!stop) {
            const std::string s = read_file(dir / "x.undo");
            if (s != a && s != b) ++torn;
            ++reads;
        }
    });
    for (int i = 0; i < 100; ++i) d.write("x.undo", i % 2 ? a : b);
    stop = true;
    reader.join();
    EXPECT_EQ(torn, 0) << "of " << reads << " reads";
    EXPECT_GT(reads, 0);
}

TEST_F(app_state_file, never_follows_a_symlink_planted_at_a_temporary_name) {
    StateDir d(dir);
    write_file(tmp.path / "victim", "precious\n");
    // The temporary names are ".<name>.tmp-<pid>-<counter>": plant symlinks at the first ones.
    for (int i = 0; i < 50; ++i) {
        fs::create_symlink(tmp.path / "victim", dir / (".x.undo.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(i)));
    }
    d.write("x.undo", "record\n");
    d.write("x.undo", "record 2\n");
    EXPECT_EQ(read_file(tmp.path / "victim"), "precious\n");
    EXPECT_EQ(read_file(dir / "x.undo"), "record 2\n");
    EXPECT_TRUE(fs::is_symlink(dir / (".x.undo.tmp-" + std::to_string(::getpid()) + "-0"))) << "not reused either";
}

TEST_F(app_state_file, replaces_a_symlink_planted_at_the_record_name_instead_of_following_it) {
    StateDir d(dir);
    write_file(tmp.path / "victim", "precious\n");
    fs::create_symlink(tmp.path / "victim", dir / "x.undo");
    d.write("x.undo", "record\n");
    EXPECT_EQ(read_file(tmp.path / "victim"), "precious\n");
    EXPECT_FALSE(fs::is_symlink(dir / "x.undo"));
    EXPECT_EQ(read_file(dir / "x.undo"), "record\n");
}

TEST_F(app_state_file, save_stamps_pid_and_namespace_and_an_empty_record_removes_the_file) {
    StateDir d(dir);
    UndoStateFile file(d, "ttyUSB2.undo");
    UndoRecord r = record_with_resolv(1, std::nullopt);
    file.save(r);
    const UndoRecord back = UndoRecord::parse(read_file(dir / "ttyUSB2.undo"));
    EXPECT_EQ(back.pid, ::getpid());
    ASSERT_TRUE(back.pid_start);
    EXPECT_EQ(*back.pid_start, process_start_time(::getpid()));
    ASSERT_TRUE(back.netns);
    EXPECT_EQ(back.netns, current_netns());
    ASSERT_TRUE(back.resolv_conf);
    EXPECT_EQ(*back.resolv_conf, *r.resolv_conf);
    file.save(UndoRecord{});
    EXPECT_FALSE(fs::exists(dir / "ttyUSB2.undo"));
}

TEST_F(app_state_file, reverts_and_removes_the_record_of_a_dead_dialer) {
    StateDir d(dir);
    d.write("ttyUSB2.undo", record_with_resolv(dead_pid(), current_netns()).serialize());
    Logged log;
    const RecoveryResult r = recover_stale_records(d, nullptr, log.fn());
    EXPECT_EQ(r.reverted, 1u) << log.all();
    EXPECT_EQ(read_file(resolv), before);
    EXPECT_FALSE(fs::exists(dir / "ttyUSB2.undo"));
    EXPECT_TRUE(log.has("ended without cleaning up")) << log.all();
    EXPECT_TRUE(log.has("reverted: restored " + resolv.string())) << log.all();
}

TEST_F(app_state_file, a_record_with_our_own_pid_is_from_an_earlier_process) {
    StateDir d(dir);
    d.write("ttyUSB2.undo", record_with_resolv(::getpid(), current_netns()).serialize());
    Logged log;
    EXPECT_EQ(recover_stale_records(d, nullptr, log.fn()).reverted, 1u) << log.all();
    EXPECT_EQ(read_file(resolv), before);
}

TEST_F(app_state_file, leaves_the_record_of_a_running_dialer_alone) {
    StateDir d(dir);
    const pid_t child = ::fork();
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    d.write("ttyUSB2.undo", record_with_resolv(child, current_netns()).serialize());
    Logged log;
    const RecoveryResult r = recover_stale_records(d, nullptr, log.fn());
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    EXPECT_EQ(r.left_alone, 1u) << log.all();
    EXPECT_EQ(r.reverted, 0u);
    EXPECT_EQ(read_file(resolv), ours) << "a running dialer's resolv.conf was restored under it";
    EXPECT_TRUE(fs::exists(dir / "ttyUSB2.undo"));
}

TEST_F(app_state_file, a_running_pid_that_started_after_the_record_was_reused) {
    // A dialer SIGKILLed long ago; the kernel has since given its pid to another process (here
    // a live child of ours, whose real start time differs from the one in the record). Judged by
    // the pid alone the record would be left alone until that process ends, and the dead
    // dialer's routes and DNS with it.
    StateDir d(dir);
    const pid_t child = ::fork();
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    UndoRecord record = record_with_resolv(child, current_netns());
    const std::uint64_t real_start = process_start_time(child);
    ASSERT_GT(real_start, 0u);
    record.pid_start = real_start - 1;  // the dialer that wrote it started earlier
    d.write("ttyUSB2.undo", record.serialize());
    Logged log;
    RecoveryResult r = recover_stale_records(d, nullptr, log.fn());
    EXPECT_EQ(r.reverted, 1u) << log.all();
    EXPECT_EQ(read_file(resolv), before);

    // The same pid with its own start time: the writer, still running; left alone.
    record = record_with_resolv(child, current_netns());
    record.pid_start = real_start;
    d.write("ttyUSB2.undo", record.serialize());
    Logged again;
    r = recover_stale_records(d, nullptr, again.fn());
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    EXPECT_EQ(r.left_alone, 1u) << again.all();
    EXPECT_EQ(read_file(resolv), ours);
}

TEST_F(app_state_file, leaves_a_record_of_another_live_network_namespace_alone) {
    // A real second namespace: a child in its own user + network namespace (no root needed).
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t child = ::fork();
    if (child == 0) {
        const char ok = ::unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 || ::unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
        (void)!::write(ready[1], &ok, 1);
        ::pause();
        ::_exit(0);
    }
    char ok = 'n';
    (void)!::read(ready[0], &ok, 1);
    ::close(ready[0]);
    ::close(ready[1]);
    struct stat st {};
    const bool have_ns = ok == 'y' && ::stat(("/proc/" + std::to_string(child) + "/ns/net").c_str(), &st) == 0;
    if (!have_ns) {
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        GTEST_SKIP() << "cannot create a network namespace here";
    }
    const NetnsIdentity other{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
    ASSERT_NE(other, current_netns());
    StateDir d(dir);
    UndoRecord rec = record_with_resolv(dead_pid(), other);
    rec.steps.push_back(undo::DeleteRoute{Route::via_interface(AF_INET, 7)});
    d.write("pts_1.undo", rec.serialize());

    Logged log;
    RecoveryResult r = recover_stale_records(d, nullptr, log.fn());
    EXPECT_EQ(r.left_alone, 1u) << log.all();
    EXPECT_EQ(read_file(resolv), ours);
    EXPECT_TRUE(fs::exists(dir / "pts_1.undo"));
    EXPECT_TRUE(log.has("from another network namespace")) << log.all();

    // Once that namespace is gone, its routes went with it: only resolv.conf is put back (the
    // route step is not even tried - without a netlink socket it would count as a failure).
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    Logged after;
    r = recover_stale_records(d, nullptr, after.fn());
    EXPECT_EQ(r.reverted, 1u) << after.all();
    EXPECT_EQ(read_file(resolv), before);
    EXPECT_FALSE(fs::exists(dir / "pts_1.undo"));
    EXPECT_TRUE(after.has("is gone, and its routes and addresses with it")) << after.all();
}

TEST_F(app_state_file, keeps_records_it_cannot_revert_or_read_and_says_why) {
    StateDir d(dir);
    UndoRecord rec = record_with_resolv(dead_pid(), current_netns());
    rec.steps.push_back(undo::DeleteRoute{Route::via_interface(AF_INET, 7)});
    d.write("a.undo", rec.serialize());          // a route step, but no netlink to revert it with
    d.write("b.undo", "format=ec20ppp-undo/1\ncolour=blue\n");  // damaged
    write_file(tmp.path / "victim", "format=ec20ppp-undo/1\npid=1\n");
    fs::create_symlink(tmp.path / "victim", dir / "c.undo");   // planted
    ASSERT_EQ(::mkfifo((dir / "d.undo").c_str(), 0600), 0);   // would block a plain open()
    Logged log;
    const RecoveryResult r = recover_stale_records(d, nullptr, log.fn());
    EXPECT_EQ(r.kept, 4u) << log.all();
    EXPECT_EQ(r.reverted, 0u);
    for (const char* n : {"a.undo", "b.undo", "c.undo", "d.undo"}) EXPECT_TRUE(fs::exists(fs::symlink_status(dir / n))) << n;
    EXPECT_TRUE(log.has("could not delete route")) << log.all();
    EXPECT_TRUE(log.has("kept " + (dir / "a.undo").string())) << log.all();
    EXPECT_TRUE(log.has("unknown key \"colour\"")) << log.all();
    EXPECT_TRUE(log.has("c.undo is a symlink")) << log.all();
    EXPECT_TRUE(log.has("d.undo is not a record ec20ppp wrote")) << log.all();
    EXPECT_EQ(read_file(resolv), before) << "resolv.conf of the record is still put back";
}

TEST_F(app_state_file, removes_half_written_records_of_dead_writers_only) {
    StateDir d(dir);
    const std::string dead = ".ttyUSB2.undo.tmp-" + std::to_string(dead_pid()) + "-0";
    const std::string live = ".ttyUSB2.undo.tmp-" + std::to_string(::getppid()) + "-0";
    write_file(dir / dead, "format=ec20");
    write_file(dir / live, "format=ec20");
    Logged log;
    recover_stale_records(d, nullptr, log.fn());
    EXPECT_FALSE(fs::exists(dir / dead));
    EXPECT_TRUE(fs::exists(dir / live));
}

}  // namespace
}  // namespace ec20ppp::app
