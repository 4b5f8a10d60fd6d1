// chat(8) script files (`--chat-script FILE`, chat -f) into Script data. Pure: text in, ops out.
//
// The syntax is chat's: whitespace-separated strings read as expect-send pairs; '...' or "..."
// quote a string (within one line; quotes are special only where a string starts); a line starting
// with '#' is a comment; keywords take the place of an expect string and their argument the place of
// the send string: ABORT x, CLR_ABORT x, REPORT x, CLR_REPORT x, TIMEOUT n, SAY x, ECHO ON|OFF,
// HANGUP ON|OFF (the last two are accepted and have no effect here). An expect may carry sub-expects
// ("OK-AT-OK": on timeout send AT, expect OK). Escapes: \b \n \r \s \t \\ \ddd (octal) and ^C (control
// character) everywhere; only in send strings: \c (no trailing "\r", at the end), \d (1 s pause),
// \p (10 ms pause), \N (NUL), \q (keep the string out of logs). EOT sends ^D without "\r".
//
// Where chat silently does something surprising, this parser says so instead, with line:column:
// unterminated quotes, a keyword without its argument, a keyword landing in a send position
// (the pairs before it are off by one), \K / BREAK (we cannot send a break), \T / \U (no phone
// number here), escapes that only make sense in a send string used in an expect.
#pragma once

#include <string_view>

#include "chat/script.hpp"

namespace ec20ppp::chat {

struct ParseOptions {
    // chat(8): "The initial timeout value is 45 seconds."
    Duration initial_timeout = std::chrono::seconds{45};
};

// The Script uses Matching::Substring and no modem checks, as chat would run it; ModemInfo is
// still collected from whatever the script asks.
Result<Script> parse_chat_script(std::string_view text, const ParseOptions& options = {});

}  // namespace ec20ppp::chat
