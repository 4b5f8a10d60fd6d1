// ResolvConf in a private directory: atomic replace, and restore of a previous regular file, of
// no file at all, and of a symlink (the systemd-resolved setup). No privileges needed.
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "support/files.hpp"
#include <sstream>

#include "netconf/resolv_conf.hpp"

namespace ec20ppp {
namespace {

namespace fs = std::filesystem;

using testsupport::read_file;
using testsupport::write_file;
using testsupport::TempDir;

std::size_t entries(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
    return n;
}

const std::vector<IpAddress> servers = {IpAddress::v4(10, 11, 12, 13), *IpAddress::parse("2001:db8::53")};

struct netconf_resolv_conf : ::testing::Test {
    TempDir dir;
    fs::path file = dir.path / "resolv.conf";
    std::vector<std::string> log;
    ResolvConf::Log sink() {
        return [this](std::string_view line) { log.emplace_back(line); };
    }
};

TEST_F(netconf_resolv_conf, formats_nameserver_lines) {
    const std::string text = ResolvConf::format(servers);
    EXPECT_EQ(text.substr(0, 1), "#");
    EXPECT_NE(text.find("\nnameserver 10.11.12.13\nnameserver 2001:db8::53\n"), std::string::npos) << text;
}

TEST_F(netconf_resolv_conf, replaces_and_restores_a_regular_file_with_its_mode) {
    write_file(file, "nameserver 192.0.2.1\n");
    ::chmod(file.c_str(), 0640);
    {
        ResolvConf rc(file, sink());
        rc.write(servers);
        EXPECT_EQ(read_file(file), ResolvConf::format(servers));
        EXPECT_EQ(fs::status(file).permissions(), fs::perms(0640)) << "the previous file's mode is kept";
        EXPECT_EQ(entries(dir.path), 1u) << "no temporary file left behind";
        ASSERT_TRUE(rc.backup());
        EXPECT_EQ(rc.backup()->before, ResolvConfBackup::Before::file);
        EXPECT_EQ(rc.backup()->content, "nameserver 192.0.2.1\n");

        EXPECT_EQ(rc.restore(), ResolvConf::RestoreResult::restored);
        EXPECT_EQ(read_file(file), "nameserver 192.0.2.1\n");
        EXPECT_EQ(fs::status(file).permissions(), fs::perms(0640));
        EXPECT_EQ(rc.restore(), ResolvConf::RestoreResult::nothing_to_do) << "idempotent";
        EXPECT_FALSE(rc.backup());
    }
    EXPECT_EQ(read_file(file), "nameserver 192.0.2.1\n");
    EXPECT_TRUE(log.empty());
}

TEST_F(netconf_resolv_conf, new_files_are_world_readable) {
    const mode_t old_umask = ::umask(077);
    ResolvConf rc(file, sink());
    rc.write(servers);
    ::umask(old_umask);
    EXPECT_EQ(fs::status(file).permissions(), fs::perms(0644));
}

TEST_F(netconf_resolv_conf, removes_the_file_if_there_was_none) {
    {
        ResolvConf rc(file, sink());
        rc.write(servers);
        EXPECT_TRUE(fs::is_regular_file(file));
        EXPECT_EQ(rc.backup()->before, ResolvConfBackup::Before::absent);
    }  // the destructor restores
    EXPECT_FALSE(fs::exists(fs::symlink_status(file)));
    EXPECT_EQ(entries(dir.path), 0u);
}

TEST_F(netconf_resolv_conf, puts_a_symlink_back_without_touching_its_target) {
    fs::create_directories(dir.path / "run/systemd/resolve");
    const fs::path stub = dir.path / "run/systemd/resolve/stub-resolv.conf";
    write_file(stub, "nameserver 127.0.0.53\n");
    fs::create_symlink("run/systemd/resolve/stub-resolv.conf", file);  // relative, as on Debian

    ResolvConf rc(file, sink());
    rc.write(servers);
    EXPECT_FALSE(fs::is_symlink(file)) << "our file replaces the link itself";
    EXPECT_EQ(read_file(file), ResolvConf::format(servers));
    EXPECT_EQ(read_file(stub), "nameserver 127.0.0.53\n") << "the link's target is never written";
    EXPECT_EQ(rc.backup()->before, ResolvConfBackup::Before::symlink);

    EXPECT_EQ(rc.restore(), ResolvConf::RestoreResult::restored);
    ASSERT_TRUE(fs::is_symlink(file));
    EXPECT_EQ(fs::read_symlink(file), "run/systemd/resolve/stub-resolv.conf") << "the same relative text";
    EXPECT_EQ(read_file(file), "nameserver 127.0.0.53\n");
    EXPECT_EQ(entries(dir.path), 2u) << "only resolv.conf and run/ — no temporaries";
}

TEST_F(netconf_resolv_conf, never_follows_symlinks_planted_at_its_temporary_names) {
    // Restoring a symlink creates ".resolv.conf.ec20ppp-<pid>-<counter>" first: plant links there.
    write_file(dir.path / "victim", "precious\n");
    for (int i = 0; i < 60; ++i) {
        fs::create_symlink(dir.path / "victim",
                           dir.path / (".resolv.conf.ec20ppp-" + std::to_string(::getpid()) + "-" + std::to_string(i)));
    }
    fs::create_symlink("victim", file);
    ResolvConf rc(file, sink());
    rc.write(servers);
    EXPECT_EQ(read_file(dir.path / "victim"), "precious\n");
    EXPECT_EQ(rc.restore(), ResolvConf::RestoreResult::restored);
    EXPECT_EQ(fs::read_symlink(file), "victim");
    EXPECT_EQ(read_file(dir.path / "victim"), "precious\n");
    EXPECT_EQ(fs::read_symlink(dir.path / (".resolv.conf.ec20ppp-" + std::to_string(::getpid()) + "-0")),
              dir.path / "victim")
        << "planted links are neither replaced nor removed";
    EXPECT_EQ(fs::status(file).permissions() & fs::perms::others_write, fs::perms::none);
}

TEST_F(netconf_resolv_conf, a_dangling_symlink_is_restored_too) {
    fs::create_symlink("/nonexistent/resolv.conf", file);
    ResolvConf rc(file, sink());
    rc.write(servers);
    EXPECT_EQ(rc.restore(), ResolvConf::RestoreResult::restored);
    EXPECT_EQ(fs::read_symlink(file), "/nonexistent/resolv.conf");
}

TEST_F(netconf_resolv_conf, a_second_write_keeps_the_original_backup) {
    write_file(file, "original\n");
    ResolvConf rc(file, sink());
    rc.write(servers);
    rc.write({IpAddress::v4(10, 0, 0, 1)});
    EXPECT_EQ(read_file(file), ResolvConf::format({IpAddress::v4(10, 0, 0, 1)}));
    EXPECT_EQ(rc.restore(), ResolvConf::RestoreResult::restored);
    EXPECT_EQ(read_file(file), "original\n");
}

TEST_F(netconf_resolv_conf, leaves_a_file_that_someone_else_rewrote_since) {
    write_file(file, "original\n");
    ResolvConf rc(file, sink());
    rc.write(servers);
    write_file(file, "written by NetworkManager\n");
    EXPECT_EQ(rc.restore(), ResolvConf::RestoreResult::left_alone);
    EXPECT_EQ(read_file(file), "written by NetworkManager\n");
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("changed by another program"), std::string::npos) << log[0];
    EXPECT_EQ(rc.restore(), ResolvConf::RestoreResult::nothing_to_do);
}

TEST_F(netconf_resolv_conf, refuses_an_empty_server_list) {
    ResolvConf rc(file, sink());
    try {
        rc.write({});
        FAIL() << "expected ResolvConfError";
    } catch (const ResolvConfError& e) {
        EXPECT_NE(std::string(e.what()).find("no nameservers"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(file));
}

TEST_F(netconf_resolv_conf, explains_a_missing_directory) {
    ResolvConf rc(dir.path / "no-such-dir" / "resolv.conf", sink());
    try {
        rc.write(servers);
        FAIL() << "expected ResolvConfError";
    } catch (const ResolvConfError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
        EXPECT_NE(msg.find("does not exist"), std::string::npos) << msg;
    }
}

TEST_F(netconf_resolv_conf, refuses_a_directory_in_its_place) {
    fs::create_directory(file);
    ResolvConf rc(file, sink());
    try {
        rc.write(servers);
        FAIL() << "expected ResolvConfError";
    } catch (const ResolvConfError& e) {
        EXPECT_NE(std::string(e.what()).find("neither a regular file nor a symlink"), std::string::npos) << e.what();
    }
}

TEST_F(netconf_resolv_conf, restores_from_an_undo_record_after_the_writer_was_killed) {
    fs::create_symlink("stub-resolv.conf", file);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // The writer: writes, hands over its undo record, and dies without any cleanup.
        ResolvConf rc(file, [](std::string_view) {});
        rc.write(servers);
        UndoRecord record;
        record.pid = ::getpid();
        record.resolv_conf = rc.backup();
        const std::string text = record.serialize();
        if (::write(fds[1], text.data(), text.size()) != static_cast<ssize_t>(text.size())) ::_exit(1);
        ::_exit(0);  // no destructors: like SIGKILL
    }
    ::close(fds[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_TRUE(fs::is_regular_file(fs::symlink_status(file))) << "the writer's file is still there";

    const UndoRecord record = UndoRecord::parse(text);
    EXPECT_EQ(record.pid, child);
    ASSERT_TRUE(record.resolv_conf);
    EXPECT_EQ(ResolvConf::restore_backup(*record.resolv_conf), ResolvConf::RestoreResult::restored);
    ASSERT_TRUE(fs::is_symlink(file));
    EXPECT_EQ(fs::read_symlink(file), "stub-resolv.conf");
    EXPECT_EQ(ResolvConf::restore_backup(*record.resolv_conf), ResolvConf::RestoreResult::nothing_to_do)
        << "running the recovery twice is harmless";
}

}  // namespace
}  // namespace ec20ppp
