// Response-line parsers: 3GPP TS 27.007 information responses and V.250 result codes.
#include "chat/modem_info.hpp"

#include <gtest/gtest.h>

namespace ec20ppp::chat {
namespace {

TEST(chat_modem_info, V250_5_7_1_result_codes) {
    EXPECT_EQ(classify_result("OK"), ResultCode::Ok);
    EXPECT_EQ(classify_result("CONNECT"), ResultCode::Connect);
    EXPECT_EQ(classify_result("CONNECT 150000000"), ResultCode::Connect);
    EXPECT_EQ(classify_result("CONNECTED"), ResultCode::None);
    EXPECT_EQ(classify_result("NO CARRIER"), ResultCode::NoCarrier);
    EXPECT_EQ(classify_result("ERROR"), ResultCode::Error);
    EXPECT_EQ(classify_result("NO DIALTONE"), ResultCode::NoDialtone);
    EXPECT_EQ(classify_result("NO DIAL TONE"), ResultCode::NoDialtone);
    EXPECT_EQ(classify_result("BUSY"), ResultCode::Busy);
    EXPECT_EQ(classify_result("NO ANSWER"), ResultCode::NoAnswer);
    EXPECT_EQ(classify_result("+CME ERROR: 10"), ResultCode::CmeError);
    EXPECT_EQ(classify_result("+CMS ERROR: 500"), ResultCode::CmsError);
    EXPECT_EQ(classify_result("RING"), ResultCode::Ring);
    EXPECT_EQ(classify_result("+CSQ: 31,99"), ResultCode::None);
    EXPECT_EQ(classify_result("Quectel"), ResultCode::None);
    EXPECT_FALSE(is_final(ResultCode::Ring));  // RING is unsolicited
    EXPECT_FALSE(is_final(ResultCode::None));
    EXPECT_TRUE(is_final(ResultCode::Ok));
    EXPECT_TRUE(is_final(ResultCode::CmeError));
    EXPECT_TRUE(is_error(ResultCode::CmeError));
    EXPECT_FALSE(is_error(ResultCode::NoCarrier));
}

TEST(chat_modem_info, Ts27007_9_2_cme_error_numeric_and_verbose) {
    auto num = parse_cme_error("+CME ERROR: 10");
    ASSERT_TRUE(num);
    EXPECT_EQ(num->code, 10);
    EXPECT_EQ(num->text, "SIM not inserted");

    auto verbose = parse_cme_error("+CME ERROR: SIM PIN required");
    ASSERT_TRUE(verbose);
    EXPECT_EQ(verbose->code, 11);
    EXPECT_EQ(verbose->text, "SIM PIN required");

    auto unknown = parse_cme_error("+CME ERROR: 9999");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->code, 9999);
    EXPECT_EQ(unknown->text, "");

    EXPECT_FALSE(parse_cme_error("ERROR"));
    EXPECT_EQ(cme_error_text(30), "no network service");
    EXPECT_EQ(cme_error_text(133), "requested service option not subscribed");
}

TEST(chat_modem_info, Ts27007_8_3_cpin_codes) {
    EXPECT_EQ(parse_sim_status("+CPIN: READY"), SimStatus::Ready);
    EXPECT_EQ(parse_sim_status("+CPIN: SIM PIN"), SimStatus::PinRequired);
    EXPECT_EQ(parse_sim_status("+CPIN: SIM PUK"), SimStatus::PukRequired);
    EXPECT_EQ(parse_sim_status("+CPIN: PH-NET PIN"), SimStatus::Locked);
    EXPECT_EQ(parse_sim_status("+CPIN: SIM PIN2"), SimStatus::Other);
    EXPECT_EQ(parse_sim_status("+CPIN: NOT INSERTED"), SimStatus::NotInserted);
    EXPECT_EQ(parse_sim_status("+CPIN: NOT READY"), SimStatus::NotReady);
    EXPECT_EQ(parse_sim_status("+CME ERROR: 10"), SimStatus::NotInserted);  // "SIM not inserted"
    EXPECT_EQ(parse_sim_status("+CME ERROR: 11"), SimStatus::PinRequired);
    EXPECT_EQ(parse_sim_status("+CME ERROR: 12"), SimStatus::PukRequired);
    EXPECT_EQ(parse_sim_status("+CME ERROR: 13"), SimStatus::Failure);
    EXPECT_EQ(parse_sim_status("+CME ERROR: 14"), SimStatus::Busy);
    EXPECT_EQ(parse_sim_status("+CME ERROR: SIM not inserted"), SimStatus::NotInserted);
    EXPECT_EQ(parse_sim_status("+CME ERROR: 30"), std::nullopt);  // not about the SIM
    EXPECT_EQ(parse_sim_status("+CSQ: 31,99"), std::nullopt);
}

TEST(chat_modem_info, Ts27007_8_5_csq_rssi_to_dbm) {
    auto csq = parse_csq("+CSQ: 31,99");
    ASSERT_TRUE(csq);
    EXPECT_EQ(csq->rssi, 31);
    EXPECT_EQ(csq->ber, 99);
    EXPECT_EQ(csq->dbm(), -51);
    EXPECT_EQ((SignalQuality{0, 99}.dbm()), -113);
    EXPECT_EQ((SignalQuality{1, 99}.dbm()), -111);
    EXPECT_EQ((SignalQuality{15, 0}.dbm()), -83);
    EXPECT_EQ((SignalQuality{99, 99}.dbm()), std::nullopt);  // not known or not detectable
    EXPECT_EQ((SignalQuality{32, 99}.dbm()), std::nullopt);
    EXPECT_FALSE(parse_csq("+CSQ: 31"));
    EXPECT_FALSE(parse_csq("+CSQ: x,99"));
    EXPECT_FALSE(parse_csq("+CSQ: 31,99,1"));
    EXPECT_FALSE(parse_csq("+COPS: 0"));
}

TEST(chat_modem_info, Ts27007_7_3_cops_operator_and_act) {
    auto cops = parse_cops("+COPS: 0,0,\"CHN-UNICOM\",7");
    ASSERT_TRUE(cops);
    EXPECT_EQ(cops->mode, 0);
    EXPECT_EQ(cops->format, 0);
    EXPECT_EQ(cops->name, "CHN-UNICOM");
    EXPECT_EQ(cops->act, AccessTechnology::EUtran);
    EXPECT_EQ(to_string(*cops->act), "E-UTRAN");

    auto unregistered = parse_cops("+COPS: 0");
    ASSERT_TRUE(unregistered);
    EXPECT_EQ(unregistered->name, "");
    EXPECT_FALSE(unregistered->act);

    auto comma_in_name = parse_cops("+COPS: 1,0,\"A,B\",2");
    ASSERT_TRUE(comma_in_name);
    EXPECT_EQ(comma_in_name->name, "A,B");
    EXPECT_EQ(comma_in_name->act, AccessTechnology::Utran);

    EXPECT_FALSE(parse_cops("+COPS: (2,\"CHN-UNICOM\",\"UNICOM\",\"46001\",7),,(0-4),(0-2)"));

    EXPECT_EQ(to_string(AccessTechnology::Gsm), "GSM");
    EXPECT_EQ(to_string(AccessTechnology::GsmEgprs), "GSM w/EGPRS");
    EXPECT_EQ(to_string(AccessTechnology::UtranHsdpa), "UTRAN w/HSDPA");
    EXPECT_EQ(to_string(AccessTechnology::UtranHsupa), "UTRAN w/HSUPA");
    EXPECT_EQ(to_string(AccessTechnology::UtranHsdpaHsupa), "UTRAN w/HSDPA and HSUPA");
    EXPECT_EQ(to_string(static_cast<AccessTechnology>(42)), "AcT 42");
}

TEST(chat_modem_info, Ts27007_10_1_20_cgreg_read_response) {
    auto reg = parse_registration("+CGREG: 0,1");
    ASSERT_TRUE(reg);
    EXPECT_EQ(reg->domain, Registration::Domain::Ps);
    EXPECT_EQ(reg->n, 0);
    EXPECT_EQ(reg->status, RegStatus::Home);
    EXPECT_TRUE(is_registered(reg->status));
    EXPECT_EQ(format_registration(*reg), "+CGREG: 0,1");

    auto full = parse_registration("+CGREG: 2,5,\"1A2B\",\"01C2D3E4\",7");
    ASSERT_TRUE(full);
    EXPECT_EQ(full->n, 2);
    EXPECT_EQ(full->status, RegStatus::Roaming);
    EXPECT_EQ(full->area, "1A2B");
    EXPECT_EQ(full->cell, "01C2D3E4");
    EXPECT_EQ(full->act, AccessTechnology::EUtran);
    EXPECT_EQ(format_registration(*full), "+CGREG: 2,5,\"1A2B\",\"01C2D3E4\",7");

    for (auto [text, status] :
         {std::pair{"+CGREG: 0,0", RegStatus::NotRegistered}, std::pair{"+CGREG: 0,2", RegStatus::Searching},
          std::pair{"+CGREG: 0,3", RegStatus::Denied}, std::pair{"+CGREG: 0,4", RegStatus::Unknown}}) {
        auto r = parse_registration(text);
        ASSERT_TRUE(r) << text;
        EXPECT_EQ(r->status, status) << text;
        EXPECT_FALSE(is_registered(r->status)) << text;
    }
    EXPECT_EQ(to_string(RegStatus::Denied), "registration denied");
    EXPECT_EQ(to_string(static_cast<RegStatus>(8)), "status 8");
}

TEST(chat_modem_info, Ts27007_10_1_22_urc_forms_are_not_read_responses) {
    auto urc = parse_registration("+CEREG: 1");
    ASSERT_TRUE(urc);
    EXPECT_EQ(urc->domain, Registration::Domain::Eps);
    EXPECT_FALSE(urc->n);
    EXPECT_EQ(urc->status, RegStatus::Home);

    // <n>=2 URC: the second field is the quoted <tac>, not a <stat>.
    auto urc2 = parse_registration("+CEREG: 5,\"1A2B\",\"01C2D3E4\",7");
    ASSERT_TRUE(urc2);
    EXPECT_FALSE(urc2->n);
    EXPECT_EQ(urc2->status, RegStatus::Roaming);
    EXPECT_EQ(urc2->area, "1A2B");
    EXPECT_EQ(urc2->act, AccessTechnology::EUtran);

    auto creg = parse_registration("+CREG: 0,5");
    ASSERT_TRUE(creg);
    EXPECT_EQ(creg->domain, Registration::Domain::Cs);

    EXPECT_FALSE(parse_registration("+CGREG: (0-2)"));
    EXPECT_FALSE(parse_registration("+CGREG: x"));
    EXPECT_FALSE(parse_registration("+CGREG:"));
}

TEST(chat_modem_info, split_fields_respects_quotes_and_empty_fields) {
    auto f = split_fields("1,\"IP\",\"3gnet\",,0,0");
    ASSERT_EQ(f.size(), 6u);
    EXPECT_EQ(f[1].text, "IP");
    EXPECT_TRUE(f[1].quoted);
    EXPECT_EQ(f[3].text, "");
    EXPECT_FALSE(f[3].quoted);
    EXPECT_TRUE(split_fields("").empty());
    auto unterminated = split_fields("\"abc");
    ASSERT_EQ(unterminated.size(), 1u);
    EXPECT_EQ(unterminated[0].text, "abc");
}

// The real EC20 answer to ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2, line by line.
TEST(chat_modem_info, collector_on_the_real_transcript) {
    InfoCollector c;
    c.on_command("ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2\r");
    for (const char* line :
         {"ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2", "Quectel", "EC20F", "Revision: EC20CEHDLGR06A05M1G",
          "SubEdition: V03", "+CSQ: 31,99", "+CPIN: READY", "+COPS: 0,0,\"CHN-UNICOM\",7", "+CGREG: 0,1", "OK"})
        c.on_line(line);
    const ModemInfo& m = c.info();
    EXPECT_EQ(m.manufacturer, "Quectel");
    EXPECT_EQ(m.model, "EC20F");
    EXPECT_EQ(m.revision, "EC20CEHDLGR06A05M1G");
    EXPECT_EQ(m.subedition, "V03");
    EXPECT_EQ(m.signal, (SignalQuality{31, 99}));
    EXPECT_EQ(m.sim, SimStatus::Ready);
    ASSERT_TRUE(m.network);
    EXPECT_EQ(m.network->name, "CHN-UNICOM");
    ASSERT_TRUE(m.cgreg);
    EXPECT_EQ(m.cgreg->status, RegStatus::Home);
    EXPECT_TRUE(m.registered());

    auto lines = describe(m);
    std::vector<std::string> expected{"modem: Quectel EC20F",
                                      "revision: EC20CEHDLGR06A05M1G",
                                      "subedition: V03",
                                      "signal: >= -51 dBm (+CSQ: 31,99)",
                                      "SIM: ready",
                                      "operator: CHN-UNICOM (E-UTRAN)",
                                      "GPRS registration: registered (home) (+CGREG: 0,1)"};
    EXPECT_EQ(lines, expected);
}

TEST(chat_modem_info, collector_keeps_ati_context_across_an_early_urc_and_a_stale_ok) {
    InfoCollector c;
    c.on_command("ATI");
    // "OK": the previous answer's tail, seen after ATI went out when matching stopped at its "K".
    for (const char* line : {"OK", "+QIND: SMS DONE", "RING", "RDY", "Quectel", "EC20F", "Revision: R1", "OK"})
        c.on_line(line);
    EXPECT_EQ(c.info().manufacturer, "Quectel");
    EXPECT_EQ(c.info().model, "EC20F");
    EXPECT_EQ(c.info().revision, "R1");
}

TEST(chat_modem_info, collector_ignores_bare_lines_outside_ati) {
    InfoCollector c;
    c.on_command("AT+CSQ");
    c.on_line("Quectel");
    c.on_line("+CSQ: 10,0");
    EXPECT_EQ(c.info().manufacturer, "");
    EXPECT_EQ(c.info().signal, (SignalQuality{10, 0}));
}

TEST(chat_modem_info, registration_prefers_the_registered_domain) {
    ModemInfo m;
    m.cgreg = Registration{Registration::Domain::Ps, 0, RegStatus::Searching, {}, {}, {}};
    m.cereg = Registration{Registration::Domain::Eps, 0, RegStatus::Home, {}, {}, {}};
    EXPECT_TRUE(m.registered());  // LTE-only attach: +CEREG registered, +CGREG not
    EXPECT_FALSE(m.registration_denied());
    EXPECT_EQ(m.packet_registration()->domain, Registration::Domain::Eps);
    m.cereg->status = RegStatus::Denied;
    EXPECT_FALSE(m.registered());
    EXPECT_TRUE(m.registration_denied());
}

}  // namespace
}  // namespace ec20ppp::chat
