// ec20ppp: dial a Quectel EC20-class modem over PPP, without pppd, chat or a kernel PPP driver.
#include <cstdlib>
#include <iostream>

#include "app/cli.hpp"

using namespace ec20ppp::app;

int main(int argc, char** argv) {
    CommandLine command = parse_command_line(argc, argv, std::getenv("EC20PPP_PASSWORD"), std::cout, std::cerr);
    switch (command.command) {
        case CommandLine::Command::dial: return run_dial(std::move(command.dial));
        case CommandLine::Command::info: return run_info(command.info);
        case CommandLine::Command::sim: return run_sim(std::move(command.sim));
        case CommandLine::Command::doctor: return run_doctor(command.doctor);
        case CommandLine::Command::status: return run_status(command.status, std::cout, std::cerr);
        case CommandLine::Command::none: break;
    }
    return command.exit_code;
}
