// `ec20ppp status [NAME] [--json] [--state-dir DIR]`: what the running dialers wrote to their
// status files, for people (or as the JSON itself).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <system_error>

#include "app/status.hpp"

namespace ec20ppp::app {

namespace {

struct Found {
    std::filesystem::path file;
    std::string text;
    Status status;
};

std::optional<std::string> read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return std::nullopt;
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string stale_message(const Found& f) {
    return f.status.name + ": stale status file " + f.file.string() + " (pid " + std::to_string(f.status.pid) +
           " is not running: the dialer was killed before it could clean up); remove it, or start the dialer again";
}

}  // namespace

int run_status(const StatusCommandOptions& o, std::ostream& out, std::ostream& err) {
    std::vector<Found> found;
    if (!o.name.empty()) {
        if (o.name.find('/') != std::string::npos || o.name.starts_with(".")) {
            err << "error: '" << o.name << "' is not an instance name (its --config file's name, or an interface)\n";
            return 2;
        }
        const auto file = o.state_dir / (o.name + ".json");
        auto text = read_text(file);
        if (!text && ::access(file.c_str(), F_OK) != 0 && errno == EACCES) {
            err << "error: cannot read " << file.string() << ": permission denied (run as root)\n";
            return 1;
        }
        if (!text) {
            err << "ec20ppp " << o.name << " is not running (no " << file.string()
                << "); `ec20ppp status` lists those that are\n";
            return 1;
        }
        auto status = status_from_json(*text);
        if (!status) {
            err << "error: " << file.string() << " is not an ec20ppp status file\n";
            return 1;
        }
        found.push_back({file, *text, *status});
    } else {
        std::error_code ec;
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(o.state_dir, ec)) {
            const auto& p = entry.path();
            if (p.extension() == ".json" && !p.filename().string().starts_with(".")) files.push_back(p);
        }
        if (ec && ec != std::errc::no_such_file_or_directory) {
            err << "error: cannot read " << o.state_dir.string() << ": " << ec.message()
                << (ec == std::errc::permission_denied ? " (run as root)" : "") << "\n";
            return 1;
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            // Other files may share the directory (undo records): only ours are listed.
            auto text = read_text(file);
            if (!text) continue;
            if (auto status = status_from_json(*text)) found.push_back({file, *text, *status});
        }
        if (found.empty()) {
            err << "no ec20ppp dialer is running (no status files in " << o.state_dir.string() << ")\n";
            return 1;
        }
    }

    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    int code = 0;
    nlohmann::json all = nlohmann::json::array();
    bool first = true;
    for (const auto& f : found) {
        const bool alive = status_writer_alive(f.status);
        if (!alive) {
            err << stale_message(f) << "\n";
            code = 1;
        }
        if (!alive) continue;
        if (o.json) {
            if (o.name.empty()) all.push_back(nlohmann::json::parse(f.text, nullptr, false));
            else out << f.text;
            continue;
        }
        if (!first) out << "\n";
        first = false;
        out << status_to_text(f.status, now);
    }
    if (o.json && o.name.empty()) out << all.dump(2) << "\n";
    return code;
}

}  // namespace ec20ppp::app
