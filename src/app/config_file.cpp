// Debian ships toml++ as a shared library only (no .a): in header-only mode, in this one file,
// the static build for boards with an odd libc keeps working and the board needs no extra .so.
// (pkg-config's Cflags select the shared library, so CMake takes only its include path.)
#define TOML_HEADER_ONLY 1
#define TOML_ENABLE_FORMATTERS 0  // we never write TOML
#include "app/config_file.hpp"

// toml++ 3.3 checks its parser's own invariants with TOML_ASSERT_ASSUME, and some malformed files
// break them (fuzz/corpus/config_file: "[?", "ipn =[}[\"3g", ...). With assertions on (a Debug
// build) that is an abort(); with NDEBUG it is an assumption — __builtin_assume under clang, so
// undefined behaviour — or, under GCC 12, nothing, and the parser goes on to report the file's
// error with its line and column ("expected bare key starting character ..., saw '?'"). That
// last behaviour is made the only one: the checks are compiled out in every build (replaying the
// corpus under ASan+UBSan shows the parser going on safely), so a bad file is a syntax error
// with its position, in Debug builds too.
#define TOML_ASSERT(expr) static_cast<void>(0)

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
// Without NDEBUG while toml++'s preprocessor.h decides what TOML_ASSERT_ASSUME means (with it,
// the assumption; without, TOML_ASSERT above). Nothing else in toml++ looks at NDEBUG once
// TOML_ASSERT is defined (it then does not include <cassert>).
#pragma push_macro("NDEBUG")
#undef NDEBUG
#include <toml++/toml.h>
#pragma pop_macro("NDEBUG")

#include "posix/regular_file.hpp"

namespace ec20ppp::app {

namespace {

// A config file is a few hundred bytes; anything much larger is the wrong file.
constexpr std::size_t kMaxConfigSize = 1 << 20;

// The options a file cannot set: --config itself (no includes) and --help.
bool settable(const CLI::Option* o) {
    const std::string& name = o->get_name();
    return name.starts_with("--") && name != "--config" && name != "--help";
}

enum class Kind { flag, whole, number, text };

// What the option takes, from CLI11's own description of it: flags take true/false, numbers
// TOML integers (and floats, for FLOAT options), everything else a string.
Kind kind_of(const CLI::Option* o) {
    if (o->get_expected_min() == 0) return Kind::flag;
    const std::string type = o->get_type_name();
    if (type.starts_with("UINT") || type.starts_with("INT")) return Kind::whole;
    if (type.starts_with("FLOAT")) return Kind::number;
    return Kind::text;
}

std::string what_it_takes(const CLI::Option* o) {
    switch (kind_of(o)) {
        case Kind::flag: return "true or false";
        case Kind::whole: return o->get_type_name().starts_with("UINT") ? "a whole number (0 or more)" : "a whole number";
        case Kind::number: return "a number";
        case Kind::text: break;
    }
    const std::string& text = o->get_option_text();
    return text.empty() ? "a string" : "a string: " + text;
}

const char* toml_type(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "a whole number";
        case toml::node_type::floating_point: return "a number";
        case toml::node_type::boolean: return "true/false";
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        case toml::node_type::date:
        case toml::node_type::time:
        case toml::node_type::date_time: return "a date/time";
        case toml::node_type::none: break;
    }
    return "nothing";
}

// A double as text that reads back as the same double: 15 significant digits when they do (0.02,
// not 0.020000000000000000416), else 17, which always do. Not std::to_chars(double): in a
// static-libstdc++ build it alone pulls libm into the binary (docs/performance.md, footprint).
std::string number_text(double d) {
    char text[32];
    std::snprintf(text, sizeof text, "%.15g", d);
    if (std::strtod(text, nullptr) != d) std::snprintf(text, sizeof text, "%.17g", d);
    return text;
}

// The value as the option's command-line text, or nullopt when its TOML type is not what the
// option takes (a string for --mtu, a number for --apn, anything but a boolean for a flag).
std::optional<std::string> as_argument(const toml::node& node, Kind kind) {
    switch (kind) {
        case Kind::flag:
            if (auto b = node.value_exact<bool>()) return *b ? "true" : "false";
            return std::nullopt;
        case Kind::whole:
            if (auto i = node.value_exact<std::int64_t>()) return std::to_string(*i);
            return std::nullopt;
        case Kind::number:
            if (auto i = node.value_exact<std::int64_t>()) return std::to_string(*i);
            if (auto d = node.value_exact<double>()) return number_text(*d);
            return std::nullopt;
        case Kind::text:
            if (auto s = node.value_exact<std::string>()) return *s;
            return std::nullopt;
    }
    return std::nullopt;
}

int line_of(const toml::key& key, const toml::node& node) {
    if (key.source().begin.line) return static_cast<int>(key.source().begin.line);
    return static_cast<int>(node.source().begin.line);
}

}  // namespace

std::string allowed_config_keys(const CLI::App& dial) {
    std::string keys;
    for (const CLI::Option* o : dial.get_options()) {
        if (!settable(o)) continue;
        if (!keys.empty()) keys += ", ";
        keys += o->get_name().substr(2);
    }
    return keys + ", password";
}

std::string ConfigFile::attribute(const std::string& error) const {
    for (const auto& [option, line] : key_lines) {
        if (error.starts_with(option) && (error.size() == option.size() || error[option.size()] == ' ' || error[option.size()] == ':'))
            return path.string() + ":" + std::to_string(line) + ": " + error;
    }
    return error;
}

std::optional<std::string> apply_config_file(CLI::App& dial, const std::filesystem::path& path, ConfigFile& out) {
    out.path = path;
    out.name = path.stem().string();
    const std::string file = path.string();

    // Opened once and checked on the descriptor: the mode we judge is the mode of what we read.
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        const int e = errno;
        if (e == ENOENT) return "--config " + file + ": no such file; see docs/example.conf for one to start from";
        return "--config " + file + ": cannot open it (" + std::strerror(e) + ")" +
               (e == EACCES ? "; run as the user that owns it (root) or fix its permissions" : "");
    }
    posix::RegularFileRead read = posix::read_regular_file(fd, kMaxConfigSize);
    ::close(fd);
    switch (read.outcome) {
        case posix::RegularFileRead::Outcome::ok: break;
        case posix::RegularFileRead::Outcome::not_regular: return "--config " + file + ": not a regular file";
        case posix::RegularFileRead::Outcome::too_big:
            return "--config " + file + ": " + std::to_string(std::max<off_t>(read.status.st_size, kMaxConfigSize + 1)) +
                   " bytes or more is too big for a config file (1 MiB at most)";
        case posix::RegularFileRead::Outcome::failed:
            return "--config " + file + ": read failed (" + std::strerror(read.error) + ")";
    }
    const struct stat& st = read.status;
    std::string text = std::move(read.content);

    // toml++ 3.3 (Debian 12) reaches __builtin_unreachable() on some non-ASCII characters where
    // it expects whitespace (is_non_ascii_horizontal_whitespace, found by fuzz/config_file):
    // undefined behaviour on a hand-edited file. Every key and value a dial takes is ASCII, so
    // the file must be too (a leading UTF-8 byte-order mark aside).
    if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
    if (auto bad = std::find_if(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
        bad != text.end()) {
        const auto line = 1 + std::count(text.begin(), bad, '\n');
        return file + ":" + std::to_string(line) + ": a non-ASCII character (byte 0x" +
               [](unsigned char b) {
                   const char* digits = "0123456789abcdef";
                   return std::string{digits[b >> 4], digits[b & 15]};
               }(static_cast<unsigned char>(*bad)) +
               "): config files are plain ASCII — every key and value of dial is; check for smart quotes or a "
               "non-breaking space";
    }

    toml::table table;
    try {
        table = toml::parse(text, file);
    } catch (const toml::parse_error& e) {
        return file + ":" + std::to_string(e.source().begin.line) + ":" + std::to_string(e.source().begin.column) + ": " +
               std::string(e.description()) + " (the file is TOML: key = value, strings in double quotes)";
    }

    // The file's keys in the order they appear, so the first problem reported is the first one.
    std::vector<std::pair<int, std::string>> order;
    for (auto&& [key, node] : table) order.emplace_back(line_of(key, node), std::string(key.str()));
    std::sort(order.begin(), order.end());

    for (const auto& [line, key] : order) {
        const toml::node& node = *table.get(key);
        const std::string where = file + ":" + std::to_string(line) + ": ";
        if (key == "password") {
            auto secret = node.value_exact<std::string>();
            if (!secret) return where + "'password' takes a string, not " + toml_type(node);
            // A secret others can read is no secret: the same rule as --password-file.
            if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
                return where + "'password' in a file that group or others can read: chmod 600 " + file +
                       " (or use password-file with a mode-600 file)";
            if (table.contains("password-file"))
                return where + "give either 'password' or 'password-file', not both";
            out.password = *secret;
            out.password_line = line;
            continue;
        }
        CLI::Option* option = key.empty() || key.starts_with("-") ? nullptr : dial.get_option_no_throw("--" + key);
        if (!option || !settable(option))
            return where + "unknown key '" + key + "'" + (node.is_table() ? " (the file has no [sections])" : "") +
                   " \u2014 allowed keys: " + allowed_config_keys(dial);
        if (node.is_table() || node.is_array())
            return where + "'" + key + "' takes " + what_it_takes(option) + ", not " + toml_type(node);
        const Kind kind = kind_of(option);
        auto argument = as_argument(node, kind);
        if (!argument) return where + "'" + key + "' takes " + what_it_takes(option) + ", not " + toml_type(node);
        if (kind == Kind::number) {
            auto d = node.value<double>();
            if (!d || !std::isfinite(*d)) return where + "'" + key + "' takes a finite number";
        }
        // The command line wins: an option it gave keeps its value.
        if (option->count() > 0) continue;
        try {
            option->clear();
            option->add_result(*argument);
            option->run_callback();
        } catch (const CLI::Error& e) {
            option->clear();
            return where + "bad value for '" + key + "' (" + e.what() + "): it takes " + what_it_takes(option);
        }
        // count() stays 0 for the command line's sake: clear the result, keep the value.
        option->clear();
        out.key_lines[option->get_name()] = line;
    }
    return std::nullopt;
}

}  // namespace ec20ppp::app
