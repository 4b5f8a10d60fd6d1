// libFuzzer target for the `--chat-script` parser (chat::parse_chat_script).
//
// Input: the script text, as a file would hold it.
//
// Checked properties (abort() on violation):
//  - the parser returns a Script or a ScriptError, never anything else (no exception escapes);
//  - an error points into the text: line 1..number of lines, column 1..length of that line + 1,
//    with a message;
//  - a Script has the shape the parser promises: substring matching, no modem checks, send
//    ops (Send, Pause) only right after an Expect, pauses of 1 s or 10 ms, whole-second
//    timeouts of at least 1 s (or the initial 45 s), and describe_chat_line works on every op;
//  - round trip: the Script written back as chat(8) text (every character as an octal escape)
//    parses to an equal Script.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "chat/script_parser.hpp"
#include "check.hpp"

namespace {

using namespace ec20ppp;
using namespace ec20ppp::chat;

// Every character as \ddd: no quotes, spaces, dashes, carets or keywords can appear.
std::string escaped(std::string_view text, bool expect = true) {
    static const char* kDigits = "01234567";
    std::string out;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u == 0) {
            // \N is for send strings only; an expect may still hold a NUL typed into the file.
            out += expect ? std::string(1, '\0') : std::string("\\N");
            continue;
        }
        out += '\\';
        out += kDigits[(u >> 6) & 7];
        out += kDigits[(u >> 3) & 7];
        out += kDigits[u & 7];
    }
    return out;
}

std::string word(std::string_view text) { return text.empty() ? std::string("''") : escaped(text); }
std::string sent(std::string_view text) { return escaped(text, false); }

// A send string's text: its trailing "\r" is implicit, anything else ends in \c.
std::string send_body(std::string_view text) {
    if (text.ends_with('\r')) {
        text.remove_suffix(1);
        return sent(text);
    }
    return sent(text) + "\\c";
}

bool is_send_op(const Op& op) { return std::holds_alternative<Send>(op) || std::holds_alternative<Pause>(op); }

// The Script as chat(8) text that parse_chat_script reads back to the same Script.
std::string write_script(const Script& script, Duration initial_timeout) {
    std::string text = "ECHO ON\n";  // a no-op, so that a script of keywords only is not empty
    Duration timeout = initial_timeout;
    const auto& ops = script.ops;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const Op& op = ops[i];
        if (auto* e = std::get_if<Expect>(&op)) {
            if (e->timeout != timeout) {
                const auto secs = std::chrono::duration_cast<std::chrono::seconds>(e->timeout);
                CHECK(secs == e->timeout && secs.count() >= 1);
                text += "TIMEOUT " + std::to_string(secs.count()) + "\n";
                timeout = e->timeout;
            }
            std::string chain = e->text.empty() && e->retries.empty() ? std::string("''") : escaped(e->text);
            for (const Retry& r : e->retries) chain += "-" + send_body(r.send) + "-" + escaped(r.expect);
            text += chain;
            // The send string: the Send/Pause ops that follow, or nothing at the very end.
            std::size_t j = i + 1;
            while (j < ops.size() && is_send_op(ops[j])) ++j;
            if (j == i + 1) {
                if (j < ops.size()) text += " \\c";  // an empty send string
            } else {
                bool quiet = false;
                std::string s;
                for (std::size_t k = i + 1; k < j; ++k) {
                    if (auto* send = std::get_if<Send>(&ops[k])) {
                        quiet = quiet || send->quiet;
                        s += k + 1 == j ? send_body(send->text) : sent(send->text);
                    } else {
                        const Duration d = std::get<Pause>(ops[k]).duration;
                        CHECK(d == Duration{1000} || d == Duration{10});
                        s += d == Duration{1000} ? "\\d" : "\\p";
                        if (k + 1 == j) s += "\\c";  // ends with a pause: no return after it
                    }
                }
                if (quiet) s = "\\q" + s;
                text += " " + (s.empty() ? std::string("''") : s);
            }
            text += "\n";
            i = j - 1;
            continue;
        }
        CHECK(!is_send_op(op));  // a send op only ever follows an expect
        if (auto* a = std::get_if<AddAbort>(&op)) text += "ABORT " + word(a->text) + "\n";
        else if (auto* ca = std::get_if<ClearAbort>(&op)) text += "CLR_ABORT " + word(ca->text) + "\n";
        else if (auto* r = std::get_if<AddReport>(&op)) text += "REPORT " + word(r->text) + "\n";
        else if (auto* cr = std::get_if<ClearReport>(&op)) text += "CLR_REPORT " + word(cr->text) + "\n";
        else if (auto* s = std::get_if<Say>(&op)) text += "SAY " + word(s->text) + "\n";
        else CHECK(false);  // AwaitRegistration: never from a file
    }
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const ParseOptions options;
    auto result = parse_chat_script(text, options);
    if (!result.ok()) {
        const ScriptError& e = result.error();
        CHECK(!e.message.empty());
        // Find the line the error names.
        std::size_t lines = 0, line_len = 0;
        std::string_view rest = text;
        while (!rest.empty()) {
            ++lines;
            const std::size_t nl = rest.find('\n');
            std::string_view l = rest.substr(0, nl);
            if (lines == e.line) line_len = l.size();
            rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        }
        CHECK(e.line >= 1 && e.line <= std::max<std::size_t>(lines, 1));
        CHECK(e.column >= 1 && e.column <= line_len + 1);
        (void)e.to_string();
        return 0;
    }
    const Script& script = result.value();
    CHECK(script.matching == Matching::Substring && !script.modem_checks);
    CHECK(!script.ops.empty() || text.find_first_not_of(" \t\r\n") != std::string_view::npos);
    bool after_expect_or_send = false;
    for (const Op& op : script.ops) {
        (void)describe_chat_line(op);
        if (is_send_op(op)) {
            CHECK(after_expect_or_send);
        } else {
            after_expect_or_send = std::holds_alternative<Expect>(op);
        }
        if (auto* e = std::get_if<Expect>(&op)) {
            CHECK(e->timeout == options.initial_timeout ||
                  (e->timeout >= std::chrono::seconds{1} &&
                   e->timeout == std::chrono::duration_cast<std::chrono::seconds>(e->timeout)));
            CHECK(!e->accept_error);
        }
        if (auto* p = std::get_if<Pause>(&op)) CHECK(p->duration == Duration{1000} || p->duration == Duration{10});
        if (std::holds_alternative<AwaitRegistration>(op)) CHECK(false);
    }

    // Round trip.
    const std::string written = write_script(script, options.initial_timeout);
    auto again = parse_chat_script(written, options);
    CHECK(again.ok());
    CHECK(again.value() == script);
    return 0;
}
