// A chat script as plain data: what to send, what to wait for, what ends the dialogue early.
//
// The ops mirror chat(8)'s model one to one (expect / send / ABORT / REPORT / SAY / TIMEOUT), so a
// script read from a --chat-script file and the built-in EC20 script run on the same ChatEngine.
// Two additions chat(8) lacks are used by the built-in script only: result-line matching (an expect
// must be a whole V.250 result line, so "OK" inside an operator name cannot end a step) and the
// bounded wait for network registration.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/time.hpp"

namespace ec20ppp::chat {

// ---- Ops ---------------------------------------------------------------------------------------

// Write `text` to the modem as is: a trailing "\r" (S3, V.250 §6.2.1) is part of the text.
struct Send {
    std::string text;
    bool quiet = false;  // chat(8) \q: log "??????" instead of the text (passwords)
    bool operator==(const Send&) const = default;
};

// chat(8)'s sub-expect "OK-AT-OK": when the wait times out, send `send`, then wait for `expect`.
struct Retry {
    std::string send;
    std::string expect;
    bool operator==(const Retry&) const = default;
};

// Wait for `text`. An empty text is chat(8)'s '' and is satisfied at once.
struct Expect {
    std::string text;
    Duration timeout = std::chrono::seconds{45};  // per wait, each retry gets a fresh one (chat(8) "TIMEOUT")
    std::vector<Retry> retries{};                 // tried in order after each timeout
    // Result-line matching only: an error result (ERROR, +CME ERROR) ends the wait like `text`
    // would, instead of aborting. The info query uses it to go on after "+CME ERROR: 10".
    bool accept_error = false;
    bool operator==(const Expect&) const = default;
};

// chat(8)'s \d (1 s) and \p (1/100 s, chat.c's usleep(10000)) inside a send string.
struct Pause {
    Duration duration{};
    bool operator==(const Pause&) const = default;
};

// chat(8) ABORT / CLR_ABORT / REPORT / CLR_REPORT / SAY.
struct AddAbort {
    std::string text;
    bool operator==(const AddAbort&) const = default;
};
struct ClearAbort {
    std::string text;
    bool operator==(const ClearAbort&) const = default;
};
struct AddReport {
    std::string text;
    bool operator==(const AddReport&) const = default;
};
struct ClearReport {
    std::string text;
    bool operator==(const ClearReport&) const = default;
};
struct Say {
    std::string text;
    bool operator==(const Say&) const = default;
};

// Not in chat(8): unless +CGREG or +CEREG already says "registered", poll AT+CGREG? and AT+CEREG?
// every `poll` until the modem registers (go on), is denied (abort) or `limit` passes (abort).
struct AwaitRegistration {
    Duration limit = std::chrono::seconds{60};
    Duration poll = std::chrono::seconds{3};
    Duration query_timeout = std::chrono::seconds{30};  // for each query's OK
    bool operator==(const AwaitRegistration&) const = default;
};

using Op = std::variant<Send, Expect, Pause, AddAbort, ClearAbort, AddReport, ClearReport, Say, AwaitRegistration>;

enum class Matching {
    // chat(8): the expect (or abort) string may occur anywhere in the received text, even in the
    // middle of a line or across lines ("ogin:", "\nOK"). Right for hand-written scripts.
    Substring,
    // A V.250 result line: the whole line equals the string, or starts with it and a space
    // ("CONNECT 150000000"); "ERROR" also matches "+CME ERROR: <err>" (27.007 §9.2). Echoes,
    // information text and URCs never match by accident.
    ResultLine,
};

struct Script {
    std::vector<Op> ops;
    Matching matching = Matching::Substring;
    // Fail fast on what a person must fix (no SIM, PIN/PUK, ...) as soon as the modem says so,
    // rather than when the script later runs into an ERROR or a timeout.
    bool modem_checks = false;
    bool operator==(const Script&) const = default;
};

// ---- Errors ------------------------------------------------------------------------------------

struct ScriptError {
    std::size_t line = 0;    // 1-based; 0 when the error is not about a place in a file
    std::size_t column = 0;  // 1-based
    std::string message;
    // "3:14: unterminated quote: expected ' before the end of the line", or just the message.
    std::string to_string() const;
    bool operator==(const ScriptError&) const = default;
};

// A value or the reason there is none (C++20 has no std::expected).
template <class T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}            // NOLINT: implicit on purpose
    Result(ScriptError error) : v_(std::move(error)) {}  // NOLINT
    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const ScriptError& error() const { return std::get<1>(v_); }

private:
    std::variant<T, ScriptError> v_;
};

// ---- The built-in EC20 dialogue ----------------------------------------------------------------

// <PDP_type> of AT+CGDCONT (27.007 §10.1.1).
enum class PdpType { Ip, Ipv6, Ipv4v6 };
std::string_view to_string(PdpType type);  // "IP", "IPV6", "IPV4V6"
// Case-insensitive "ip" / "ipv6" / "ipv4v6".
Result<PdpType> parse_pdp_type(std::string_view text);

// nullopt when `apn` can be quoted into AT+CGDCONT safely, else a sentence saying what is wrong.
std::optional<std::string> check_apn(std::string_view apn);

struct DialOptions {
    std::string apn = "3gnet";
    PdpType pdp = PdpType::Ip;
    Duration step_timeout = std::chrono::seconds{30};          // each command's wait for OK / CONNECT
    int at_attempts = 5;                                       // the first AT is sent this many times at most...
    Duration at_attempt_timeout = std::chrono::seconds{3};     // ...waiting this long for each OK (modem waking up)
    Duration registration_timeout = std::chrono::seconds{60};  // how long to wait for network registration
    Duration registration_poll = std::chrono::seconds{3};      // how often to ask while waiting
};

// What quectel-pppd.sh's chat did, plus the checks and the registration wait:
//   ABORT BUSY / NO CARRIER / NO DIALTONE / ERROR / NO ANSWER
//   AT (retried) OK, ATE0 OK, ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2 OK,
//   [wait for registration], AT+CGDCONT=1,"<pdp>","<apn>",,0,0 OK, ATD*99# CONNECT
// Fails (line 0) when the APN or a number in `options` is unusable.
Result<Script> build_default_script(const DialOptions& options);
Result<Script> build_default_script(std::string_view apn, PdpType pdp);

struct InfoOptions {
    Duration step_timeout = std::chrono::seconds{10};
    int at_attempts = 5;
    Duration at_attempt_timeout = std::chrono::seconds{3};
};

// For `ec20ppp info`: AT, ATE0, ATI, AT+CSUB, AT+CSQ, AT+CPIN?, AT+COPS?, AT+CGREG?, AT+CEREG?,
// one command per line so one failing query (no SIM: "+CME ERROR: 10") does not hide the rest.
// Ends with a Finished event; ChatEngine::modem() holds the answers. Unusable options (a zero
// timeout, no attempts) fall back to the defaults.
Script build_info_script(const InfoOptions& options = {});

// ---- chat -v style text ------------------------------------------------------------------------

// chat.c's character(): control characters as ^X ("AT^M"), DEL as ^?, bytes >= 0x80 as M-x.
std::string chat_visible(std::string_view text);
// One chat -v log line for an op: "send (AT^M)", "expect (OK)", "abort on (BUSY)", ...
std::string describe_chat_line(const Op& op);
// "30 s", or "10 ms" when not whole seconds.
std::string format_duration(Duration d);

}  // namespace ec20ppp::chat
