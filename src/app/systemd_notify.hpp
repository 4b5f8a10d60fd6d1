// Tells the service manager how the dial is going (systemd's Type=notify, sd_notify(3)):
// "READY=1" once the link is up, so `systemctl start ec20ppp@NAME` returns when the board is online
// and units ordered After= it start with a working network.
#pragma once

#include <string>
#include <string_view>

namespace ec20ppp::app {

// Sends STATE (newline-separated "KEY=value" lines, e.g. "READY=1\nSTATUS=online") to the socket
// named by $NOTIFY_SOCKET. Returns true when it was sent, false when no service manager asked for
// notifications (NOTIFY_SOCKET unset: run by hand). Throws std::system_error when sending failed.
// Uses libsystemd's sd_notify when built with it (EC20PPP_HAVE_SYSTEMD), notify_socket() otherwise.
bool notify_service_manager(std::string_view state);

// notify_service_manager for the dialer's event loop: never throws; returns what went wrong, if
// anything, as a sentence for the log ("" when sent or nobody asked).
std::string tell_service_manager(std::string_view state);

// The protocol itself, for builds without libsystemd (a static binary, a board without it): one
// datagram to the AF_UNIX socket SOCKET_PATH ("/run/..." or "@abstract"). Same results as above.
bool notify_socket(const std::string& socket_path, std::string_view state);

}  // namespace ec20ppp::app
