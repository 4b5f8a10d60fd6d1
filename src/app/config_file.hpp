// `ec20ppp dial --config FILE`: the dial command line in a TOML file (/etc/ec20ppp/NAME.conf).
//
// Each key is a long option of `dial` without its dashes (`apn = "3gnet"`, `lcp-echo-interval =
// 10`, `persist = true`). The keys are not listed here a second time: they are looked up in the
// CLI11 definition of `dial`, and each value goes through that option's own conversion and
// checks, exactly as if it had been typed. Options given on the command line win over the file.
// The one key with no option is `password`: a secret on a command line shows in `ps`, in a file
// only if the file lets others read it, which is refused.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace ec20ppp::app {

struct ConfigFile {
    std::filesystem::path path;
    std::string name;                       // the file's name without .conf: the instance name
    std::map<std::string, int> key_lines;   // "--mtu" -> its line, for every key the file set and used
    std::optional<std::string> password;    // the `password` key
    int password_line = 0;

    // "FILE:LINE: " + error when `error` is about an option ("--mtu 20 ...") that this file
    // set; otherwise `error` unchanged. Lets checks made after the parse (finish_dial_options)
    // still point at the line to fix.
    std::string attribute(const std::string& error) const;
};

// Reads `path` and applies its keys to `dial` (the CLI11 `dial` subcommand, already parsed from
// the command line): every option the command line did not give takes the file's value,
// through the option's own conversion and validation. Returns the file, or the first problem
// as "FILE:LINE: what is wrong - what is allowed".
std::optional<std::string> apply_config_file(CLI::App& dial, const std::filesystem::path& path, ConfigFile& out);

// The keys a config file may hold, for messages and documentation: dial's long options without
// their dashes (and without config and help), plus password.
std::string allowed_config_keys(const CLI::App& dial);

}  // namespace ec20ppp::app
