// The subcommands, each a function returning pppd's exit status.
#pragma once

#include "app/dial_options.hpp"
#include "app/sim_server.hpp"

namespace ec20ppp::app {

int run_dial(DialOptions options);

struct InfoOptions {
    std::string device = "/dev/ttyUSB2";
    unsigned baud = 115200;
    bool json = false;
    std::filesystem::path lock_dir = "/var/lock";
    bool debug = false;
};
int run_info(const InfoOptions& options);

struct SimCommandOptions {
    std::filesystem::path link;  // where the pty's slave name is published (a symlink)
    std::string netns;           // join this named network namespace (ip netns add NAME)
    bool user_space = false;     // no TUN: answer ping in user space even as root
    SimOptions sim;
};
int run_sim(SimCommandOptions options);

}  // namespace ec20ppp::app
