#include "sim/at_responder.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace ec20ppp::sim {
namespace {

constexpr std::size_t kMaxCommandLine = 1024;  // longer input is dropped, as a real line buffer would

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string to_upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), upper);
    return out;
}

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// V.250 §5.4.1: extended command names are '+' and then these characters.
bool is_name_char(char c) {
    return is_alpha(c) || is_digit(c) || c == '!' || c == '%' || c == '-' || c == '.' || c == '/' || c == ':' ||
           c == '_';
}

std::optional<int> to_int(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    int v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

struct Param {
    std::string text;
    bool quoted = false;
};

// Set-command parameters (V.250 §5.4.2): comma separated, string constants in double quotes.
std::vector<Param> split_params(std::string_view s) {
    std::vector<Param> params(1);
    bool in_quotes = false;
    for (char c : s) {
        if (c == '"') {
            in_quotes = !in_quotes;
            params.back().quoted = true;
        } else if (c == ',' && !in_quotes) {
            params.emplace_back();
        } else if (in_quotes || c != ' ') {
            params.back().text.push_back(c);
        }
    }
    return params;
}

// Verbose +CME ERROR texts (27.007 §9.2.1) for the codes this simulator produces.
std::string_view cme_text(int code) {
    switch (code) {
        case 3: return "operation not allowed";
        case 4: return "operation not supported";
        case 10: return "SIM not inserted";
        case 16: return "incorrect password";
        default: return "unknown";
    }
}

}  // namespace

AtResponder::AtResponder(SimConfig config)
    : config_(std::move(config)),
      sim_(config_.sim),
      echo_(config_.echo),
      cmee_(config_.cmee),
      ignore_lines_(config_.ignore_first_lines) {}

std::string AtResponder::apn() const {
    auto ctx = context(1);
    return ctx ? ctx->apn : std::string();
}

std::optional<PdpContext> AtResponder::context(int cid) const {
    for (const auto& c : contexts_)
        if (c.cid == cid) return c;
    return std::nullopt;
}

std::string AtResponder::frame(std::string_view text) const { return config_.eol + std::string(text) + config_.eol; }

void AtResponder::flush(SimOutputs& out) {
    if (pending_.empty()) return;
    out.push_back(SendBytes{Bytes(pending_.begin(), pending_.end())});
    pending_.clear();
}

std::string AtResponder::cme(int code) const {
    // 27.007 §9.1 +CMEE: 0 gives the plain V.250 ERROR, 1 the number, 2 the text.
    if (cmee_ == 0) return "ERROR";
    if (cmee_ == 2) return "+CME ERROR: " + std::string(cme_text(code));
    return "+CME ERROR: " + std::to_string(code);
}

bool AtResponder::registered() const {
    return sim_ready() && fun_ == 1 && config_.unregistered_queries &&
           unregistered_answers_ >= *config_.unregistered_queries;
}

int AtResponder::reg_stat() const {
    if (!sim_ready() || fun_ != 1) return 0;  // no SIM or radio off: not registered, not searching
    return registered() ? 1 : config_.unregistered_stat;
}

// ---- input -------------------------------------------------------------------------------------

void AtResponder::feed(ByteView bytes, TimePoint now, SimOutputs& out) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        if (data_mode_) {
            data_bytes(bytes.subspan(i), now, out);
            break;
        }
        command_byte(static_cast<char>(bytes[i++]), now, out);
    }
    flush(out);
}

bool AtResponder::pass_through(ByteView bytes, TimePoint now) {
    // In data_bytes only a '+' can be held back, and only while pluses_ > 0 or after a guard
    // time of silence: once the first octet has arrived, last_rx_ is `now` and no later octet
    // of the same chunk may start an escape. So with none pending, the chunk is plain data
    // unless its first octet is a '+' after silence (or the guard is zero: any '+' may).
    if (!data_mode_ || pluses_ > 0 || bytes.empty() || config_.escape_guard <= Duration::zero()) return false;
    if (bytes.front() == '+' && now - last_rx_ >= config_.escape_guard) return false;
    last_rx_ = now;
    return true;
}

void AtResponder::command_byte(char c, TimePoint now, SimOutputs& out) {
    if (ignore_lines_ > 0) {  // still booting: the AT interpreter is not running yet
        if (c == '\r') --ignore_lines_;
        return;
    }
    if (echo_) pending_.push_back(c);  // V.250 §6.2.4: E1 echoes characters as they are received
    if (c == '\b') {                   // S5: editing character
        if (!line_.empty()) line_.pop_back();
    } else if (c == '\r') {  // S3 ends the command line (V.250 §5.2.1)
        const std::string line = std::exchange(line_, {});
        execute(line, now, out);
    } else if (c != '\n' && line_.size() < kMaxCommandLine) {
        line_.push_back(c);
    }
}

// Data mode: everything is for the PPP peer, except "+++" framed by escape_guard of silence.
void AtResponder::data_bytes(ByteView bytes, TimePoint now, SimOutputs& out) {
    Bytes data;
    for (std::uint8_t b : bytes) {
        if (pluses_ > 0 && now - plus_time_ >= config_.escape_guard) {
            data.insert(data.end(), static_cast<std::size_t>(pluses_), '+');  // too slow to be an escape
            pluses_ = 0;
        }
        const bool may_escape = pluses_ > 0 || now - last_rx_ >= config_.escape_guard;
        if (b == '+' && pluses_ < 3 && may_escape) {
            ++pluses_;
            plus_time_ = now;
        } else {
            data.insert(data.end(), static_cast<std::size_t>(pluses_), '+');
            pluses_ = 0;
            data.push_back(b);
        }
        last_rx_ = now;
    }
    if (!data.empty()) out.push_back(DataFromHost{std::move(data)});
}

std::optional<TimePoint> AtResponder::next_timeout() const {
    if (data_mode_ && pluses_ > 0) return plus_time_ + config_.escape_guard;
    return std::nullopt;
}

void AtResponder::on_timeout(TimePoint now, SimOutputs& out) {
    if (!data_mode_ || pluses_ == 0 || now - plus_time_ < config_.escape_guard) return;
    if (pluses_ == 3) {
        pluses_ = 0;
        data_mode_ = false;
        out.emplace_back(std::in_place_type<LeaveDataMode>);
        out.push_back(Log{"+++ -> OK (command mode)"});
        pending_ += frame("OK");
    } else {
        out.push_back(DataFromHost{Bytes(static_cast<std::size_t>(pluses_), '+')});
        pluses_ = 0;
    }
    flush(out);
}

// ---- output the host did not ask for -----------------------------------------------------------

void AtResponder::power_on(SimOutputs& out) {
    // The EC20's start-up sequence (Quectel EC2x AT manual, URC list).
    pending_ += frame("RDY");
    pending_ += frame("+CFUN: 1");
    switch (sim_) {
        case SimCard::Ready: pending_ += frame("+CPIN: READY"); break;
        case SimCard::PinRequired: pending_ += frame("+CPIN: SIM PIN"); break;
        case SimCard::PukRequired: pending_ += frame("+CPIN: SIM PUK"); break;
        case SimCard::Missing: break;
    }
    if (sim_ != SimCard::Missing) pending_ += frame("+QUSIM: 1");
    if (sim_ready()) pending_ += frame("+QIND: SMS DONE");
    flush(out);
}

void AtResponder::unsolicited(std::string_view text, SimOutputs& out) {
    pending_ += frame(text);
    flush(out);
}

void AtResponder::end_call(SimOutputs& out) {
    call_active_ = false;
    data_mode_ = false;
    pluses_ = 0;
    flush(out);
    // emplace: GCC 12's -Wmaybe-uninitialized misfires on moving an empty alternative into a variant.
    out.emplace_back(std::in_place_type<CallEnded>);
}

void AtResponder::hang_up(SimOutputs& out) {
    if (!call_active_) return;
    end_call(out);
    pending_ += frame("NO CARRIER");
    flush(out);
}

// ---- command lines -----------------------------------------------------------------------------

void AtResponder::execute(std::string_view line, TimePoint now, SimOutputs& out) {
    // V.250 §5.2.1: a command line starts with "AT" (either case); what precedes it is ignored,
    // and a line without it gets no answer at all.
    std::size_t at = std::string_view::npos;
    for (std::size_t k = 0; k + 1 < line.size(); ++k) {
        if (upper(line[k]) == 'A' && upper(line[k + 1]) == 'T') {
            at = k;
            break;
        }
    }
    if (at == std::string_view::npos) return;
    line = line.substr(at);
    lines_.emplace_back(line);

    const std::string_view body = line.substr(2);
    std::string reply;
    std::optional<std::string> final;
    std::size_t p = 0;
    while (p < body.size() && !final) {
        const char c = upper(body[p]);
        if (c == ';' || c == ' ') {
            ++p;
        } else if (c == '+') {
            const std::size_t start = p++;
            while (p < body.size() && is_name_char(body[p])) ++p;
            const std::string name = to_upper(body.substr(start, p - start));
            const std::size_t rest = p;
            bool quoted = false;
            while (p < body.size() && (quoted || body[p] != ';')) {
                if (body[p] == '"') quoted = !quoted;
                ++p;
            }
            final = run_extended(name, body.substr(rest, p - rest), reply);
        } else if (c == 'D') {  // V.250 §6.3.1: the dial string runs to the end of the line
            final = dial(body.substr(p + 1));
            p = body.size();
        } else if (is_alpha(c) || c == '&') {
            std::string name(1, c);
            ++p;
            if (c == '&') {
                if (p >= body.size()) {
                    final = "ERROR";
                    break;
                }
                name.push_back(upper(body[p++]));
            }
            const std::size_t arg = p;
            // Basic commands take a number; S-registers also "=<value>" or "?" (V.250 §6.1.2).
            while (p < body.size() && (is_digit(body[p]) || (c == 'S' && (body[p] == '=' || body[p] == '?')))) ++p;
            final = run_basic(name, body.substr(arg, p - arg), reply, out);
        } else {
            final = "ERROR";
        }
    }
    if (!final) final = "OK";
    pending_ += reply;
    pending_ += frame(*final);
    out.push_back(Log{std::string(line) + " -> " + *final});
    if (final->starts_with("CONNECT")) {
        call_active_ = true;
        data_mode_ = true;
        last_rx_ = now;
        pluses_ = 0;
        flush(out);
        out.push_back(EnterDataMode{*final});
    }
}

std::optional<std::string> AtResponder::run_basic(std::string_view name, std::string_view arg, std::string& reply,
                                                  SimOutputs& out) {
    if (name == "E") {  // V.250 §6.2.4
        if (arg.empty() || arg == "0") {
            echo_ = false;
        } else if (arg == "1") {
            echo_ = true;
        } else {
            return "ERROR";
        }
        return std::nullopt;
    }
    if (name == "I") {  // V.250 §6.1.3; the EC20 answers with three lines
        if (!arg.empty() && arg != "0") return "ERROR";
        reply +=
            frame(config_.manufacturer + config_.eol + config_.model + config_.eol + "Revision: " + config_.revision);
        return std::nullopt;
    }
    if (name == "Z" || name == "&F") {  // back to the stored / factory profile: echo on
        echo_ = config_.echo;
        return std::nullopt;
    }
    if (name == "H") {  // V.250 §6.3.6: hook control, hang up
        if (call_active_) end_call(out);
        return std::nullopt;
    }
    if (name == "O") {  // V.250 §6.3.7: back to the data call left with +++
        if (!call_active_) return "NO CARRIER";
        return config_.connect_text;
    }
    if (name == "Q" || name == "V" || name == "X" || name == "S" || name == "&C" || name == "&D" || name == "&K" ||
        name == "&W")
        return std::nullopt;  // accepted and ignored
    return "ERROR";
}

std::optional<std::string> AtResponder::run_extended(std::string_view name, std::string_view rest, std::string& reply) {
    const bool read = rest == "?";
    const bool test = rest == "=?";
    const bool exec = rest.empty();
    const bool set = !read && !test && rest.starts_with("=");
    const std::vector<Param> params = set ? split_params(rest.substr(1)) : std::vector<Param>{};
    const auto reg_line = [&](std::string_view prefix, int n) {
        return std::string(prefix) + ": " + std::to_string(n) + "," + std::to_string(reg_stat());
    };

    if (name == "+CSUB" && exec) {  // Quectel: sub-edition of the firmware
        reply += frame("SubEdition: " + config_.subedition);
        return std::nullopt;
    }
    if (name == "+CSQ" && exec) {  // 27.007 §8.5
        reply += frame("+CSQ: " + std::to_string(config_.rssi) + "," + std::to_string(config_.ber));
        return std::nullopt;
    }
    if (name == "+CPIN") {  // 27.007 §8.3
        if (sim_ == SimCard::Missing) return cme(10);
        if (read) {
            reply += frame(sim_ == SimCard::Ready         ? "+CPIN: READY"
                           : sim_ == SimCard::PinRequired ? "+CPIN: SIM PIN"
                                                          : "+CPIN: SIM PUK");
            return std::nullopt;
        }
        if (set) {
            // Any PIN unlocks; a PUK needs the new PIN too (+CPIN=<puk>,<newpin>).
            if (sim_ == SimCard::PinRequired && params.size() == 1) {
                sim_ = SimCard::Ready;
                return std::nullopt;
            }
            if (sim_ == SimCard::PukRequired && params.size() == 2) {
                sim_ = SimCard::Ready;
                return std::nullopt;
            }
            return cme(sim_ == SimCard::Ready ? 3 : 16);
        }
        return test ? std::nullopt : std::optional<std::string>("ERROR");
    }
    if (name == "+COPS") {  // 27.007 §7.3
        if (read) {
            reply += frame(registered() ? "+COPS: 0,0,\"" + config_.operator_name + "\"," +
                                              std::to_string(config_.access_technology)
                                        : std::string("+COPS: 0"));
            return std::nullopt;
        }
        return set || test ? std::nullopt : std::optional<std::string>("ERROR");
    }
    if (name == "+CGREG" || name == "+CEREG" || name == "+CREG") {  // 27.007 §10.1.20, §10.1.22, §7.2
        int& n = name == "+CGREG" ? cgreg_n_ : name == "+CEREG" ? cereg_n_ : creg_n_;
        if (read) {
            reply += frame(reg_line(name, n));
            if (name == "+CGREG") {
                ++cgreg_queries_;
                if (sim_ready() && fun_ == 1 && !registered()) ++unregistered_answers_;
            }
            return std::nullopt;
        }
        if (set && params.size() == 1) {
            auto v = to_int(params[0].text);
            if (!v || *v < 0 || *v > 2) return "ERROR";
            n = *v;
            return std::nullopt;
        }
        return test ? std::nullopt : std::optional<std::string>("ERROR");
    }
    if (name == "+CGDCONT") {  // 27.007 §10.1.1
        if (read) {
            for (const auto& c : contexts_)
                reply += frame("+CGDCONT: " + std::to_string(c.cid) + ",\"" + c.type + "\",\"" + c.apn +
                               "\",\"0.0.0.0\",0,0");
            return std::nullopt;
        }
        if (test) return std::nullopt;
        if (!set || config_.cgdcont_error) return "ERROR";
        auto cid = to_int(params[0].text);
        if (!cid || *cid < 1 || *cid > 16) return "ERROR";
        PdpContext ctx{*cid, params.size() > 1 ? to_upper(params[1].text) : "IP",
                       params.size() > 2 ? params[2].text : ""};
        if (ctx.type != "IP" && ctx.type != "IPV6" && ctx.type != "IPV4V6" && ctx.type != "PPP") return "ERROR";
        std::erase_if(contexts_, [&](const PdpContext& c) { return c.cid == ctx.cid; });
        contexts_.push_back(std::move(ctx));
        return std::nullopt;
    }
    if (name == "+CFUN") {  // 27.007 §8.2
        if (read) {
            reply += frame("+CFUN: " + std::to_string(fun_));
            return std::nullopt;
        }
        if (set) {
            auto v = to_int(params[0].text);
            if (!v || (*v != 0 && *v != 1 && *v != 4)) return "ERROR";
            fun_ = *v;
            return std::nullopt;
        }
        return test ? std::nullopt : std::optional<std::string>("ERROR");
    }
    if (name == "+CMEE") {  // 27.007 §9.1
        if (read) {
            reply += frame("+CMEE: " + std::to_string(cmee_));
            return std::nullopt;
        }
        if (set) {
            auto v = to_int(params[0].text);
            if (!v || *v < 0 || *v > 2) return "ERROR";
            cmee_ = *v;
            return std::nullopt;
        }
        return test ? std::nullopt : std::optional<std::string>("ERROR");
    }
    if (name == "+CGATT" && read) {  // 27.007 §10.1.9
        reply += frame(std::string("+CGATT: ") + (registered() ? "1" : "0"));
        return std::nullopt;
    }
    return "ERROR";
}

std::optional<std::string> AtResponder::dial(std::string_view number) {
    // 27.007 §10.2.1.1: D*99[*...]# requests packet service; anything else (voice) is not ours.
    const std::string n = to_upper(number);
    if (!n.starts_with("*99") || !n.ends_with("#")) return "ERROR";
    if (!registered()) return "NO CARRIER";
    switch (config_.dial) {
        case DialResult::Connect: return config_.connect_text;
        case DialResult::NoCarrier: return "NO CARRIER";
        case DialResult::Busy: return "BUSY";
        case DialResult::NoAnswer: return "NO ANSWER";
        case DialResult::NoDialtone: return "NO DIALTONE";
        case DialResult::Error: return "ERROR";
    }
    return "ERROR";
}

}  // namespace ec20ppp::sim
