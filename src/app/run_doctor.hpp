// `ec20ppp doctor`: its options (parsed in cli.cpp) and the run.
#pragma once

#include <filesystem>
#include <string>

namespace ec20ppp::app {

struct DoctorCommandOptions {
    std::filesystem::path root = "/";  // read sys/, proc/, dev/, var/lock under here (tests)
    bool json = false;
    bool at = false;                   // ask the AT port: ATI, +CPIN?, +CSQ, +CGREG?, +QCFG="usbnet"
    std::string at_port;               // default: the modem's interface 2
    bool qmi = false;                  // one QMI CTL get-version request on the cdc-wdm node
    unsigned timeout_ms = 3000;        // each probe's hard deadline
};
int run_doctor(const DoctorCommandOptions& options);

}  // namespace ec20ppp::app
