#include "netconf/undo_record.hpp"

#include <charconv>
#include <map>
#include <set>

namespace ec20ppp {
namespace {

constexpr std::string_view format_line = "format=ec20ppp-undo/1";

std::string escape(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c > 0x20 && c < 0x7f && c != '%' && c != '=') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0x0f]);
        }
    }
    return out;
}

std::optional<std::string> unescape(std::string_view s) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;  // '%' needs two hex digits after it
        const int hi = nibble(s[i + 1]);
        const int lo = nibble(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
    }
    return out;
}

std::string family_name(int family) { return family == AF_INET6 ? "inet6" : "inet"; }

// "step=<kind> key=value ..." builder.
struct StepLine {
    std::string text;
    explicit StepLine(std::string_view kind) : text("step=" + std::string(kind)) {}
    void add(std::string_view key, std::string_view value) {
        text += ' ';
        text += key;
        text += '=';
        text += escape(value);
    }
    void add(std::string_view key, std::uint64_t value) { add(key, std::to_string(value)); }
};

void add_interface(StepLine& line, unsigned ifindex, const std::string& ifname) {
    if (!ifname.empty()) line.add("dev", ifname);
    if (ifindex != 0) line.add("ifindex", ifindex);
}

std::string route_line(std::string_view kind, const Route& r) {
    StepLine line(kind);
    line.add("family", family_name(r.family));
    line.add("dst", (r.dst.empty() ? IpAddress::any(r.family) : r.dst).to_string() + "/" + std::to_string(r.dst_len));
    if (r.gateway) line.add("via", r.gateway->to_string());
    add_interface(line, r.oif, r.oif_name);
    if (r.metric) line.add("metric", *r.metric);
    line.add("table", r.table);
    line.add("proto", r.protocol);
    line.add("scope", r.scope);
    line.add("type", r.type);
    if (r.tos != 0) line.add("tos", r.tos);
    if (r.prefsrc) line.add("src", r.prefsrc->to_string());
    if (!r.metrics.empty()) line.add("metrics", to_hex(r.metrics));
    return line.text;
}

// ---- parsing ----

[[noreturn]] void fail(std::size_t line, const std::string& what) {
    throw UndoRecordError("undo record line " + std::to_string(line) + ": " + what +
                          " — the record is damaged; check the network configuration by hand and delete the file");
}

// The key=value fields of one step line, each used at most once.
class Fields {
public:
    Fields(std::size_t line, std::string_view kind) : line_(line), kind_(kind) {}
    std::size_t line() const { return line_; }

    void add(std::string_view token) {
        const auto eq = token.find('=');
        if (eq == std::string_view::npos || eq == 0) fail(line_, "\"" + std::string(token) + "\" is not key=value");
        std::string key(token.substr(0, eq));
        auto value = unescape(token.substr(eq + 1));
        if (!value) fail(line_, "the value of " + key + " has a broken %-escape");
        if (!values_.emplace(key, *value).second) fail(line_, key + " appears twice");
    }

    const std::string* find(const std::string& key) {
        auto it = values_.find(key);
        if (it == values_.end()) return nullptr;
        used_.insert(key);
        return &it->second;
    }
    const std::string& require(const std::string& key) {
        const std::string* v = find(key);
        if (!v) fail(line_, "step " + kind_ + " lacks " + key + "=");
        return *v;
    }
    template <typename T>
    std::optional<T> number(const std::string& key, T max) {
        const std::string* v = find(key);
        if (!v) return std::nullopt;
        std::uint64_t n = 0;
        auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
        if (ec != std::errc{} || ptr != v->data() + v->size() || n > max) {
            fail(line_, key + "=" + *v + " is not a number from 0 to " + std::to_string(max));
        }
        return static_cast<T>(n);
    }
    IpAddress address(const std::string& key, int family) {
        const std::string& v = require(key);
        auto a = IpAddress::parse(v);
        if (!a) fail(line_, key + "=" + v + " is not an IP address");
        if (family != AF_UNSPEC && a->family != family) fail(line_, key + "=" + v + " is not of the step's family");
        return *a;
    }
    std::optional<IpAddress> optional_address(const std::string& key, int family) {
        if (!values_.count(key)) return std::nullopt;
        return address(key, family);
    }
    // Every field must be known: a misspelt or newer field would otherwise be silently dropped.
    void check_all_used() {
        for (const auto& [key, value] : values_) {
            if (!used_.count(key)) fail(line_, "step " + kind_ + " has an unknown field " + key + "=");
        }
    }

private:
    std::size_t line_;
    std::string kind_;
    std::map<std::string, std::string> values_;
    std::set<std::string> used_;
};

void parse_interface(Fields& f, unsigned& ifindex, std::string& ifname) {
    if (const std::string* dev = f.find("dev")) ifname = *dev;
    ifindex = f.number<unsigned>("ifindex", 0x7fffffff).value_or(0);
    if (ifname.empty() && ifindex == 0) fail(f.line(), "the step names no interface (dev= or ifindex=)");
}

Route parse_route(Fields& f) {
    Route r;
    const std::string& family = f.require("family");
    if (family == "inet") {
        r.family = AF_INET;
    } else if (family == "inet6") {
        r.family = AF_INET6;
    } else {
        fail(f.line(), "family=" + family + " is neither inet nor inet6");
    }
    const std::string& dst = f.require("dst");
    const auto slash = dst.find('/');
    if (slash == std::string::npos) fail(f.line(), "dst=" + dst + " lacks the /prefix length");
    auto a = IpAddress::parse(std::string_view(dst).substr(0, slash));
    if (!a || a->family != r.family) fail(f.line(), "dst=" + dst + " is not an address of the step's family");
    r.dst = *a;
    unsigned len = 0;
    const std::string_view len_text = std::string_view(dst).substr(slash + 1);
    auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (ec != std::errc{} || ptr != len_text.data() + len_text.size() || len > (r.family == AF_INET ? 32u : 128u)) {
        fail(f.line(), "dst=" + dst + " has an invalid prefix length");
    }
    r.dst_len = len;
    r.gateway = f.optional_address("via", r.family);
    parse_interface(f, r.oif, r.oif_name);
    r.metric = f.number<std::uint32_t>("metric", 0xffffffff);
    r.table = f.number<std::uint32_t>("table", 0xffffffff).value_or(RT_TABLE_MAIN);
    r.protocol = f.number<std::uint8_t>("proto", 255).value_or(RTPROT_BOOT);
    r.scope = f.number<std::uint8_t>("scope", 255).value_or(RT_SCOPE_UNIVERSE);
    r.type = f.number<std::uint8_t>("type", 255).value_or(RTN_UNICAST);
    r.tos = f.number<std::uint8_t>("tos", 255).value_or(0);
    r.prefsrc = f.optional_address("src", r.family);
    if (const std::string* m = f.find("metrics")) {
        if (!from_hex(*m, r.metrics)) fail(f.line(), "metrics= is not hex");
    }
    return r;
}

UndoStep parse_step(std::size_t line, std::string_view value) {
    std::vector<std::string_view> tokens;
    std::size_t pos = 0;
    while (pos < value.size()) {
        const auto end = value.find(' ', pos);
        const auto token = value.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (!token.empty()) tokens.push_back(token);
        if (end == std::string_view::npos) break;
        pos = end + 1;
    }
    if (tokens.empty()) fail(line, "step= is empty");
    const std::string kind(tokens[0]);
    Fields f(line, kind);
    for (std::size_t i = 1; i < tokens.size(); ++i) f.add(tokens[i]);

    UndoStep step;
    if (kind == "delete-route") {
        step = undo::DeleteRoute{parse_route(f)};
    } else if (kind == "restore-route") {
        step = undo::RestoreRoute{parse_route(f)};
    } else if (kind == "delete-address") {
        undo::DeleteAddress d;
        parse_interface(f, d.address.ifindex, d.ifname);
        d.address.local = f.address("local", AF_UNSPEC);
        d.address.peer = f.optional_address("peer", d.address.local.family);
        d.address.prefix_len =
            f.number<unsigned>("prefix", d.address.local.family == AF_INET ? 32 : 128).value_or(d.address.local.family == AF_INET ? 32 : 128);
        d.address.flags = f.number<std::uint32_t>("flags", 0xffffffff).value_or(0);
        step = d;
    } else if (kind == "restore-mtu") {
        undo::RestoreMtu m;
        parse_interface(f, m.ifindex, m.ifname);
        f.require("mtu");
        m.mtu = *f.number<unsigned>("mtu", 0xffffffff);
        step = m;
    } else if (kind == "set-link-down") {
        undo::SetLinkDown d;
        parse_interface(f, d.ifindex, d.ifname);
        step = d;
    } else {
        fail(line, "unknown step kind \"" + kind +
                       "\" (known: delete-route, restore-route, delete-address, restore-mtu, set-link-down)");
    }
    f.check_all_used();
    return step;
}

}  // namespace

std::string describe(const UndoStep& step) {
    struct Visitor {
        std::string operator()(const undo::DeleteRoute& s) const { return "delete route " + s.route.to_string(); }
        std::string operator()(const undo::RestoreRoute& s) const { return "restore route " + s.route.to_string(); }
        std::string operator()(const undo::DeleteAddress& s) const {
            return "delete address " + s.address.to_string() + " from " + s.ifname;
        }
        std::string operator()(const undo::RestoreMtu& s) const {
            return "restore MTU " + std::to_string(s.mtu) + " of " + s.ifname;
        }
        std::string operator()(const undo::SetLinkDown& s) const { return "bring " + s.ifname + " down"; }
    };
    return std::visit(Visitor{}, step);
}

std::string UndoRecord::serialize() const {
    std::string out = "# ec20ppp undo record: the system changes to revert if ec20ppp stopped without cleaning up\n";
    out += format_line;
    out += '\n';
    out += "pid=" + std::to_string(pid) + '\n';
    if (pid_start) out += "pid-start=" + std::to_string(*pid_start) + '\n';
    if (netns) out += "netns=" + netns->to_string() + '\n';
    for (const auto& step : steps) {
        struct Visitor {
            std::string operator()(const undo::DeleteRoute& s) const { return route_line("delete-route", s.route); }
            std::string operator()(const undo::RestoreRoute& s) const { return route_line("restore-route", s.route); }
            std::string operator()(const undo::DeleteAddress& s) const {
                StepLine line("delete-address");
                add_interface(line, s.address.ifindex, s.ifname);
                line.add("local", s.address.local.to_string());
                if (s.address.peer) line.add("peer", s.address.peer->to_string());
                line.add("prefix", s.address.prefix_len);
                line.add("flags", s.address.flags);
                return line.text;
            }
            std::string operator()(const undo::RestoreMtu& s) const {
                StepLine line("restore-mtu");
                add_interface(line, s.ifindex, s.ifname);
                line.add("mtu", s.mtu);
                return line.text;
            }
            std::string operator()(const undo::SetLinkDown& s) const {
                StepLine line("set-link-down");
                add_interface(line, s.ifindex, s.ifname);
                return line.text;
            }
        };
        out += std::visit(Visitor{}, step);
        out += '\n';
    }
    if (resolv_conf) {
        const auto& b = *resolv_conf;
        out += "resolv.path=" + escape(b.path.string()) + '\n';
        switch (b.before) {
            case ResolvConfBackup::Before::absent:
                out += "resolv.before=absent\n";
                break;
            case ResolvConfBackup::Before::file:
                out += "resolv.before=file\n";
                out += "resolv.content=" + escape(b.content) + '\n';
                out += "resolv.mode=" + std::to_string(b.mode) + '\n';
                out += "resolv.uid=" + std::to_string(b.uid) + '\n';
                out += "resolv.gid=" + std::to_string(b.gid) + '\n';
                break;
            case ResolvConfBackup::Before::symlink:
                out += "resolv.before=symlink\n";
                out += "resolv.target=" + escape(b.link_target) + '\n';
                break;
        }
        out += "resolv.ours=" + escape(b.ours) + '\n';
    }
    return out;
}

UndoRecord UndoRecord::parse(std::string_view text) {
    UndoRecord record;
    bool seen_format = false;
    std::set<std::string> seen_keys;
    std::map<std::string, std::pair<std::size_t, std::string>> resolv;  // field -> (line, value)

    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto end = text.find('\n', pos);
        std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        pos = end == std::string_view::npos ? text.size() : end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;

        if (!seen_format) {
            if (line != format_line) {
                throw UndoRecordError("undo record line " + std::to_string(line_no) + ": expected \"" +
                                      std::string(format_line) +
                                      "\" — this is not an ec20ppp undo record, or one from a newer version; check "
                                      "the network configuration by hand and delete the file");
            }
            seen_format = true;
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) fail(line_no, "\"" + std::string(line) + "\" is not key=value");
        const std::string key(line.substr(0, eq));
        const std::string_view value = line.substr(eq + 1);

        if (key == "step") {
            record.steps.push_back(parse_step(line_no, value));
            continue;
        }
        if (!seen_keys.insert(key).second) fail(line_no, key + " appears twice");
        if (key == "pid") {
            long pid = 0;
            auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), pid);
            if (ec != std::errc{} || ptr != value.data() + value.size() || pid < 0 || pid > 0x3fffffff) {
                fail(line_no, "pid=" + std::string(value) + " is not a process id");
            }
            record.pid = static_cast<pid_t>(pid);
        } else if (key == "pid-start") {
            std::uint64_t start = 0;
            auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), start);
            if (value.empty() || ec != std::errc{} || ptr != value.data() + value.size()) {
                fail(line_no, "pid-start=" + std::string(value) + " is not a start time (a decimal number)");
            }
            record.pid_start = start;
        } else if (key == "netns") {
            // "<dev>:<ino>", both decimal.
            const auto colon = value.find(':');
            NetnsIdentity id;
            auto number = [](std::string_view digits, std::uint64_t& n) {
                auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
                return !digits.empty() && ec == std::errc{} && ptr == digits.data() + digits.size();
            };
            if (colon == std::string_view::npos || !number(value.substr(0, colon), id.dev) ||
                !number(value.substr(colon + 1), id.ino)) {
                fail(line_no, "netns=" + std::string(value) + " is not <device>:<inode> (two decimal numbers)");
            }
            record.netns = id;
        } else if (key.rfind("resolv.", 0) == 0) {
            auto v = unescape(value);
            if (!v) fail(line_no, "the value of " + key + " has a broken %-escape");
            resolv[key.substr(7)] = {line_no, *v};
        } else {
            fail(line_no, "unknown key \"" + key + "\"");
        }
    }
    if (!seen_format) {
        throw UndoRecordError("undo record is empty or has only comments — expected a \"" + std::string(format_line) +
                              "\" line; delete the file");
    }

    if (!resolv.empty()) {
        const std::size_t first_line = resolv.begin()->second.first;
        auto take = [&](const std::string& field) -> std::optional<std::pair<std::size_t, std::string>> {
            auto it = resolv.find(field);
            if (it == resolv.end()) return std::nullopt;
            auto v = it->second;
            resolv.erase(it);
            return v;
        };
        auto require = [&](const std::string& field) {
            auto v = take(field);
            if (!v) fail(first_line, "the resolv.conf backup lacks resolv." + field + "=");
            return *v;
        };
        auto number = [&](const std::string& field) -> unsigned {
            auto [line, v] = require(field);
            unsigned n = 0;
            auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
            if (ec != std::errc{} || ptr != v.data() + v.size()) fail(line, "resolv." + field + "=" + v + " is not a number");
            return n;
        };
        ResolvConfBackup b;
        b.path = require("path").second;
        if (b.path.empty()) fail(first_line, "resolv.path= is empty");
        auto [before_line, before] = require("before");
        if (before == "absent") {
            b.before = ResolvConfBackup::Before::absent;
        } else if (before == "file") {
            b.before = ResolvConfBackup::Before::file;
            b.content = require("content").second;
            b.mode = number("mode");
            if (b.mode > 07777) fail(before_line, "resolv.mode is not a permission value");
            b.uid = number("uid");
            b.gid = number("gid");
        } else if (before == "symlink") {
            b.before = ResolvConfBackup::Before::symlink;
            b.link_target = require("target").second;
            if (b.link_target.empty()) fail(before_line, "resolv.target= is empty");
        } else {
            fail(before_line, "resolv.before=" + before + " is none of absent, file, symlink");
        }
        b.ours = require("ours").second;
        if (!resolv.empty()) {
            const auto& [field, where] = *resolv.begin();
            fail(where.first, "unknown or misplaced key resolv." + field + " for resolv.before=" + before);
        }
        record.resolv_conf = std::move(b);
    }
    return record;
}

}  // namespace ec20ppp
