// libFuzzer target for `ec20ppp dial --config FILE` (src/app/config_file.cpp): the input is the
// whole TOML file. It is written to a private temporary file (mode 0600, so a `password` key is
// allowed) and parsed exactly as main() does: `ec20ppp dial --config FILE`, with --apn given on
// the command line for every other input (the command line must win over the file).
//
// Checked properties (abort() on violation):
//  - parsing never throws and ends in a dial command or in exit code 2 (option error) with a
//    message;
//  - an accepted file gives valid dial options: finish_dial_options accepts them again, and
//    link_config_for() turns them into a link configuration;
//  - with --apn on the command line, the dial's APN is that one, whatever the file says.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "app/exit_codes.hpp"
#include "check.hpp"

namespace {

using namespace ec20ppp;
using namespace ec20ppp::app;

// One file for the whole run, rewritten for each input; removed at exit.
const std::string& config_path() {
    static const std::string path = [] {
        char name[] = "/tmp/ec20ppp-fuzz-config-XXXXXX.conf";
        const int fd = ::mkstemps(name, 5);
        CHECK(fd >= 0);
        ::fchmod(fd, 0600);
        ::close(fd);
        std::atexit([] { ::unlink(config_path().c_str()); });
        return std::string(name);
    }();
    return path;
}

void write_config(const std::uint8_t* data, std::size_t size) {
    const int fd = ::open(config_path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    CHECK(fd >= 0);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::write(fd, data + done, size - done);
        CHECK(n > 0);
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

CommandLine parse(const std::vector<std::string>& args, std::string& errors) {
    std::vector<const char*> argv{"ec20ppp"};
    for (const auto& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    std::ostringstream out, err;
    CommandLine c = parse_command_line(static_cast<int>(argv.size() - 1), argv.data(), nullptr, out, err);
    errors = err.str();
    return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 8192) return 0;
    write_config(data, size);
    const bool apn_on_command_line = size % 2 == 0;
    std::vector<std::string> args{"dial", "--config", config_path()};
    if (apn_on_command_line) {
        args.push_back("--apn");
        args.push_back("cmdline.apn");
    }
    std::string errors;
    const CommandLine c = parse(args, errors);
    if (c.command == CommandLine::Command::none) {
        CHECK(c.exit_code == exit_option_error);
        CHECK(!errors.empty());
        return 0;
    }
    CHECK(c.command == CommandLine::Command::dial);
    CHECK(c.exit_code == 0);
    const DialOptions& d = c.dial;
    CHECK(!chat::check_apn(d.apn));
    if (apn_on_command_line) CHECK(d.apn == "cmdline.apn");
    CHECK(d.mtu >= 128 && d.mtu <= 1500);
    DialOptions again = d;
    CHECK(!finish_dial_options(again, nullptr));
    (void)link_config_for(d);
    return 0;
}
