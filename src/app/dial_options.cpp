#include "app/dial_options.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "chat/script.hpp"
#include "link/presets.hpp"
#include "serial/serial_port.hpp"

namespace ec20ppp::app {

namespace {

std::optional<std::string> check_readable(const std::optional<std::filesystem::path>& path, const char* option) {
    if (!path) return std::nullopt;
    if (::access(path->c_str(), R_OK) != 0)
        return std::string(option) + " " + path->string() + ": cannot read it (" + std::strerror(errno) + ")";
    return std::nullopt;
}

std::optional<std::string> check_executable(const std::optional<std::filesystem::path>& path, const char* option) {
    if (!path) return std::nullopt;
    if (::access(path->c_str(), X_OK) != 0)
        return std::string(option) + " " + path->string() + ": not an executable file (" + std::strerror(errno) +
               "); chmod +x it or give the right path";
    return std::nullopt;
}

}  // namespace

std::optional<std::string> finish_dial_options(DialOptions& o, const char* env_password) {
    if (o.apn.empty()) return "--apn is required: the access point name your operator gave you (e.g. 3gnet)";
    if (auto err = chat::check_apn(o.apn)) return "--apn " + o.apn + ": " + *err;
    const auto& bauds = SerialPort::supported_bauds();
    if (std::find(bauds.begin(), bauds.end(), o.baud) == bauds.end())
        return "--baud " + std::to_string(o.baud) + " is not a standard rate; use one of 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, ...";
    if (o.mtu < 128 || o.mtu > 1500) return "--mtu " + std::to_string(o.mtu) + " is out of range: use 128 to 1500";
    if (o.ifname.empty() || o.ifname.size() > 15 || o.ifname.find('/') != std::string::npos ||
        o.ifname.find(' ') != std::string::npos)
        return "--ifname '" + o.ifname + "' is not a valid interface name (1-15 characters, no '/' or spaces)";
    if (o.user.empty() || o.user.size() > 255) return "--user must be 1 to 255 characters";
    if (o.lcp_echo_interval > 0 && o.lcp_echo_failure == 0) return "--lcp-echo-failure must be at least 1";
    for (auto check : {check_readable(o.password_file, "--password-file"), check_readable(o.chat_script, "--chat-script"),
                       check_executable(o.ip_up, "--ip-up"), check_executable(o.ip_down, "--ip-down")}) {
        if (check) return check;
    }
    if (o.password_file) {
        // A secret others can read is no longer a secret (pppd refuses such secrets files too).
        struct stat st {};
        if (::stat(o.password_file->c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
            return "--password-file " + o.password_file->string() +
                   " can be read by other users: chmod 600 it (and keep it owned by the user running ec20ppp)";
        // The first line of the file; a trailing newline is not part of the secret.
        std::ifstream in(*o.password_file);
        std::string line;
        std::getline(in, line);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) return "--password-file " + o.password_file->string() + " is empty: put the password on its first line";
        o.password = line;
    } else if (env_password && *env_password) {
        o.password = env_password;
    }
    if (o.password.size() > 255) return "the password is longer than 255 characters, which PAP cannot carry";
    return std::nullopt;
}

link::LinkConfig link_config_for(const DialOptions& o) {
    link::LinkConfig c = link::client_config(o.user, o.password);
    c.lcp.allow_chap = o.auth == AuthChoice::automatic || o.auth == AuthChoice::chap;
    c.lcp.allow_pap = o.auth == AuthChoice::automatic || o.auth == AuthChoice::pap;
    if (o.mtu != 1500) c.lcp.mru = static_cast<std::uint16_t>(o.mtu);
    c.enable_ipcp = o.pdp != chat::PdpType::Ipv6;
    c.enable_ipv6cp = o.pdp != chat::PdpType::Ip;
    // DNS is always asked for (pppd's usepeerdns); --dns only decides what is done with it.
    c.echo_interval = std::chrono::seconds(o.lcp_echo_interval);
    c.echo_failure = static_cast<int>(o.lcp_echo_failure);
    return c;
}

}  // namespace ec20ppp::app
