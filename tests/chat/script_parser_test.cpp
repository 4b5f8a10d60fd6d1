// chat(8) script syntax: what `--chat-script FILE` accepts, and the errors it gives.
#include "chat/script_parser.hpp"

#include <gtest/gtest.h>

namespace ec20ppp::chat {
namespace {

using std::chrono::seconds;

Script parse_ok(std::string_view text) {
    auto r = parse_chat_script(text);
    EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
    return r ? r.value() : Script{};
}

std::string parse_error(std::string_view text) {
    auto r = parse_chat_script(text);
    EXPECT_FALSE(r) << "parsed: " << text;
    return r ? "" : r.error().to_string();
}

// The chat part of quectel-pppd.sh as the shell hands it to chat (APN 3gnet), on one line.
constexpr std::string_view kQuectelConnect =
    R"(ABORT BUSY ABORT "NO CARRIER" ABORT "NO DIALTONE" ABORT ERROR ABORT "NO ANSWER" TIMEOUT 30 "" AT OK ATE0 OK ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2 OK AT+CGDCONT=1,"IP","3gnet",,0,0 OK ATD*99# CONNECT)";

TEST(chat_script_parser, quectel_pppd_sh_connect_script) {
    Script s = parse_ok(kQuectelConnect);
    EXPECT_EQ(s.matching, Matching::Substring);
    EXPECT_FALSE(s.modem_checks);
    const Expect ok{"OK", seconds{30}, {}, false};
    const std::vector<Op> expected{
        AddAbort{"BUSY"},
        AddAbort{"NO CARRIER"},
        AddAbort{"NO DIALTONE"},
        AddAbort{"ERROR"},
        AddAbort{"NO ANSWER"},
        Expect{"", seconds{30}, {}, false},
        Send{"AT\r"},
        ok,
        Send{"ATE0\r"},
        ok,
        Send{"ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2\r"},
        ok,
        Send{"AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0\r"},
        ok,
        Send{"ATD*99#\r"},
        Expect{"CONNECT", seconds{30}, {}, false},
    };
    EXPECT_EQ(s.ops, expected);

    // The same commands, in the same order, as the built-in script.
    auto builtin = build_default_script("3gnet", PdpType::Ip);
    ASSERT_TRUE(builtin);
    auto sends = [](const Script& sc) {
        std::vector<std::string> out;
        for (const Op& op : sc.ops)
            if (const auto* send = std::get_if<Send>(&op)) out.push_back(send->text);
        return out;
    };
    EXPECT_EQ(sends(s), sends(builtin.value()));
}

TEST(chat_script_parser, the_same_script_as_a_file_with_comments) {
    const std::string file =
        "# quectel-pppd.sh's connect script as a file\r\n"
        "ABORT BUSY\r\n"
        "ABORT 'NO CARRIER'\r\n"
        "ABORT \"NO DIALTONE\"\r\n"
        "ABORT ERROR\r\n"
        "ABORT 'NO ANSWER'\r\n"
        "TIMEOUT 30\r\n"
        "\r\n"
        "  # indented comment\r\n"
        "''\tAT\r\n"
        "OK ATE0\r\n"
        "OK ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2\r\n"
        "OK AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0\r\n"
        "OK ATD*99#\r\n"
        "CONNECT\r\n";
    EXPECT_EQ(parse_ok(file).ops, parse_ok(kQuectelConnect).ops);
}

TEST(chat_script_parser, quectel_pppd_sh_disconnect_script) {
    Script s = parse_ok(
        R"(ABORT ERROR ABORT "NO DIALTONE" SAY "\nSending break to the modem\n" "" +++ "" +++ "" +++ SAY "\nGood bay\n")");
    const Expect nothing{"", seconds{45}, {}, false};
    const std::vector<Op> expected{
        AddAbort{"ERROR"},
        AddAbort{"NO DIALTONE"},
        Say{"\nSending break to the modem\n"},
        nothing,
        Send{"+++\r"},
        nothing,
        Send{"+++\r"},
        nothing,
        Send{"+++\r"},
        Say{"\nGood bay\n"},
    };
    EXPECT_EQ(s.ops, expected);
}

TEST(chat_script_parser, sub_expect_chains) {
    Script s = parse_ok("OK-AT-OK-ATZ-OK ATE0 ogin:--ogin: ppp a\\-b x");
    ASSERT_EQ(s.ops.size(), 6u);
    EXPECT_EQ(std::get<Expect>(s.ops[0]),
              (Expect{"OK", seconds{45}, {Retry{"AT\r", "OK"}, Retry{"ATZ\r", "OK"}}, false}));
    // chat(8): "ogin:--ogin:" sends a bare return when the first ogin: does not come.
    EXPECT_EQ(std::get<Expect>(s.ops[2]), (Expect{"ogin:", seconds{45}, {Retry{"\r", "ogin:"}}, false}));
    EXPECT_EQ(std::get<Expect>(s.ops[4]).text, "a-b");  // an escaped dash does not split
}

TEST(chat_script_parser, escapes_in_send_and_expect) {
    Script s = parse_ok(R"('^M\n' 'AT\r\n\s\t\\\101^M' 'x\b' ATZ\dAT\p\c '' A\NB\c '' secret\q '' EOT '' 'ABORT')");
    const std::vector<Op> expected{
        Expect{"\r\n", seconds{45}, {}, false},
        Send{"AT\r\n \t\\A\r\r"},
        Expect{"x\b", seconds{45}, {}, false},
        Send{"ATZ"},
        Pause{seconds{1}},
        Send{"AT"},
        Pause{Duration{10}},
        Expect{"", seconds{45}, {}, false},
        Send{std::string("A\0B", 3)},
        Expect{"", seconds{45}, {}, false},
        Send{"secret\r", true},
        Expect{"", seconds{45}, {}, false},
        Send{"\x04"},  // EOT: ^D and no return
        Expect{"", seconds{45}, {}, false},
        Send{"ABORT\r"},  // quoted: sent, not a keyword
    };
    EXPECT_EQ(s.ops, expected);
}

TEST(chat_script_parser, empty_send_is_a_bare_return) {
    Script s = parse_ok("OK ''");
    EXPECT_EQ(s.ops.back(), Op{Send{"\r"}});
}

TEST(chat_script_parser, timeout_applies_to_later_expects_only) {
    ParseOptions o;
    o.initial_timeout = seconds{20};
    auto r = parse_chat_script("'' AT OK ATE0 TIMEOUT 5 OK ATI OK", o);
    ASSERT_TRUE(r);
    std::vector<Duration> timeouts;
    for (const Op& op : r->ops)
        if (const auto* e = std::get_if<Expect>(&op)) timeouts.push_back(e->timeout);
    EXPECT_EQ(timeouts, (std::vector<Duration>{seconds{20}, seconds{20}, seconds{5}, seconds{5}}));
}

TEST(chat_script_parser, report_clear_and_ignored_keywords) {
    Script s = parse_ok("REPORT CONNECT ABORT BUSY CLR_ABORT BUSY CLR_REPORT CONNECT ECHO ON HANGUP OFF '' ATD*99#");
    const std::vector<Op> expected{
        AddReport{"CONNECT"},
        AddAbort{"BUSY"},
        ClearAbort{"BUSY"},
        ClearReport{"CONNECT"},
        Expect{"", seconds{45}, {}, false},
        Send{"ATD*99#\r"},
    };
    EXPECT_EQ(s.ops, expected);
}

TEST(chat_script_parser, errors_say_where_and_what_was_expected) {
    EXPECT_EQ(parse_error("ABORT 'NO CARRIER"),
              "1:7: unterminated quote: expected a closing ' before the end of the line (a quoted string cannot span "
              "lines)");
    EXPECT_EQ(parse_error("'' AT\nABORT"), "2:6: ABORT at the end of the script: expected its string");
    EXPECT_EQ(parse_error("TIMEOUT"), "1:8: TIMEOUT at the end of the script: expected its number of seconds");
    EXPECT_EQ(parse_error("'' AT OK ATE0 OK ABORT BUSY"),
              "1:18: ABORT stands where a send string belongs: the strings before it do not pair up as expect-send "
              "(add '' where nothing is to be expected, or quote the word to send it)");
    EXPECT_EQ(parse_error("TIMEOUT soon"), "1:9: TIMEOUT needs a whole number of seconds, at least 1; got \"soon\"");
    EXPECT_EQ(parse_error("TIMEOUT 0"), "1:9: TIMEOUT needs a whole number of seconds, at least 1; got \"0\"");
    EXPECT_EQ(parse_error("OK\\d ATZ"), "1:3: \\d is only allowed in a send string, not in an expect");
    EXPECT_EQ(parse_error("'' 'AT\\x'"),
              "1:7: unknown escape \\x: use \\b \\c \\d \\n \\N \\p \\q \\r \\s \\t \\\\ or \\ddd (octal)");
    EXPECT_EQ(parse_error("'' AT\\cX"), "1:6: \\c must be the last thing in a send string");
    EXPECT_EQ(parse_error("'' \\K"), "1:4: \\K (send a break) is not supported by ec20ppp");
    EXPECT_EQ(parse_error("'' BREAK"), "1:4: BREAK (send a break) is not supported by ec20ppp");
    EXPECT_EQ(parse_error("'' ATD\\T"), "1:7: \\T (chat -T/-U phone number) is not supported: write the number itself");
    EXPECT_EQ(parse_error("OK-AT ATE0"),
              "1:1: the expect \"OK-AT\" ends with a sub-send: a chain alternates expect-send-expect (e.g. OK-AT-OK)");
    EXPECT_EQ(parse_error("OK-AT\\d-OK ATE0"),
              "1:4: \\d and \\p are not supported in a sub-send (the part between dashes)");
    EXPECT_EQ(parse_error("'abc'def"), "1:6: expected a space after the closing ', found 'd'");
    EXPECT_EQ(parse_error("ECHO maybe"), "1:6: ECHO takes ON or OFF; got \"maybe\"");
    EXPECT_EQ(parse_error("'' AT\\"), "1:6: a lone backslash ends the string: write \\\\ for a backslash");
    EXPECT_EQ(parse_error("# only a comment\n\n"), "1:1: empty chat script: nothing to expect or send");
    EXPECT_EQ(parse_ok("'' 'A\\0'").ops.back(), Op{Send{std::string("A\0\r", 3)}});  // fine in a send
    EXPECT_EQ(parse_error("'\\0' x"), "1:2: \\0 (NUL) is only allowed in a send string, not in an expect");
}

}  // namespace
}  // namespace ec20ppp::chat
