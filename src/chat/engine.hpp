// The AT dialogue as a sans-IO state machine: bytes and time in, text to send and events out.
//
//   ChatEngine chat(script);
//   chat.start(now, out);                  // out: SendText{"AT\r"}, Log{"send (AT^M)"}, ...
//   chat.feed(bytes_from_modem, now, out); // as reads complete
//   chat.on_timeout(now, out);             // when next_timeout() passes
//   until chat.done(); then, after Connected, take_leftover() holds the first PPP bytes.
//
// The caller owns the serial port and one timer, re-armed from next_timeout() after every call.
// Events are appended to `out`; the caller drains (and clears) it. Exactly one terminal event ends a
// run: Connected, Finished, Aborted or TimedOut.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chat/modem_info.hpp"
#include "chat/script.hpp"
#include "common/bytes.hpp"
#include "common/time.hpp"

namespace ec20ppp::chat {

// Why a run stopped early. Each comes with a sentence a person can act on (Aborted::message).
enum class AbortReason {
    AbortString,         // an ABORT string of a hand-written script (none of the cases below)
    CommandError,        // ERROR / +CME ERROR answering a command, e.g. AT+CGDCONT
    DialRefused,         // NO CARRIER, BUSY, NO ANSWER or NO DIALTONE answering the dial
    SimMissing,          // +CME ERROR: 10, "+CPIN: NOT INSERTED"
    SimPinRequired,      // +CPIN: SIM PIN, +CME ERROR: 11
    SimPukRequired,      // +CPIN: SIM PUK, +CME ERROR: 12
    SimError,            // SIM failure / busy / wrong, or a network (PH-...) lock
    RegistrationDenied,  // +CGREG/+CEREG <stat> 3
    NotRegistered,       // the registration wait ran out
};
std::string_view to_string(AbortReason reason);

// ---- Events ------------------------------------------------------------------------------------

struct SendText {  // write these bytes to the modem
    std::string text;
};
struct Log {  // chat -v style: "send (AT^M)", "expect (OK)", "AT^M^M", "OK^M -- got it"
    std::string line;
};
struct Progress {  // for the person watching: retries, registration wait, SAY, REPORT
    std::string message;
};
struct Matched {  // the expect of script op `op` arrived
    std::size_t op = 0;
    std::string expect;
};
struct Connected {                       // the script ended after a CONNECT: the port now carries PPP
    std::string result;                  // "CONNECT 150000000" (result-line matching) or "CONNECT"
    std::optional<std::uint64_t> speed;  // V.250 §6.3.1 CONNECT <text>, when it is a number
};
struct Finished {};  // the script ran to its end without a CONNECT (e.g. the info query)
struct Aborted {
    AbortReason reason = AbortReason::AbortString;
    std::string message;
};
struct TimedOut {
    std::size_t op = 0;   // the script op that was waiting (Expect or AwaitRegistration)
    std::string expect;   // what did not arrive
    std::string command;  // the last command sent, without its "\r"
    std::string message;
};

using ChatEvent = std::variant<SendText, Log, Progress, Matched, Connected, Finished, Aborted, TimedOut>;
using ChatOutputs = std::vector<ChatEvent>;

enum class Outcome { Running, Connected, Finished, Aborted, TimedOut };

// ---- Engine ------------------------------------------------------------------------------------

class ChatEngine {
public:
    explicit ChatEngine(Script script);

    // Runs the script up to its first wait. Calling it again does nothing.
    void start(TimePoint now, ChatOutputs& out);
    // Bytes read from the modem, split anywhere. After Connected, every further byte (and whatever
    // followed the CONNECT line in the same read) goes to take_leftover() instead.
    void feed(ByteView bytes, TimePoint now, ChatOutputs& out);
    // When on_timeout() must be called; nullopt while nothing is timed (or when done).
    std::optional<TimePoint> next_timeout() const;
    // Safe to call early or twice: it acts only once the deadline has passed.
    void on_timeout(TimePoint now, ChatOutputs& out);

    bool done() const { return state_ == State::Done; }
    Outcome outcome() const { return outcome_; }
    // Filled from every response line seen, whatever the script.
    const ModemInfo& modem() const { return info_.info(); }
    // The bytes that arrived after CONNECT: the peer's first PPP frames. Empties the buffer.
    Bytes take_leftover();

private:
    enum class State { Idle, Running, Expecting, Pausing, RegQuery, RegSleep, Done };

    void advance(TimePoint now, ChatOutputs& out);
    void send(std::string_view text, bool quiet, ChatOutputs& out);
    void start_wait(std::string text, Duration timeout, TimePoint now, ChatOutputs& out);
    void receive(char c, TimePoint now, ChatOutputs& out);
    void scan_window(TimePoint now, ChatOutputs& out);
    void on_line(std::string_view line, TimePoint now, ChatOutputs& out);
    void on_match(std::string_view line, TimePoint now, ChatOutputs& out);
    void on_abort_string(std::string_view pattern, std::string_view line, ChatOutputs& out);
    void begin_registration(const AwaitRegistration& wait, TimePoint now, ChatOutputs& out);
    void registration_query(TimePoint now, ChatOutputs& out);
    void registration_round_done(TimePoint now, ChatOutputs& out);
    void registration_sleep(TimePoint now);
    void registered(TimePoint now, ChatOutputs& out);
    void finish_success(ChatOutputs& out);
    void finish_abort(AbortReason reason, std::string message, ChatOutputs& out);
    void finish_timeout(std::string message, ChatOutputs& out);
    const Expect& current_expect() const;
    std::string registration_text() const;

    Script script_;
    InfoCollector info_;
    State state_ = State::Idle;
    Outcome outcome_ = Outcome::Running;

    std::size_t pc_ = 0;  // next op to run
    std::size_t op_ = 0;  // the op being waited on
    std::vector<std::string> aborts_;
    std::vector<std::string> reports_;
    std::optional<Duration> logged_timeout_;

    std::string expect_;     // what the current wait is for (the Expect's text or a retry's)
    std::size_t retry_ = 0;  // retries of the current Expect used so far
    std::optional<TimePoint> deadline_;
    std::string command_;    // last text sent, without the "\r"
    bool answered_ = false;  // some expect has matched: the modem is alive

    std::string line_;    // the response line being assembled
    std::string window_;  // Substring matching: received text not consumed by a match
    std::size_t scan_pos_ = 0;
    std::string rx_log_;  // received text not yet logged

    AwaitRegistration reg_{};
    TimePoint reg_start_{};
    TimePoint reg_deadline_{};
    bool reg_asking_cereg_ = false;

    std::optional<std::string> connect_result_;
    bool skip_eol_ = false;  // the CONNECT line just ended: CR/LF that follow are not PPP
    Bytes leftover_;
};

}  // namespace ec20ppp::chat
