// `ec20ppp doctor`: reads sysfs, /proc and /dev under a root directory (/ on a real machine, a
// fake tree in tests) and says, in plain words and in the order to fix them, what stands between
// this machine and a working dial on the PPP or the QMI path. Reading only: the optional modem
// probes (probe.hpp) are separate and each runs under a deadline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace ec20ppp::doctor {

enum class Severity { fail, warn, info, ok };
const char* to_string(Severity s);

struct Finding {
    Severity severity = Severity::info;
    int rank = 0;          // within a severity, lower is fixed first (root causes before symptoms)
    std::string id;        // stable, for machines: "modem.missing", "driver.conflict", ...
    std::string summary;   // what is wrong (or right), in plain words
    std::string remedy;    // what to do; empty when nothing
    std::string evidence;  // where it was seen (a path under the root, a pid)
};

struct UsbInterface {
    int number = -1;
    std::string klass, subclass, protocol;  // hex as sysfs spells it: "ff"
    int endpoints = 0;
    std::string driver;               // bound driver, empty when none
    std::vector<std::string> ttys;    // ttyUSB2
    std::string cdc_wdm;              // cdc-wdm0
    std::string net;                  // wwan0
};

struct Modem {
    std::string sysfs_name;  // 2-1
    std::uint16_t vendor = 0, product = 0;
    std::string model;
    int num_interfaces = 0;
    std::string speed;          // 480
    std::string power_control;  // on / auto
    std::vector<UsbInterface> interfaces;
};

// A process holding one of the modem's device nodes (or a UUCP lock on it).
struct Holder {
    int pid = 0;
    std::string comm;
    std::string node;  // /dev/ttyUSB2
    char state = '?';  // from /proc/PID/stat
};

struct Options {
    std::filesystem::path root = "/";
};

struct Report {
    std::vector<Modem> modems;
    std::vector<Holder> holders;
    std::string kernel_release;
    std::vector<Finding> findings;  // sorted: fail, warn, info, ok; by rank within each
};

// Examines the machine under options.root. Never throws on odd or missing files.
Report examine(const Options& options);

// What each USB interface of an EC20 is for ("AT", "modem (AT + PPP)", ...) and the udev name
// drivers/qmi/udev/99-ec20ppp.rules gives it ("ec20-at").
std::string interface_role(int number);
std::string udev_name(int number);
// The model behind a Quectel product id, or empty.
std::string quectel_model(std::uint16_t vendor, std::uint16_t product);

void sort_findings(std::vector<Finding>& findings);
bool has_failures(const Report& report);

std::string to_text(const Report& report);
nlohmann::json to_json(const Report& report);

}  // namespace ec20ppp::doctor
