#include "chat/engine.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <type_traits>
#include <utility>

namespace ec20ppp::chat {
namespace {

// Bounds on what the modem can make us hold (peer bytes never grow memory without limit).
constexpr std::size_t kMaxLine = 512;     // longer response lines are cut (and still end at \r/\n)
constexpr std::size_t kMaxWindow = 4096;  // Substring matching keeps the newest text
constexpr std::size_t kMaxLogLine = 256;  // received text is logged in pieces of this size

std::string without_cr(std::string_view text) {
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) text.remove_suffix(1);
    return std::string(text);
}

// Matching::ResultLine: is `line` the result code `pattern`?
bool result_line_matches(std::string_view line, std::string_view pattern) {
    if (line == pattern) return true;
    // "CONNECT" matches "CONNECT 150000000" (V.250 §6.3.1: CONNECT <text>).
    if (line.size() > pattern.size() && line.starts_with(pattern) && line[pattern.size()] == ' ') return true;
    // 27.007 §9.1: with +CMEE=1/2, "+CME ERROR: <err>" is sent instead of ERROR.
    if (pattern == "ERROR") return line.starts_with("+CME ERROR:") || line.starts_with("+CMS ERROR:");
    return false;
}

std::optional<std::uint64_t> connect_speed(std::string_view result) {
    auto space = result.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    auto digits = trim(result.substr(space + 1));
    std::uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || ptr != digits.data() + digits.size() || digits.empty()) return std::nullopt;
    return value;
}

// What a person must do about the SIM, or nullopt if the status needs nothing (ready, starting up).
std::optional<std::pair<AbortReason, std::string>> sim_problem(SimStatus status, std::string_view said) {
    const std::string quoted = "(" + std::string(said) + ")";
    switch (status) {
        case SimStatus::NotInserted:
            return std::pair{AbortReason::SimMissing,
                             std::string("no SIM card: insert a SIM and power-cycle the modem")};
        case SimStatus::PinRequired:
            return std::pair{
                AbortReason::SimPinRequired,
                "the SIM needs its PIN " + quoted +
                    ": enter it once with AT+CPIN=<pin>, or remove the PIN lock in a phone, then dial again"};
        case SimStatus::PukRequired:
            return std::pair{AbortReason::SimPukRequired,
                             "the SIM is blocked and needs its PUK " + quoted +
                                 ": too many wrong PINs; unblock it in a phone, then dial again"};
        case SimStatus::Failure:
            return std::pair{AbortReason::SimError, "the SIM does not work " + quoted +
                                                        ": reseat it or try another one, then power-cycle the modem"};
        case SimStatus::Busy:
            return std::pair{AbortReason::SimError,
                             "the SIM is still starting up " + quoted + ": wait a few seconds and dial again"};
        case SimStatus::Locked:
            return std::pair{AbortReason::SimError, "the modem is locked to another network or SIM " + quoted +
                                                        ": it needs an unlock code from whoever sold it"};
        default: return std::nullopt;
    }
}

// A hint for a command the modem refused, by what the command does.
std::string command_hint(std::string_view command) {
    const std::string cmd = to_upper(command);
    if (cmd.starts_with("AT+CGDCONT")) return ": check the APN and the PDP type";
    if (cmd.starts_with("ATD")) return ": the data call was refused; check the APN and that the SIM has a data plan";
    if (cmd.starts_with("AT+CPIN")) return ": check the SIM and its PIN";
    return "";
}

}  // namespace

std::string_view to_string(AbortReason reason) {
    switch (reason) {
        case AbortReason::AbortString: return "abort string";
        case AbortReason::CommandError: return "command error";
        case AbortReason::DialRefused: return "dial refused";
        case AbortReason::SimMissing: return "SIM missing";
        case AbortReason::SimPinRequired: return "SIM PIN required";
        case AbortReason::SimPukRequired: return "SIM PUK required";
        case AbortReason::SimError: return "SIM error";
        case AbortReason::RegistrationDenied: return "registration denied";
        case AbortReason::NotRegistered: return "not registered";
    }
    return "abort";
}

ChatEngine::ChatEngine(Script script) : script_(std::move(script)) {}

void ChatEngine::start(TimePoint now, ChatOutputs& out) {
    if (state_ != State::Idle) return;
    state_ = State::Running;
    advance(now, out);
}

std::optional<TimePoint> ChatEngine::next_timeout() const { return state_ == State::Done ? std::nullopt : deadline_; }

Bytes ChatEngine::take_leftover() { return std::exchange(leftover_, {}); }

const Expect& ChatEngine::current_expect() const { return std::get<Expect>(script_.ops[op_]); }

// ---- running the script ------------------------------------------------------------------------

void ChatEngine::advance(TimePoint now, ChatOutputs& out) {
    while (state_ == State::Running && pc_ < script_.ops.size()) {
        op_ = pc_++;
        const Op& op = script_.ops[op_];
        if (const auto* s = std::get_if<Send>(&op)) {
            send(s->text, s->quiet, out);
        } else if (const auto* e = std::get_if<Expect>(&op)) {
            if (logged_timeout_ != e->timeout) {
                out.push_back(Log{"timeout set to " + format_duration(e->timeout)});
                logged_timeout_ = e->timeout;
            }
            out.push_back(Log{describe_chat_line(op)});
            if (e->text.empty()) {  // chat's '': nothing to wait for
                out.push_back(Log{"-- got it"});
                out.push_back(Matched{op_, {}});
                continue;
            }
            retry_ = 0;
            start_wait(e->text, e->timeout, now, out);
        } else if (const auto* p = std::get_if<Pause>(&op)) {
            state_ = State::Pausing;
            deadline_ = now + p->duration;
        } else if (const auto* a = std::get_if<AddAbort>(&op)) {
            aborts_.push_back(a->text);
            out.push_back(Log{describe_chat_line(op)});
        } else if (const auto* ca = std::get_if<ClearAbort>(&op)) {
            std::erase(aborts_, ca->text);
            out.push_back(Log{describe_chat_line(op)});
        } else if (const auto* r = std::get_if<AddReport>(&op)) {
            reports_.push_back(r->text);
            out.push_back(Log{describe_chat_line(op)});
        } else if (const auto* cr = std::get_if<ClearReport>(&op)) {
            std::erase(reports_, cr->text);
            out.push_back(Log{describe_chat_line(op)});
        } else if (const auto* say = std::get_if<Say>(&op)) {
            out.push_back(Progress{say->text});
        } else if (const auto* w = std::get_if<AwaitRegistration>(&op)) {
            begin_registration(*w, now, out);
        }
    }
    if (state_ == State::Running) finish_success(out);
}

void ChatEngine::send(std::string_view text, bool quiet, ChatOutputs& out) {
    out.push_back(Log{describe_chat_line(Send{std::string(text), quiet})});
    out.push_back(SendText{std::string(text)});
    command_ = quiet ? std::string("??????") : without_cr(text);
    info_.on_command(command_);
}

void ChatEngine::start_wait(std::string text, Duration timeout, TimePoint now, ChatOutputs& out) {
    expect_ = std::move(text);
    state_ = State::Expecting;
    deadline_ = now + timeout;
    if (script_.matching == Matching::Substring) {
        // chat reads on from where the last match stopped: text that came in before this expect
        // began counts (it would have sat in the tty buffer).
        scan_pos_ = 0;
        scan_window(now, out);
    }
}

void ChatEngine::on_timeout(TimePoint now, ChatOutputs& out) {
    if (!deadline_ || now < *deadline_ || state_ == State::Done) return;
    deadline_.reset();
    switch (state_) {
        case State::Pausing:
            state_ = State::Running;
            advance(now, out);
            return;
        case State::RegSleep: registration_query(now, out); return;
        case State::RegQuery:
            finish_timeout("no answer to " + command_ + " within " + format_duration(reg_.query_timeout) +
                               " while waiting for registration: the modem stopped responding",
                           out);
            return;
        case State::Expecting: break;
        default: return;
    }

    const Expect& e = current_expect();
    out.push_back(Log{"alarm"});
    if (retry_ < e.retries.size()) {
        const Retry& r = e.retries[retry_++];
        out.push_back(Progress{"no " + chat_visible(expect_) + " within " + format_duration(e.timeout) + " after " +
                               chat_visible(command_) + ": sending " + chat_visible(without_cr(r.send)) +
                               " again (attempt " + std::to_string(retry_ + 1) + " of " +
                               std::to_string(e.retries.size() + 1) + ")"});
        send(r.send, false, out);
        out.push_back(Log{"expect (" + chat_visible(r.expect) + ")"});
        start_wait(r.expect, e.timeout, now, out);
        return;
    }

    const std::size_t tries = e.retries.size() + 1;
    std::string message;
    if (!answered_ && !command_.empty()) {
        message = "the modem did not answer " + chat_visible(command_) +
                  (tries > 1 ? " (" + std::to_string(tries) + " tries, " +
                                   format_duration(e.timeout * static_cast<int>(tries)) + ")"
                             : " within " + format_duration(e.timeout)) +
                  ": check that this is the modem's AT port (EC20: /dev/ttyUSB2 or /dev/ttyUSB3), that no other "
                  "program (ModemManager) is using it, and that the modem is powered";
    } else if (to_upper(command_).starts_with("ATD")) {
        message = "no " + chat_visible(expect_) + " within " + format_duration(e.timeout) + " after " +
                  chat_visible(command_) + ": the network did not set up the data call; check the APN and the signal";
    } else {
        message = "timed out after " + format_duration(e.timeout) + " waiting for " + chat_visible(expect_) +
                  (command_.empty() ? std::string() : " in reply to " + chat_visible(command_));
    }
    finish_timeout(std::move(message), out);
}

// ---- receiving ---------------------------------------------------------------------------------

void ChatEngine::feed(ByteView bytes, TimePoint now, ChatOutputs& out) {
    std::size_t i = 0;
    for (; i < bytes.size() && state_ != State::Done; ++i) receive(static_cast<char>(bytes[i]), now, out);
    if (outcome_ != Outcome::Connected) return;
    // The end of the CONNECT line (its S3 S4, possibly split from it by a read boundary) is the
    // modem's, not PPP's. Dropping CR and LF up to the first other byte loses nothing: PPP starts
    // with a flag, and until LCP says otherwise every control character is escaped (RFC 1662 §7.1,
    // ACCM 0xffffffff), so a raw CR or LF cannot be PPP data.
    while (skip_eol_ && i < bytes.size()) {
        if (bytes[i] != '\r' && bytes[i] != '\n')
            skip_eol_ = false;
        else
            ++i;
    }
    leftover_.insert(leftover_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(i), bytes.end());
}

void ChatEngine::receive(char c, TimePoint now, ChatOutputs& out) {
    // chat -v logs what it reads, one log line per "\n".
    if (c == '\n') {
        if (!rx_log_.empty()) out.push_back(Log{std::exchange(rx_log_, {})});
    } else {
        rx_log_ += chat_visible(std::string_view(&c, 1));
        if (rx_log_.size() >= kMaxLogLine) out.push_back(Log{std::exchange(rx_log_, {})});
    }

    if (script_.matching == Matching::Substring) {
        window_.push_back(c);
        if (window_.size() > kMaxWindow) {
            const std::size_t drop = window_.size() - kMaxWindow / 2;
            window_.erase(0, drop);
            scan_pos_ = scan_pos_ > drop ? scan_pos_ - drop : 0;
        }
        if (state_ == State::Expecting) scan_window(now, out);
        if (state_ == State::Done) return;
    }

    // V.250 §5.7.1 frames responses in S3 S4 ("\r\n"); with lone "\r" or "\n" the line ends too.
    if (c == '\r' || c == '\n') {
        if (line_.empty()) return;
        const std::string line = std::exchange(line_, {});
        on_line(line, now, out);
        if (outcome_ == Outcome::Connected) skip_eol_ = true;
    } else if (line_.size() < kMaxLine) {
        line_.push_back(c);
    }
}

// Matching::Substring: look for the expect and the abort strings at each end position, in arrival
// order, as chat's get_string() does after every character.
void ChatEngine::scan_window(TimePoint now, ChatOutputs& out) {
    while (state_ == State::Expecting && scan_pos_ < window_.size()) {
        ++scan_pos_;
        const std::string_view seen(window_.data(), scan_pos_);
        if (seen.ends_with(expect_)) {
            window_.erase(0, scan_pos_);
            scan_pos_ = 0;
            on_match(expect_, now, out);  // may start the next wait, which rescans the window
            continue;
        }
        for (const std::string& abort : aborts_) {
            if (!abort.empty() && seen.ends_with(abort)) {
                window_.erase(0, scan_pos_);
                scan_pos_ = 0;
                const std::string pattern = abort;
                on_abort_string(pattern, pattern, out);
                return;
            }
        }
    }
}

void ChatEngine::on_line(std::string_view raw, TimePoint now, ChatOutputs& out) {
    const std::string_view line = trim(raw);
    if (line.empty()) return;
    info_.on_line(line);

    // chat(8) REPORT: the report string and the rest of its line.
    for (const std::string& r : reports_) {
        if (auto pos = line.find(r); !r.empty() && pos != std::string_view::npos) {
            out.push_back(Progress{std::string(line.substr(pos))});
            break;
        }
    }
    if (state_ == State::Idle || state_ == State::Done) return;

    if (script_.modem_checks) {
        if (auto status = parse_sim_status(line)) {
            if (auto problem = sim_problem(*status, line)) {
                finish_abort(problem->first, std::move(problem->second), out);
                return;
            }
        }
    }

    const ResultCode rc = classify_result(line);
    switch (state_) {
        case State::Expecting:
            if (script_.matching != Matching::ResultLine) return;
            if (result_line_matches(line, expect_) || (current_expect().accept_error && is_error(rc))) {
                on_match(line, now, out);
                return;
            }
            for (const std::string& abort : aborts_) {
                if (result_line_matches(line, abort)) {
                    const std::string pattern = abort;
                    on_abort_string(pattern, line, out);
                    return;
                }
            }
            return;
        case State::RegQuery:
            if (is_final(rc)) {
                // An ERROR here (a modem without +CEREG) ends the query like OK: we asked, it had
                // nothing to say.
                if (!reg_asking_cereg_) {
                    reg_asking_cereg_ = true;
                    send("AT+CEREG?\r", false, out);
                    deadline_ = now + reg_.query_timeout;
                } else {
                    registration_round_done(now, out);
                }
            }
            return;
        case State::RegSleep:
            // A +CGREG/+CEREG URC (after AT+CGREG=1) can end the wait before the next poll.
            if (modem().registered()) registered(now, out);
            return;
        default: return;
    }
}

void ChatEngine::on_match(std::string_view line, TimePoint now, ChatOutputs& out) {
    out.push_back(Log{rx_log_.empty() ? std::string("-- got it") : std::exchange(rx_log_, {}) + " -- got it"});
    out.push_back(Matched{op_, expect_});
    answered_ = true;
    deadline_.reset();
    if (expect_.starts_with("CONNECT")) connect_result_ = std::string(line);
    state_ = State::Running;
    advance(now, out);
}

namespace {

bool is_call_result(ResultCode rc) {
    return rc == ResultCode::NoCarrier || rc == ResultCode::Busy || rc == ResultCode::NoAnswer ||
           rc == ResultCode::NoDialtone;
}

// ATD (dial), ATA (answer), ATO (back online): the commands a call result can answer.
bool is_call_command(std::string_view command) {
    if (command.size() < 3) return false;
    const auto upper = [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); };
    if (upper(command[0]) != 'A' || upper(command[1]) != 'T') return false;
    const char c = upper(command[2]);
    return c == 'D' || c == 'A' || c == 'O';
}

}  // namespace

void ChatEngine::on_abort_string(std::string_view pattern, std::string_view line, ChatOutputs& out) {
    if (auto cme = parse_cme_error(line)) {
        if (auto status = parse_sim_status(line)) {
            if (auto problem = sim_problem(*status, line)) {
                finish_abort(problem->first, std::move(problem->second), out);
                return;
            }
        }
        std::string what(line);
        if (cme->code && !cme->text.empty()) what += " (" + cme->text + ")";
        finish_abort(AbortReason::CommandError,
                     "the modem answered " + what + " to " + chat_visible(command_) + command_hint(command_), out);
        return;
    }
    const ResultCode rc = classify_result(pattern);
    const std::string said = chat_visible(pattern);
    if (script_.matching == Matching::ResultLine && is_call_result(rc) && !is_call_command(command_)) {
        // V.250 §6.3.1: NO CARRIER, BUSY, NO ANSWER and NO DIALTONE answer a dial (D, A, O) or
        // report a call that dropped. To anything else they cannot be the answer: this is a
        // leftover of an earlier call (the modem says NO CARRIER when the previous dialer's
        // call ended), still in flight when the port was opened and flushed. Keep waiting.
        out.push_back(Log{"ignored " + chat_visible(line) + ": left over from an earlier call (only a dial answers that)"});
        return;
    }
    switch (rc) {
        case ResultCode::NoCarrier:
            finish_abort(AbortReason::DialRefused, "dial refused: " + said + " (check the APN)", out);
            return;
        case ResultCode::Busy:
            finish_abort(
                AbortReason::DialRefused,
                "dial refused: " + said + " (the network is congested or data calls are barred; try again later)", out);
            return;
        case ResultCode::NoAnswer:
            finish_abort(AbortReason::DialRefused,
                         "dial refused: " + said + " (the network did not answer; check the signal and try again)",
                         out);
            return;
        case ResultCode::NoDialtone:
            finish_abort(AbortReason::DialRefused,
                         "dial refused: " + said + " (no network service; check the antenna and registration)", out);
            return;
        case ResultCode::Error:
        case ResultCode::CmsError:
            finish_abort(
                AbortReason::CommandError,
                "the modem answered " + chat_visible(line) + " to " + chat_visible(command_) + command_hint(command_),
                out);
            return;
        default: finish_abort(AbortReason::AbortString, "aborted: the modem sent \"" + said + "\"", out); return;
    }
}

// ---- registration wait -------------------------------------------------------------------------

std::string ChatEngine::registration_text() const {
    const Registration* reg = modem().packet_registration();
    if (!reg) return "no registration status";
    std::string s = to_string(reg->status) + ", " + format_registration(*reg);
    if (modem().signal) {
        if (auto dbm = modem().signal->dbm()) {
            s += ", signal " + std::to_string(*dbm) + " dBm";
        } else {
            s += ", no signal";
        }
    }
    return s;
}

void ChatEngine::begin_registration(const AwaitRegistration& wait, TimePoint now, ChatOutputs& out) {
    reg_ = wait;
    reg_start_ = now;
    reg_deadline_ = now + wait.limit;
    out.push_back(Log{describe_chat_line(wait)});
    if (modem().registered()) {
        out.push_back(Log{"-- registered"});
        return;
    }
    out.push_back(Progress{"not registered yet (" + registration_text() + "): waiting up to " +
                           format_duration(wait.limit) + " for the network"});
    // Ask right away when there is nothing to go on, or when "denied" needs a second opinion from
    // the other domain (+CEREG may be registered on LTE while +CGREG is not); else give it a moment.
    if (modem().registration_denied() || (!modem().cgreg && !modem().cereg)) {
        registration_query(now, out);
    } else {
        registration_sleep(now);
    }
}

void ChatEngine::registration_query(TimePoint now, ChatOutputs& out) {
    state_ = State::RegQuery;
    reg_asking_cereg_ = false;
    expect_ = "OK";
    send("AT+CGREG?\r", false, out);
    deadline_ = now + reg_.query_timeout;
}

void ChatEngine::registration_sleep(TimePoint now) {
    state_ = State::RegSleep;
    deadline_ = std::min(now + reg_.poll, reg_deadline_);
}

void ChatEngine::registration_round_done(TimePoint now, ChatOutputs& out) {
    deadline_.reset();
    if (modem().registered()) {
        registered(now, out);
    } else if (modem().registration_denied()) {
        finish_abort(AbortReason::RegistrationDenied,
                     "registration denied by the network (" + registration_text() +
                         "): the SIM may have no data subscription, or roaming is barred; ask the operator",
                     out);
    } else if (now >= reg_deadline_) {
        finish_abort(AbortReason::NotRegistered,
                     "not registered after " + format_duration(reg_.limit) +
                         ": check antenna and coverage (last: " + registration_text() + ")",
                     out);
    } else {
        out.push_back(Progress{"still not registered (" + registration_text() + "), " +
                               format_duration(std::chrono::duration_cast<Duration>(now - reg_start_)) + " of " +
                               format_duration(reg_.limit)});
        registration_sleep(now);
    }
}

void ChatEngine::registered(TimePoint now, ChatOutputs& out) {
    deadline_.reset();
    out.push_back(Progress{"registered after " +
                           format_duration(std::chrono::duration_cast<Duration>(now - reg_start_)) + " (" +
                           registration_text() + ")"});
    state_ = State::Running;
    advance(now, out);
}

// ---- the end -----------------------------------------------------------------------------------

void ChatEngine::finish_success(ChatOutputs& out) {
    state_ = State::Done;
    deadline_.reset();
    if (connect_result_) {
        outcome_ = Outcome::Connected;
        // Substring matching stops right after "CONNECT": what followed it is the modem's, not ours.
        leftover_.insert(leftover_.end(), window_.begin(), window_.end());
        window_.clear();
        out.push_back(Connected{*connect_result_, connect_speed(*connect_result_)});
    } else {
        outcome_ = Outcome::Finished;
        out.push_back(Finished{});
    }
}

void ChatEngine::finish_abort(AbortReason reason, std::string message, ChatOutputs& out) {
    state_ = State::Done;
    outcome_ = Outcome::Aborted;
    deadline_.reset();
    out.push_back(Log{"Failed (" + std::string(to_string(reason)) + ")"});
    out.push_back(Aborted{reason, std::move(message)});
}

void ChatEngine::finish_timeout(std::string message, ChatOutputs& out) {
    state_ = State::Done;
    outcome_ = Outcome::TimedOut;
    deadline_.reset();
    out.push_back(Log{"Failed (timeout)"});
    out.push_back(TimedOut{op_, expect_, command_, std::move(message)});
}

}  // namespace ec20ppp::chat
