// LineWriter, the dialer's serial output (issue 8 item 3): a batch of frames leaves in one
// write(2), octets are never lost, reordered or written twice across a full tty, and a busy link
// allocates nothing per packet once its buffers have grown. A non-blocking pipe stands in for the
// tty. Own executable: it replaces the global operator new to count allocations.
#include <fcntl.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <csignal>
#include <gtest/gtest.h>
#include <thread>

#include "app/line_writer.hpp"
#include "support/counting_new.hpp"

namespace ec20ppp::app {
namespace {

struct Pipe {
    int read_fd = -1, write_fd = -1;
    explicit Pipe(int capacity = 0) {
        int fds[2];
        if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
        read_fd = fds[0];
        write_fd = fds[1];
        if (capacity > 0) ::fcntl(write_fd, F_SETPIPE_SZ, capacity);
    }
    ~Pipe() {
        if (read_fd >= 0) ::close(read_fd);
        // write_fd belongs to the stream_descriptor.
    }
    // Everything readable now, appended to `out`; returns the octets read.
    std::size_t drain(Bytes& out) const {
        std::uint8_t buf[65536];
        std::size_t total = 0;
        for (;;) {
            const ssize_t n = ::read(read_fd, buf, sizeof buf);
            if (n <= 0) return total;
            out.insert(out.end(), buf, buf + n);
            total += static_cast<std::size_t>(n);
        }
    }
};

// A frame-like run of octets: distinct per (seq, i), so loss, reordering and duplicates show.
void append_frame(Bytes& to, std::uint32_t seq, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) to.push_back(static_cast<std::uint8_t>(seq * 131 + i * 7 + (i >> 8)));
}

TEST(LineWriter, OneBatchOfFramesIsOneWrite) {
    asio::io_context io;
    Pipe pipe;
    asio::posix::stream_descriptor stream(io, pipe.write_fd);
    LineWriter line(stream, [](std::error_code) { FAIL() << "no error expected"; });
    Bytes expected;
    for (std::uint32_t seq = 0; seq < 40; ++seq) {
        append_frame(line.batch(), seq, 40 + seq * 30);  // 40 .. 1210 octets: 25 KB in all
        append_frame(expected, seq, 40 + seq * 30);
    }
    line.flush();
    EXPECT_EQ(line.stats().writes, 1U);  // the old write queue: one per frame unless they met in it
    EXPECT_TRUE(line.idle());
    Bytes got;
    pipe.drain(got);
    EXPECT_EQ(got, expected);
}

TEST(LineWriter, AFullLineLosesReordersAndRepeatsNothing) {
    asio::io_context io;
    // poll() finding nothing to do would otherwise stop the context for good.
    auto work = asio::make_work_guard(io);
    Pipe pipe(4096);  // a small tty: most flushes find it full
    asio::posix::stream_descriptor stream(io, pipe.write_fd);
    LineWriter line(stream, [](std::error_code) { FAIL() << "no error expected"; });
    Bytes expected, got;
    std::uint32_t seq = 0;
    for (int round = 0; round < 200; ++round) {
        // A batch arrives (it may land behind a batch the tty has only partly taken) ...
        for (int k = 0; k < 5; ++k, ++seq) {
            append_frame(line.batch(), seq, 100 + (seq * 97) % 1400);
            append_frame(expected, seq, 100 + (seq * 97) % 1400);
        }
        line.flush();
        // ... the other end reads a little, and the loop lets the writer continue.
        std::uint8_t buf[1500];
        const ssize_t n = ::read(pipe.read_fd, buf, round % 3 == 0 ? sizeof buf : 700);
        if (n > 0) got.insert(got.end(), buf, buf + n);
        io.poll();
    }
    for (int i = 0; i < 1000 && !line.idle(); ++i) {
        pipe.drain(got);
        io.run_for(std::chrono::milliseconds(2));
    }
    pipe.drain(got);
    EXPECT_GT(line.stats().full, 0U) << "the tty never filled: the test did not test waiting";
    EXPECT_EQ(got.size(), expected.size());
    EXPECT_EQ(got, expected);
    EXPECT_EQ(line.stats().octets, expected.size());
}

TEST(LineWriter, TellsTheProducerOnceWhenTheTtyHasCaughtUp) {
    // The dialer's flow control: it stops reading the TUN at a high-water mark and asks to be
    // told when no more than `octets` wait; that comes once, from the loop, as the tty takes it.
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    Pipe pipe(4096);
    asio::posix::stream_descriptor stream(io, pipe.write_fd);
    LineWriter line(stream, [](std::error_code) { FAIL() << "no error expected"; });
    Bytes expected, got;
    for (std::uint32_t seq = 0; seq < 30; ++seq) {
        append_frame(line.batch(), seq, 1400);
        append_frame(expected, seq, 1400);
    }
    line.flush();
    ASSERT_GT(line.pending(), 8192U);  // 42 KB into a 4 KB pipe
    int calls = 0;
    std::size_t pending_then = 0;
    line.when_drained_to(8192, [&] {
        ++calls;
        pending_then = line.pending();
    });
    for (int i = 0; i < 1000 && !line.idle(); ++i) {
        std::uint8_t buf[1024];
        const ssize_t n = ::read(pipe.read_fd, buf, sizeof buf);
        if (n > 0) got.insert(got.end(), buf, buf + n);
        if (line.pending() > 8192) {
            EXPECT_EQ(calls, 0) << "told while " << line.pending() << " octets wait";
        }
        io.run_for(std::chrono::milliseconds(1));
    }
    pipe.drain(got);
    EXPECT_EQ(calls, 1);
    EXPECT_LE(pending_then, 8192U);
    EXPECT_GT(pending_then, 0U) << "told only when all was written: too late to keep the tty busy";
    EXPECT_EQ(got, expected);
    // A line that is discarded (hang-up) has nothing waiting: the producer is told too.
    append_frame(line.batch(), 99, 20000);
    int after_discard = 0;
    line.when_drained_to(0, [&] { ++after_discard; });
    line.discard();
    EXPECT_EQ(after_discard, 1);
}

TEST(LineWriter, SteadyStateAllocatesNothingPerPacket) {
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    Pipe pipe;
    asio::posix::stream_descriptor stream(io, pipe.write_fd);
    LineWriter line(stream, [](std::error_code) { FAIL() << "no error expected"; });
    Bytes sink;
    sink.reserve(1 << 20);
    auto round = [&](std::uint32_t seq) {
        for (std::uint32_t k = 0; k < 8; ++k) append_frame(line.batch(), seq + k, 20 + ((seq + k) * 211) % 1480);
        line.flush();
        sink.clear();
        pipe.drain(sink);
        io.poll();
    };
    for (std::uint32_t seq = 0; seq < 2000; seq += 8) round(seq);  // the buffers grow here
    const std::size_t before = testsupport::allocations();
    const std::uint64_t writes_before = line.stats().writes;
    for (std::uint32_t seq = 0; seq < 80000; seq += 8) round(seq);  // 10,000 batches of 8 frames
    EXPECT_EQ(testsupport::allocations() - before, 0U);
    EXPECT_EQ(line.stats().writes - writes_before, 10000U);  // one write per batch
}

TEST(LineWriter, DrainFinishesAPartlyWrittenBatchWithoutRepeatingIt) {
    asio::io_context io;
    Pipe pipe(4096);
    asio::posix::stream_descriptor stream(io, pipe.write_fd);
    LineWriter line(stream, [](std::error_code) { FAIL() << "no error expected"; });
    Bytes expected;
    for (std::uint32_t seq = 0; seq < 20; ++seq) {
        append_frame(line.batch(), seq, 1000);
        append_frame(expected, seq, 1000);
    }
    line.flush();  // the pipe takes 4 KiB of 20 KB; the rest waits
    ASSERT_FALSE(line.idle());
    append_frame(line.batch(), 99, 300);  // e.g. a Terminate-Ack behind it
    append_frame(expected, 99, 300);
    Bytes got;
    std::thread reader([&] {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (got.size() < expected.size() && std::chrono::steady_clock::now() < end) {
            if (pipe.drain(got) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    line.drain(std::chrono::milliseconds(1000));
    reader.join();
    EXPECT_TRUE(line.idle());
    EXPECT_EQ(got, expected);
}

TEST(LineWriter, AGoneLineIsReportedFromTheLoopNotFromFlush) {
    std::signal(SIGPIPE, SIG_IGN);  // a pipe without a reader says EPIPE (a tty: EIO)
    asio::io_context io;
    Pipe pipe;
    ::close(pipe.read_fd);
    pipe.read_fd = -1;
    asio::posix::stream_descriptor stream(io, pipe.write_fd);
    std::error_code reported;
    LineWriter line(stream, [&](std::error_code ec) { reported = ec; });
    append_frame(line.batch(), 1, 100);
    line.flush();
    EXPECT_FALSE(reported) << "reported inside flush(): the caller's handler would be re-entered";
    EXPECT_TRUE(line.idle());  // what waited is dropped
    io.poll();
    EXPECT_EQ(reported, std::error_code(EPIPE, std::system_category()));
}

}  // namespace
}  // namespace ec20ppp::app
