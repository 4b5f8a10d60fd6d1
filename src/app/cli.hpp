// The command line: CLI11 parsing and option validation for `ec20ppp dial|info|sim`, apart from
// running anything, so tests and the fuzz harness (fuzz/cli.cpp) can call it.
#pragma once

#include <iosfwd>

#include "app/commands.hpp"
#include "app/run_doctor.hpp"
#include "app/status.hpp"

namespace ec20ppp::app {

struct CommandLine {
    enum class Command { none, dial, info, sim, doctor, status };
    // none: nothing to run, exit at once with `exit_code` (--help, --version, an option error).
    Command command = Command::none;
    int exit_code = 0;
    DialOptions dial;  // validated by finish_dial_options
    InfoOptions info;
    SimCommandOptions sim;
    DoctorCommandOptions doctor;
    StatusCommandOptions status;
};

// Parses argv as `ec20ppp` does. Help and version text go to `out`; errors go to `err`, as
// main() prints them. `env_password` is $EC20PPP_PASSWORD (or nullptr). Never throws on input.
CommandLine parse_command_line(int argc, const char* const* argv, const char* env_password, std::ostream& out,
                               std::ostream& err);

}  // namespace ec20ppp::app
