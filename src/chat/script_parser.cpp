#include "chat/script_parser.hpp"

#include <cstdint>

#include "chat/modem_info.hpp"

namespace ec20ppp::chat {
namespace {

struct Token {
    std::string raw;  // as written, quotes removed, escapes not yet decoded
    std::size_t line = 0;
    std::size_t column = 0;  // of raw[0]
    bool quoted = false;
};

// Thrown inside this file only and turned into a Result at the boundary.
struct Failure {
    ScriptError error;
};

[[noreturn]] void fail(std::size_t line, std::size_t column, std::string message) {
    throw Failure{ScriptError{line, column, std::move(message)}};
}

std::vector<Token> tokenize(std::string_view text) {
    std::vector<Token> tokens;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF files

        std::size_t i = 0;
        auto blank = [&](std::size_t k) { return line[k] == ' ' || line[k] == '\t'; };
        while (i < line.size() && blank(i)) ++i;
        // chat(8) only knows '#' in column 1; after indentation it is as clearly a comment.
        if (i < line.size() && line[i] == '#') continue;

        while (i < line.size()) {
            if (blank(i)) {
                ++i;
                continue;
            }
            Token tok;
            tok.line = line_no;
            if (line[i] == '\'' || line[i] == '"') {
                const char quote = line[i];
                const std::size_t open = i++;
                tok.quoted = true;
                tok.column = i + 1;
                while (i < line.size() && line[i] != quote) {
                    if (line[i] == '\\' && i + 1 < line.size()) tok.raw.push_back(line[i++]);
                    tok.raw.push_back(line[i++]);
                }
                if (i >= line.size())
                    fail(line_no, open + 1,
                         std::string("unterminated quote: expected a closing ") + quote +
                             " before the end of the line (a quoted string cannot span lines)");
                ++i;  // closing quote
                if (i < line.size() && !blank(i))
                    fail(line_no, i + 1,
                         std::string("expected a space after the closing ") + quote + ", found '" + line[i] + "'");
            } else {
                // Quotes are special only where a string starts: AT+CGDCONT=1,"IP","apn" is one word.
                tok.column = i + 1;
                while (i < line.size() && !blank(i)) tok.raw.push_back(line[i++]);
            }
            tokens.push_back(std::move(tok));
        }
    }
    return tokens;
}

enum class Where { Expect, Send };

bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// chat.c's clean(): escapes and ^X. For a send string also the pauses, \c and the trailing "\r".
struct Decoded {
    std::vector<Op> ops;  // send: Send and Pause ops
    std::string text;     // expect: the whole string
};

Decoded decode(std::string_view raw, Where where, std::size_t line, std::size_t column) {
    Decoded out;
    std::string cur;
    bool add_return = where == Where::Send;
    bool quiet = false;
    auto send_only = [&](std::size_t at, std::string_view what) {
        if (where == Where::Expect)
            fail(line, column + at, std::string(what) + " is only allowed in a send string, not in an expect");
    };
    auto flush = [&] {
        if (!cur.empty()) out.ops.push_back(Send{std::move(cur), quiet});
        cur.clear();
    };
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '^') {
            if (i + 1 == raw.size()) {
                cur.push_back('^');
            } else {
                const char ctl = static_cast<char>(raw[++i] & 0x1f);  // ^M is 0x0d, as in chat.c
                if (ctl != 0) cur.push_back(ctl);
            }
            continue;
        }
        if (c != '\\') {
            cur.push_back(c);
            continue;
        }
        if (i + 1 == raw.size()) fail(line, column + i, "a lone backslash ends the string: write \\\\ for a backslash");
        const std::size_t at = i;
        const char e = raw[++i];
        switch (e) {
            case 'b': cur.push_back('\b'); break;
            case 'n': cur.push_back('\n'); break;
            case 'r': cur.push_back('\r'); break;
            case 's': cur.push_back(' '); break;
            case 't': cur.push_back('\t'); break;
            case '\\': cur.push_back('\\'); break;
            case 'c':
                send_only(at, "\\c");
                if (i + 1 != raw.size()) fail(line, column + at, "\\c must be the last thing in a send string");
                add_return = false;
                break;
            case 'd':
            case 'p':
                send_only(at, e == 'd' ? "\\d" : "\\p");
                flush();
                // chat.c: \d is sleep(1); \p is usleep(10000).
                out.ops.push_back(Pause{e == 'd' ? Duration{std::chrono::seconds{1}} : Duration{10}});
                break;
            case 'N':
                send_only(at, "\\N");
                cur.push_back('\0');
                break;
            case 'q':
                send_only(at, "\\q");
                quiet = true;
                break;
            case 'K': fail(line, column + at, "\\K (send a break) is not supported by ec20ppp");
            case 'T':
            case 'U':
                fail(line, column + at,
                     std::string("\\") + e + " (chat -T/-U phone number) is not supported: write the number itself");
            default:
                if (is_octal(e)) {
                    unsigned value = static_cast<unsigned>(e - '0');
                    for (int n = 0; n < 2 && i + 1 < raw.size() && is_octal(raw[i + 1]); ++n)
                        value = value * 8 + static_cast<unsigned>(raw[++i] - '0');
                    if (value == 0) send_only(at, "\\0 (NUL)");
                    cur.push_back(static_cast<char>(value & 0xff));
                } else if (!is_alnum(e)) {
                    cur.push_back(e);  // "\-" in a sub-expect chain, "\'" and the like
                } else {
                    fail(line, column + at,
                         std::string("unknown escape \\") + e +
                             ": use \\b \\c \\d \\n \\N \\p \\q \\r \\s \\t \\\\ or \\ddd (octal)");
                }
        }
    }
    if (add_return) cur.push_back('\r');
    if (where == Where::Expect) {
        out.text = std::move(cur);
    } else {
        flush();
        // \q hides the whole string, wherever in it the escape stands.
        for (Op& op : out.ops)
            if (auto* s = std::get_if<Send>(&op)) s->quiet = quiet;
    }
    return out;
}

// A sub-send holds no pauses: Retry carries one string.
std::string decode_sub_send(std::string_view raw, std::size_t line, std::size_t column) {
    Decoded d = decode(raw, Where::Send, line, column);
    std::string text;
    for (const Op& op : d.ops) {
        if (!std::holds_alternative<Send>(op))
            fail(line, column, "\\d and \\p are not supported in a sub-send (the part between dashes)");
        text += std::get<Send>(op).text;
    }
    return text;
}

// chat.c's expect_strtok(s, "-"): split on '-' except where a backslash escapes it.
std::vector<std::pair<std::string_view, std::size_t>> split_dashes(std::string_view raw) {
    std::vector<std::pair<std::string_view, std::size_t>> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\') {
            ++i;
        } else if (raw[i] == '-') {
            parts.emplace_back(raw.substr(start, i - start), start);
            start = i + 1;
        }
    }
    parts.emplace_back(raw.substr(start), start);
    return parts;
}

Expect parse_expect(const Token& tok, Duration timeout) {
    auto parts = split_dashes(tok.raw);
    if (parts.size() % 2 == 0)
        fail(tok.line, tok.column,
             "the expect \"" + tok.raw +
                 "\" ends with a sub-send: a chain alternates expect-send-expect (e.g. OK-AT-OK)");
    Expect e;
    e.timeout = timeout;
    e.text = decode(parts[0].first, Where::Expect, tok.line, tok.column + parts[0].second).text;
    for (std::size_t k = 1; k + 1 < parts.size(); k += 2) {
        Retry r;
        r.send = decode_sub_send(parts[k].first, tok.line, tok.column + parts[k].second);
        r.expect = decode(parts[k + 1].first, Where::Expect, tok.line, tok.column + parts[k + 1].second).text;
        e.retries.push_back(std::move(r));
    }
    return e;
}

bool is_keyword(std::string_view s) {
    return s == "ABORT" || s == "CLR_ABORT" || s == "REPORT" || s == "CLR_REPORT" || s == "TIMEOUT" || s == "SAY" ||
           s == "ECHO" || s == "HANGUP";
}

std::string expect_text(const Token& tok) { return decode(tok.raw, Where::Expect, tok.line, tok.column).text; }

}  // namespace

Result<Script> parse_chat_script(std::string_view text, const ParseOptions& options) {
    try {
        const std::vector<Token> tokens = tokenize(text);
        if (tokens.empty()) return ScriptError{1, 1, "empty chat script: nothing to expect or send"};
        Script script;
        script.matching = Matching::Substring;
        Duration timeout = options.initial_timeout;
        bool expect_position = true;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            const Token& tok = tokens[i];
            // chat.c compares the unquoted string, so 'ABORT' is a keyword too; in a send position
            // only a bare keyword is suspicious, a quoted one is sent as text.
            if (is_keyword(tok.raw) && (expect_position || !tok.quoted)) {
                if (!expect_position)
                    fail(tok.line, tok.column,
                         tok.raw +
                             " stands where a send string belongs: the strings before it do not pair up "
                             "as expect-send (add '' where nothing is to be expected, or quote the word to "
                             "send it)");
                if (i + 1 >= tokens.size())
                    fail(tok.line, tok.column + tok.raw.size(),
                         tok.raw + " at the end of the script: expected its " +
                             (tok.raw == "TIMEOUT" ? "number of seconds" : "string"));
                const Token& arg = tokens[++i];
                const std::string& kw = tok.raw;
                if (kw == "ABORT") {
                    script.ops.push_back(AddAbort{expect_text(arg)});
                } else if (kw == "CLR_ABORT") {
                    script.ops.push_back(ClearAbort{expect_text(arg)});
                } else if (kw == "REPORT") {
                    script.ops.push_back(AddReport{expect_text(arg)});
                } else if (kw == "CLR_REPORT") {
                    script.ops.push_back(ClearReport{expect_text(arg)});
                } else if (kw == "SAY") {
                    script.ops.push_back(Say{expect_text(arg)});
                } else if (kw == "TIMEOUT") {
                    auto secs = parse_int(arg.raw);
                    if (!secs || *secs < 1)
                        fail(arg.line, arg.column,
                             "TIMEOUT needs a whole number of seconds, at least 1; got \"" + arg.raw + "\"");
                    timeout = std::chrono::seconds{*secs};
                } else if (arg.raw != "ON" && arg.raw != "OFF") {  // ECHO, HANGUP
                    fail(arg.line, arg.column, kw + " takes ON or OFF; got \"" + arg.raw + "\"");
                }
                continue;
            }
            if (expect_position) {
                script.ops.push_back(parse_expect(tok, timeout));
            } else if (!tok.quoted && tok.raw == "EOT") {
                script.ops.push_back(Send{"\x04", false});  // chat(8): EOT is ^D without "\r"
            } else if (!tok.quoted && tok.raw == "BREAK") {
                fail(tok.line, tok.column, "BREAK (send a break) is not supported by ec20ppp");
            } else {
                for (Op& op : decode(tok.raw, Where::Send, tok.line, tok.column).ops)
                    script.ops.push_back(std::move(op));
            }
            expect_position = !expect_position;
        }
        return script;
    } catch (const Failure& f) {
        return f.error;
    }
}

}  // namespace ec20ppp::chat
