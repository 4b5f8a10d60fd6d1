// What the modem says about itself, parsed from AT response lines. Pure: strings in, values out.
//
// Every parser takes one response line with its line ending already removed (the ChatEngine splits
// the byte stream into lines) and returns nullopt when the line is not the response it parses.
// Peer text never throws and never aborts: a malformed "+CSQ: x" is simply not a +CSQ line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ec20ppp::chat {

// ---- Result codes ------------------------------------------------------------------------------

// Verbose result codes (ITU-T V.250 §5.7.1, table 1) plus the extended error results that replace
// ERROR when +CMEE is enabled (3GPP TS 27.007 §9.2, TS 27.005 §3.2.5 for +CMS).
enum class ResultCode {
    None,        // not a result code: information text, an echo, or an unsolicited code
    Ok,          // OK
    Connect,     // CONNECT, or CONNECT <text> (V.250 §6.3.1: "CONNECT 150000000")
    Ring,        // RING: unsolicited, not final
    NoCarrier,   // NO CARRIER
    Error,       // ERROR
    NoDialtone,  // NO DIALTONE
    Busy,        // BUSY
    NoAnswer,    // NO ANSWER
    CmeError,    // +CME ERROR: <err>
    CmsError,    // +CMS ERROR: <err>
};

ResultCode classify_result(std::string_view line);
// A final result code ends the command line's response (V.250 §5.7.1); RING and None do not.
bool is_final(ResultCode code);
// ERROR, +CME ERROR or +CMS ERROR.
bool is_error(ResultCode code);

// ---- +CME ERROR (27.007 §9.2) ------------------------------------------------------------------

struct CmeError {
    std::optional<int> code;  // numeric form (+CMEE=1), or the code a verbose text stands for
    std::string text;         // verbose form (+CMEE=2) as received, or the table's text for `code`
    bool operator==(const CmeError&) const = default;
};
std::optional<CmeError> parse_cme_error(std::string_view line);
// The 27.007 §9.2.1/§9.2.2 text for a numeric <err>, or "" when the code is not in our table.
std::string_view cme_error_text(int code);

// ---- SIM: +CPIN (27.007 §8.3) -------------------------------------------------------------------

enum class SimStatus {
    Unknown,      // not asked yet
    Ready,        // +CPIN: READY
    PinRequired,  // +CPIN: SIM PIN, +CME ERROR: 11
    PukRequired,  // +CPIN: SIM PUK, +CME ERROR: 12
    NotInserted,  // +CME ERROR: 10, or Quectel's "+CPIN: NOT INSERTED" URC
    NotReady,     // Quectel's "+CPIN: NOT READY": still initialising after power-up
    Busy,         // +CME ERROR: 14
    Failure,      // +CME ERROR: 13 (SIM failure) or 15 (SIM wrong)
    Locked,       // PH-SIM PIN, PH-NET PIN, ...: the device or network personalisation lock
    Other,        // SIM PIN2/PUK2 and anything else we do not act on
};
std::string_view to_string(SimStatus status);

// "+CPIN: <code>"; also "+CME ERROR: 10..15" since those report the SIM's state too.
std::optional<SimStatus> parse_sim_status(std::string_view line);

// ---- Signal: +CSQ (27.007 §8.5) ----------------------------------------------------------------

struct SignalQuality {
    int rssi = 99;  // 0..31, 99 = not known or not detectable
    int ber = 99;   // 0..7 (RXQUAL), 99 = not known
    // §8.5: 0 is -113 dBm or less, 1 is -111 dBm, 2..30 step 2 dBm, 31 is -51 dBm or greater.
    std::optional<int> dbm() const;
    bool operator==(const SignalQuality&) const = default;
};
std::optional<SignalQuality> parse_csq(std::string_view line);

// ---- Operator: +COPS (27.007 §7.3) -------------------------------------------------------------

// <AcT> values of 27.007 §7.3 (shared by +CREG/+CGREG/+CEREG).
enum class AccessTechnology : int {
    Gsm = 0,
    GsmCompact = 1,
    Utran = 2,
    GsmEgprs = 3,
    UtranHsdpa = 4,
    UtranHsupa = 5,
    UtranHsdpaHsupa = 6,
    EUtran = 7,
    EcGsmIot = 8,
    EUtranNbS1 = 9,
    EUtra5gcn = 10,
    Nr5gcn = 11,
    NgRan = 12,
    EUtraNrDual = 13,
};
// "E-UTRAN", "UTRAN w/HSDPA and HSUPA", ...; "AcT <n>" for values beyond the table.
std::string to_string(AccessTechnology act);

struct Operator {
    int mode = 0;               // 0 automatic, 1 manual, 2 deregister, 3 set format, 4 manual/auto
    std::optional<int> format;  // 0 long alphanumeric, 1 short alphanumeric, 2 numeric
    std::string name;           // empty when the MT is not registered ("+COPS: 0")
    std::optional<AccessTechnology> act;
    bool operator==(const Operator&) const = default;
};
std::optional<Operator> parse_cops(std::string_view line);

// ---- Registration: +CREG (§7.2), +CGREG (§10.1.20), +CEREG (§10.1.22) ----------------------------

enum class RegStatus : int {
    NotRegistered = 0,  // not registered, not searching
    Home = 1,           // registered, home network
    Searching = 2,      // not registered, searching
    Denied = 3,         // registration denied
    Unknown = 4,        // e.g. out of coverage
    Roaming = 5,        // registered, roaming
};
// "registered (home)", "searching", ...; "status <n>" for values beyond the table.
std::string to_string(RegStatus status);
bool is_registered(RegStatus status);

struct Registration {
    enum class Domain { Cs, Ps, Eps };  // +CREG, +CGREG, +CEREG
    Domain domain = Domain::Ps;
    std::optional<int> n;  // the <n> setting: present in a read response, absent in a URC
    RegStatus status = RegStatus::NotRegistered;
    std::string area;  // <lac> or <tac>, hex, when the modem reports it (<n>=2)
    std::string cell;  // <ci>, hex
    std::optional<AccessTechnology> act;
    bool operator==(const Registration&) const = default;
};
// Parses both the read response "+CGREG: <n>,<stat>[,...]" and the URC "+CGREG: <stat>[,...]".
// They differ in their second field: <stat> is a bare number, a URC's <lac> is a quoted string.
std::optional<Registration> parse_registration(std::string_view line);
// "+CGREG: 0,1" as the modem would print the read response (used in messages and by the simulator).
std::string format_registration(const Registration& reg);

// ---- Everything together ----------------------------------------------------------------------

struct ModemInfo {
    std::string manufacturer;  // ATI, first line: "Quectel"
    std::string model;         // ATI, second line: "EC20F"
    std::string revision;      // ATI "Revision: EC20CEHDLGR06A05M1G"
    std::string subedition;    // Quectel AT+CSUB "SubEdition: V03"
    std::optional<SignalQuality> signal;
    SimStatus sim = SimStatus::Unknown;
    std::optional<Operator> network;
    std::optional<Registration> creg, cgreg, cereg;
    std::optional<CmeError> last_cme_error;

    // Packet-switched registration is what a data call needs: +CGREG (2G/3G) or +CEREG (LTE).
    bool registered() const;
    bool registration_denied() const;  // denied in one domain and registered in none
    // The most telling PS registration for messages: the registered one, else +CEREG, else +CGREG.
    const Registration* packet_registration() const;

    bool operator==(const ModemInfo&) const = default;
};

// One human line per known field, e.g. "signal: -51 dBm (CSQ 31,99)", for `ec20ppp info`.
std::vector<std::string> describe(const ModemInfo& info);

// Feeds response lines into a ModemInfo. Keeps the one piece of context line parsing needs: ATI
// answers with bare text lines (manufacturer, model, "Revision: ..."), recognisable only by the
// command they answer.
class InfoCollector {
public:
    // The command line just sent (with or without its trailing "\r").
    void on_command(std::string_view command_line);
    void on_line(std::string_view line);

    const ModemInfo& info() const { return info_; }
    ModemInfo& info() { return info_; }

private:
    ModemInfo info_;
    std::string command_;      // upper-cased, for recognising the echo
    bool in_ati_ = false;      // the current command line starts with the I command
    int ati_plain_lines_ = 0;  // bare lines seen so far in the ATI answer
};

// ---- Small text helpers shared with the script code ----------------------------------------

// One comma-separated field of an information response; quotes removed, spaces trimmed.
struct Field {
    std::string text;
    bool quoted = false;
};
// Splits "0,0,\"CHN-UNICOM\",7" into fields; commas inside quotes do not split (V.250 §5.4.2.2).
std::vector<Field> split_fields(std::string_view text);
// The parameters after "<prefix>" (e.g. "+CSQ:") with leading spaces removed, or nullopt.
std::optional<std::string_view> after_prefix(std::string_view line, std::string_view prefix);
std::optional<int> parse_int(std::string_view text);
std::string_view trim(std::string_view text);  // spaces, tabs, CR and LF at both ends
std::string to_upper(std::string_view text);   // ASCII only

}  // namespace ec20ppp::chat
