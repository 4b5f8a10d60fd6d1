// Waiting for a device node to (re)appear: after a modem reset or a USB re-enumeration the tty
// vanishes from /dev and comes back a few seconds later, possibly under the same name.
#pragma once

#include <filesystem>

#include "common/time.hpp"

namespace ec20ppp {

// Blocks until `path` exists (following symlinks) or `timeout` passes; returns whether it exists.
// Uses inotify on the parent directory (and on /dev/serial/by-id style link directories), so it
// wakes as soon as udev creates the node instead of polling; a 500 ms re-check guards against
// events missed while the watch was being set up. Returns early if `should_stop` is set (checked
// at least every 100 ms), e.g. by a signal handler.
bool wait_for_path(const std::filesystem::path& path, Duration timeout, const volatile bool* should_stop = nullptr);

}  // namespace ec20ppp
