// posix::read_regular_file: what the lock, state, config and resolv.conf readers rely on — the
// whole of a regular file, read to its end (not to the size fstat saw), and a refusal without
// reading or blocking for anything else or anything too big.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>

#include "posix/regular_file.hpp"

namespace ec20ppp::posix {
namespace {

using Outcome = RegularFileRead::Outcome;

class RegularFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/ec20ppp-posix.XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path write(const std::string& name, const std::string& content) {
        const auto path = dir_ / name;
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }
    static RegularFileRead read_path(const std::filesystem::path& path, std::size_t max_size, int flags = 0) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags);
        EXPECT_GE(fd, 0) << path;
        RegularFileRead r = read_regular_file(fd, max_size);
        ::close(fd);
        return r;
    }
    std::filesystem::path dir_;
};

TEST_F(RegularFileTest, ReadsTheWholeFile) {
    std::string content(10000, 'x');  // more than one read(2) of the helper's buffer
    content[9999] = '\n';
    auto r = read_path(write("f", content), 10000);
    EXPECT_EQ(r.outcome, Outcome::ok);
    EXPECT_EQ(r.content, content);
    EXPECT_EQ(r.status.st_size, 10000);
    auto empty = read_path(write("e", ""), 10);
    EXPECT_EQ(empty.outcome, Outcome::ok);
    EXPECT_EQ(empty.content, "");
}

TEST_F(RegularFileTest, ReadsToTheEndNotToTheSizeFstatSaw) {
    // /proc files report size 0 and have content: the same as a file that grew after fstat.
    auto r = read_path("/proc/self/status", 1 << 20);
    EXPECT_EQ(r.outcome, Outcome::ok);
    EXPECT_EQ(r.status.st_size, 0);
    EXPECT_NE(r.content.find("Pid:"), std::string::npos);
    // ... and its limit holds for what is read, not only for st_size.
    auto capped = read_path("/proc/self/status", 16);
    EXPECT_EQ(capped.outcome, Outcome::too_big);
    EXPECT_EQ(capped.content, "");
}

TEST_F(RegularFileTest, RefusesWhatIsTooBigByItsSize) {
    auto r = read_path(write("big", std::string(101, 'a')), 100);
    EXPECT_EQ(r.outcome, Outcome::too_big);
    EXPECT_EQ(r.content, "");
    EXPECT_EQ(r.status.st_size, 101);
    EXPECT_EQ(read_path(write("edge", std::string(100, 'a')), 100).outcome, Outcome::ok);
}

TEST_F(RegularFileTest, RefusesAFifoWithoutBlockingAndADirectory) {
    const auto fifo = dir_ / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // Opened O_NONBLOCK for reading, a FIFO with no writer opens; a read would see EOF or, with
    // a writer that never writes, block: it must not be read at all.
    auto r = read_path(fifo, 4096);
    EXPECT_EQ(r.outcome, Outcome::not_regular);
    EXPECT_TRUE(S_ISFIFO(r.status.st_mode));
    EXPECT_EQ(read_path(dir_, 4096, O_DIRECTORY).outcome, Outcome::not_regular);
}

TEST_F(RegularFileTest, ReportsAFailedReadWithItsErrno) {
    const int fd = ::open(write("w", "data").c_str(), O_WRONLY | O_CLOEXEC);  // not open for reading
    ASSERT_GE(fd, 0);
    auto r = read_regular_file(fd, 100);
    ::close(fd);
    EXPECT_EQ(r.outcome, Outcome::failed);
    EXPECT_EQ(r.error, EBADF);
    EXPECT_EQ(r.content, "");
    auto closed = read_regular_file(-1, 100);
    EXPECT_EQ(closed.outcome, Outcome::failed);
    EXPECT_EQ(closed.error, EBADF);
}

}  // namespace
}  // namespace ec20ppp::posix
