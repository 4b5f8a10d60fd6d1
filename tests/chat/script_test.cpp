// The built-in scripts (default dial, info), APN checks and chat -v text.
#include "chat/script.hpp"

#include <gtest/gtest.h>

namespace ec20ppp::chat {
namespace {

using std::chrono::seconds;

std::vector<std::string> sends(const Script& s) {
    std::vector<std::string> out;
    for (const Op& op : s.ops)
        if (const auto* send = std::get_if<Send>(&op)) out.push_back(send->text);
    return out;
}

TEST(chat_default_script, is_quectel_pppd_sh_with_checks_and_registration_wait) {
    auto script = build_default_script("3gnet", PdpType::Ip);
    ASSERT_TRUE(script) << script.error().to_string();
    const Script& s = script.value();
    EXPECT_EQ(s.matching, Matching::ResultLine);
    EXPECT_TRUE(s.modem_checks);

    const DialOptions d;
    Expect first{"OK", d.at_attempt_timeout, {}, false};
    for (int i = 1; i < d.at_attempts; ++i) first.retries.push_back(Retry{"AT\r", "OK"});
    const Expect ok{"OK", seconds{30}, {}, false};
    const std::vector<Op> expected{
        AddAbort{"BUSY"},
        AddAbort{"NO CARRIER"},
        AddAbort{"NO DIALTONE"},
        AddAbort{"ERROR"},
        AddAbort{"NO ANSWER"},
        Send{"AT\r"},
        first,
        Send{"ATE0\r"},
        ok,
        Send{"ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2\r"},
        ok,
        AwaitRegistration{seconds{60}, seconds{3}, seconds{30}},
        Send{"AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0\r"},
        ok,
        Send{"ATD*99#\r"},
        Expect{"CONNECT", seconds{30}, {}, false},
    };
    EXPECT_EQ(s.ops, expected);
}

TEST(chat_default_script, pdp_types_and_options) {
    DialOptions o;
    o.apn = "internet.t-mobile";
    o.pdp = PdpType::Ipv4v6;
    o.step_timeout = seconds{10};
    o.registration_timeout = seconds{120};
    auto s = build_default_script(o);
    ASSERT_TRUE(s);
    EXPECT_EQ(sends(s.value())[3], "AT+CGDCONT=1,\"IPV4V6\",\"internet.t-mobile\",,0,0\r");
    EXPECT_EQ(std::get<AwaitRegistration>(s->ops[11]).limit, seconds{120});
    EXPECT_EQ(std::get<Expect>(s->ops.back()).timeout, seconds{10});

    auto v6 = build_default_script("ims", PdpType::Ipv6);
    ASSERT_TRUE(v6);
    EXPECT_EQ(sends(v6.value())[3], "AT+CGDCONT=1,\"IPV6\",\"ims\",,0,0\r");

    o.at_attempts = 0;
    auto bad = build_default_script(o);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().to_string(), "at_attempts must be at least 1");
}

TEST(chat_default_script, Ts23003_9_1_apn_checks) {
    EXPECT_EQ(check_apn("3gnet"), std::nullopt);
    EXPECT_EQ(check_apn(""), std::nullopt);  // empty: the network's default APN
    EXPECT_EQ(check_apn(std::string(99, 'a')), std::nullopt);
    EXPECT_EQ(check_apn(std::string(100, 'a')),
              "invalid APN \"" + std::string(100, 'a') + "\": 100 characters, the limit is 99");
    EXPECT_EQ(check_apn("a\"b"),
              "invalid APN \"a\"b\": quotes are not allowed (the APN is sent inside quotes in AT+CGDCONT)");
    EXPECT_NE(check_apn("a,b")->find("commas are not allowed"), std::string::npos);
    EXPECT_EQ(check_apn("a\rb"), "invalid APN \"a^Mb\": control characters are not allowed");
    EXPECT_NE(check_apn("a\\22b")->find("backslashes"), std::string::npos);
    EXPECT_NE(check_apn("caf\xc3\xa9")->find("only ASCII"), std::string::npos);

    auto s = build_default_script("bad,apn", PdpType::Ip);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().line, 0u);
    EXPECT_EQ(s.error().to_string().rfind("invalid APN \"bad,apn\": commas", 0), 0u);
}

TEST(chat_default_script, pdp_type_names) {
    EXPECT_EQ(parse_pdp_type("ip").value(), PdpType::Ip);
    EXPECT_EQ(parse_pdp_type("IPv6").value(), PdpType::Ipv6);
    EXPECT_EQ(parse_pdp_type("ipv4v6").value(), PdpType::Ipv4v6);
    auto bad = parse_pdp_type("PPP");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "unknown PDP type \"PPP\": use IP, IPV6 or IPV4V6");
    EXPECT_EQ(to_string(PdpType::Ipv4v6), "IPV4V6");
}

TEST(chat_default_script, info_script_asks_one_thing_per_line_and_never_aborts) {
    Script s = build_info_script();
    EXPECT_EQ(sends(s), (std::vector<std::string>{"AT\r", "ATE0\r", "ATI\r", "AT+CSUB\r", "AT+CSQ\r", "AT+CPIN?\r",
                                                  "AT+COPS?\r", "AT+CGREG?\r", "AT+CEREG?\r"}));
    for (const Op& op : s.ops) {
        EXPECT_FALSE(std::holds_alternative<AddAbort>(op));
        if (const auto* e = std::get_if<Expect>(&op); e && e->retries.empty()) {
            EXPECT_TRUE(e->accept_error);
        }
    }
    EXPECT_FALSE(s.modem_checks);

    InfoOptions bad;
    bad.step_timeout = Duration::zero();
    bad.at_attempts = 0;
    EXPECT_EQ(build_info_script(bad), build_info_script());  // the defaults instead
}

TEST(chat_default_script, chat_visible_is_chat_c_character) {
    EXPECT_EQ(chat_visible("AT\r"), "AT^M");
    EXPECT_EQ(chat_visible("\r\nOK"), "^M^JOK");
    EXPECT_EQ(chat_visible(std::string("\0\x7f", 2)), "^@^?");
    EXPECT_EQ(chat_visible("\x81"), "M-^A");
    EXPECT_EQ(chat_visible("\xc1"), "M-A");
}

TEST(chat_default_script, describe_chat_line_is_chat_v) {
    EXPECT_EQ(describe_chat_line(Send{"AT\r"}), "send (AT^M)");
    EXPECT_EQ(describe_chat_line(Send{"secret\r", true}), "send (" + std::string(6, '?') + ")");
    EXPECT_EQ(describe_chat_line(Expect{"OK"}), "expect (OK)");
    EXPECT_EQ(describe_chat_line(AddAbort{"NO CARRIER"}), "abort on (NO CARRIER)");
    EXPECT_EQ(describe_chat_line(ClearAbort{"BUSY"}), "clear abort on (BUSY)");
    EXPECT_EQ(describe_chat_line(AddReport{"CONNECT"}), "report (CONNECT)");
    EXPECT_EQ(describe_chat_line(Pause{Duration{10}}), "pause (10 ms)");
    EXPECT_EQ(describe_chat_line(AwaitRegistration{}), "wait for registration (up to 60 s, asking every 3 s)");
}

}  // namespace
}  // namespace ec20ppp::chat
