// The command line (src/app/cli.cpp), parsed without running anything.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/exit_codes.hpp"

using namespace ec20ppp;
using namespace ec20ppp::app;
using namespace std::chrono_literals;

namespace {

struct Parsed {
    CommandLine line;
    std::string out, err;
};

Parsed parse(std::vector<std::string> args) {
    std::vector<const char*> argv{"ec20ppp"};
    for (const auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    Parsed p{parse_command_line(static_cast<int>(argv.size()), argv.data(), nullptr, out, err), "", ""};
    p.out = out.str();
    p.err = err.str();
    return p;
}

}  // namespace

TEST(Cli, SimFaultTimesAndRatesAreTaken) {
    auto p = parse({"sim", "--link", "/tmp/ec20", "--silence-after", "2.5", "--latency", "50", "--corrupt", "0.01"});
    ASSERT_EQ(p.line.command, CommandLine::Command::sim) << p.err;
    EXPECT_EQ(p.line.sim.sim.silence_after, Duration{2500});
    EXPECT_EQ(p.line.sim.sim.latency, Duration{50});
    EXPECT_DOUBLE_EQ(p.line.sim.sim.corrupt_rate, 0.01);
}

// fuzz/regressions/cli/sim-silence-after-huge and sim-latency-nan: a fault time too large for a
// Duration (or infinite), and NaN, which every CLI::Range check lets through, reached a
// double-to-integer conversion that is undefined behaviour. They are option errors now.
TEST(Cli, SimFaultNumbersOutOfRangeAreOptionErrors) {
    for (std::vector<std::string> args : {std::vector<std::string>{"--silence-after", "1e300"},
                                          {"--terminate-after", "inf"},
                                          {"--hangup-after", "nan"},
                                          {"--no-carrier-after", "2000000"},
                                          {"--latency", "nan"},
                                          {"--corrupt", "nan"},
                                          {"--drop", "nan"}}) {
        args.insert(args.begin(), {"sim", "--link", "/tmp/ec20"});
        auto p = parse(args);
        EXPECT_EQ(p.line.command, CommandLine::Command::none) << args[3] << " " << args[4];
        EXPECT_EQ(p.line.exit_code, exit_option_error) << args[3];
        EXPECT_NE(p.err.find("error: " + args[3]), std::string::npos) << p.err;
    }
}

TEST(Cli, NegativeFaultTimeStillMeansNone) {
    auto p = parse({"sim", "--link", "/tmp/ec20", "--silence-after", "-1"});
    ASSERT_EQ(p.line.command, CommandLine::Command::sim) << p.err;
    EXPECT_FALSE(p.line.sim.sim.silence_after);
}

TEST(Cli, HelpAndErrorsKeepPppdExitCodes) {
    auto help = parse({"--help"});
    EXPECT_EQ(help.line.command, CommandLine::Command::none);
    EXPECT_EQ(help.line.exit_code, exit_ok);
    EXPECT_NE(help.out.find("dial"), std::string::npos);
    auto bad = parse({"dial"});  // --apn is required
    EXPECT_EQ(bad.line.exit_code, exit_option_error);
    auto dial = parse({"dial", "--apn", "3gnet", "--mtu", "1400"});
    ASSERT_EQ(dial.line.command, CommandLine::Command::dial) << dial.err;
    EXPECT_EQ(dial.line.dial.mtu, 1400u);
}
