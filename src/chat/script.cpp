#include "chat/script.hpp"

#include <type_traits>

#include "chat/modem_info.hpp"

namespace ec20ppp::chat {
namespace {

ScriptError option_error(std::string message) { return ScriptError{0, 0, std::move(message)}; }

// Send `command` + S3 (V.250 §6.2.1: the command line ends with S3, "\r" by default).
void command(Script& s, std::string_view text, const Expect& expect) {
    s.ops.push_back(Send{std::string(text) + "\r"});
    s.ops.push_back(expect);
}

// The first AT: the modem may still be booting when its USB ports appear (the EC20 prints "RDY"
// once the AT interpreter runs), so ask a few times with a short wait instead of once with a long one.
Expect first_at(int attempts, Duration timeout) {
    Expect e{"OK", timeout, {}, false};
    for (int i = 1; i < attempts; ++i) e.retries.push_back(Retry{"AT\r", "OK"});
    return e;
}

std::optional<ScriptError> check_attempts(int attempts, Duration attempt_timeout, Duration step_timeout) {
    if (attempts < 1) return option_error("at_attempts must be at least 1");
    if (attempt_timeout <= Duration::zero() || step_timeout <= Duration::zero())
        return option_error("timeouts must be positive");
    return std::nullopt;
}

}  // namespace

std::string format_duration(Duration d) {
    const auto ms = d.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    return std::to_string(ms) + " ms";
}

std::string ScriptError::to_string() const {
    if (line == 0) return message;
    return std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string_view to_string(PdpType type) {
    switch (type) {
        case PdpType::Ip: return "IP";
        case PdpType::Ipv6: return "IPV6";
        case PdpType::Ipv4v6: return "IPV4V6";
    }
    return "IP";
}

Result<PdpType> parse_pdp_type(std::string_view text) {
    const std::string up = to_upper(text);
    if (up == "IP") return PdpType::Ip;
    if (up == "IPV6") return PdpType::Ipv6;
    if (up == "IPV4V6") return PdpType::Ipv4v6;
    return option_error("unknown PDP type \"" + chat_visible(text) + "\": use IP, IPV6 or IPV4V6");
}

std::optional<std::string> check_apn(std::string_view apn) {
    auto bad = [&](std::string why) { return "invalid APN \"" + chat_visible(apn) + "\": " + why; };
    // TS 23.003 §9.1: an APN is at most 100 octets encoded as length-prefixed labels, i.e. 99 characters.
    if (apn.size() > 99) return bad(std::to_string(apn.size()) + " characters, the limit is 99");
    for (char ch : apn) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"') return bad("quotes are not allowed (the APN is sent inside quotes in AT+CGDCONT)");
        if (c == ',') return bad("commas are not allowed (a modem may read the rest as the next AT+CGDCONT parameter)");
        if (c == '\\')
            return bad("backslashes are not allowed (V.250 §5.4.2.2 reads \\XX inside a string as an escape)");
        if (c < 0x20 || c == 0x7f) return bad("control characters are not allowed");
        if (c >= 0x80) return bad("only ASCII letters, digits, '-' and '.' belong in an APN (TS 23.003 §9.1)");
    }
    return std::nullopt;
}

Result<Script> build_default_script(const DialOptions& o) {
    if (auto err = check_apn(o.apn)) return option_error(*err);
    if (auto err = check_attempts(o.at_attempts, o.at_attempt_timeout, o.step_timeout)) return *err;
    if (o.registration_timeout < Duration::zero() || o.registration_poll <= Duration::zero())
        return option_error("the registration wait needs a non-negative limit and a positive poll interval");

    Script s;
    s.matching = Matching::ResultLine;
    s.modem_checks = true;
    for (const char* abort : {"BUSY", "NO CARRIER", "NO DIALTONE", "ERROR", "NO ANSWER"})
        s.ops.push_back(AddAbort{abort});
    const Expect ok{"OK", o.step_timeout, {}, false};
    command(s, "AT", first_at(o.at_attempts, o.at_attempt_timeout));
    command(s, "ATE0", ok);  // echo off (V.250 §6.2.4) so replies are not mixed with our own text
    // One line, as quectel-pppd.sh sends it: identity, signal, SIM, operator, registration, and &D2
    // (V.250 §6.2.9: DTR off hangs up and returns to command mode, so dropping DTR ends a call).
    command(s, "ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2", ok);
    s.ops.push_back(AwaitRegistration{o.registration_timeout, o.registration_poll, o.step_timeout});
    // 27.007 §10.1.1: <cid>=1, <PDP_type>, <APN>, <PDP_addr> empty, <d_comp>=0, <h_comp>=0.
    command(s, "AT+CGDCONT=1,\"" + std::string(to_string(o.pdp)) + "\",\"" + o.apn + "\",,0,0", ok);
    // 27.007 §10.2.1.1: D*99# requests packet service on the default context (cid 1).
    command(s, "ATD*99#", Expect{"CONNECT", o.step_timeout, {}, false});
    return s;
}

Result<Script> build_default_script(std::string_view apn, PdpType pdp) {
    DialOptions o;
    o.apn = std::string(apn);
    o.pdp = pdp;
    return build_default_script(o);
}

Script build_info_script(const InfoOptions& options) {
    // `info` is a diagnosis and must always run: unusable values fall back to the defaults.
    const InfoOptions defaults;
    auto positive = [](Duration d, Duration fallback) { return d > Duration::zero() ? d : fallback; };
    const Duration step = positive(options.step_timeout, defaults.step_timeout);
    const Duration attempt = positive(options.at_attempt_timeout, defaults.at_attempt_timeout);
    const int attempts = options.at_attempts >= 1 ? options.at_attempts : defaults.at_attempts;

    Script s;
    s.matching = Matching::ResultLine;
    // No ABORT strings and no fail-fast checks: `info` reports a missing SIM, it does not stop on it.
    const Expect ok{"OK", step, {}, true};
    command(s, "AT", first_at(attempts, attempt));
    for (const char* cmd : {"ATE0", "ATI", "AT+CSUB", "AT+CSQ", "AT+CPIN?", "AT+COPS?", "AT+CGREG?", "AT+CEREG?"})
        command(s, cmd, ok);
    return s;
}

std::string chat_visible(std::string_view text) {
    std::string out;
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (c & 0x80) out += "M-";
        c &= 0x7f;
        if (c < 0x20) {
            out += '^';
            out += static_cast<char>(c + '@');
        } else if (c == 0x7f) {
            out += "^?";
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string describe_chat_line(const Op& op) {
    return std::visit(
        [](const auto& o) -> std::string {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, Send>) {
                return "send (" + (o.quiet ? std::string("??????") : chat_visible(o.text)) + ")";
            } else if constexpr (std::is_same_v<T, Expect>) {
                return "expect (" + chat_visible(o.text) + ")";
            } else if constexpr (std::is_same_v<T, Pause>) {
                return "pause (" + format_duration(o.duration) + ")";
            } else if constexpr (std::is_same_v<T, AddAbort>) {
                return "abort on (" + chat_visible(o.text) + ")";
            } else if constexpr (std::is_same_v<T, ClearAbort>) {
                return "clear abort on (" + chat_visible(o.text) + ")";
            } else if constexpr (std::is_same_v<T, AddReport>) {
                return "report (" + chat_visible(o.text) + ")";
            } else if constexpr (std::is_same_v<T, ClearReport>) {
                return "clear report (" + chat_visible(o.text) + ")";
            } else if constexpr (std::is_same_v<T, Say>) {
                return "say (" + chat_visible(o.text) + ")";
            } else {
                static_assert(std::is_same_v<T, AwaitRegistration>);
                return "wait for registration (up to " + format_duration(o.limit) + ", asking every " +
                       format_duration(o.poll) + ")";
            }
        },
        op);
}

}  // namespace ec20ppp::chat
