#include "chat/modem_info.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace ec20ppp::chat {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return upper(x) == upper(y); });
}

bool starts_with_word(std::string_view line, std::string_view word) {
    // "CONNECT" matches "CONNECT" and "CONNECT 150000000", not "CONNECTED".
    return line.starts_with(word) && (line.size() == word.size() || line[word.size()] == ' ');
}

// 27.007 §9.2.1 (general) and §9.2.2 (packet domain) <err> values that a dialer can meet.
constexpr std::pair<int, std::string_view> kCmeErrors[] = {
    {0, "phone failure"},
    {1, "no connection to phone"},
    {2, "phone-adaptor link reserved"},
    {3, "operation not allowed"},
    {4, "operation not supported"},
    {5, "PH-SIM PIN required"},
    {6, "PH-FSIM PIN required"},
    {7, "PH-FSIM PUK required"},
    {10, "SIM not inserted"},
    {11, "SIM PIN required"},
    {12, "SIM PUK required"},
    {13, "SIM failure"},
    {14, "SIM busy"},
    {15, "SIM wrong"},
    {16, "incorrect password"},
    {17, "SIM PIN2 required"},
    {18, "SIM PUK2 required"},
    {20, "memory full"},
    {21, "invalid index"},
    {22, "not found"},
    {23, "memory failure"},
    {24, "text string too long"},
    {25, "invalid characters in text string"},
    {26, "dial string too long"},
    {27, "invalid characters in dial string"},
    {30, "no network service"},
    {31, "network timeout"},
    {32, "network not allowed - emergency calls only"},
    {40, "network personalization PIN required"},
    {41, "network personalization PUK required"},
    {42, "network subset personalization PIN required"},
    {43, "network subset personalization PUK required"},
    {44, "service provider personalization PIN required"},
    {45, "service provider personalization PUK required"},
    {46, "corporate personalization PIN required"},
    {47, "corporate personalization PUK required"},
    {100, "unknown"},
    {103, "Illegal MS"},
    {106, "Illegal ME"},
    {107, "GPRS services not allowed"},
    {111, "PLMN not allowed"},
    {112, "Location area not allowed"},
    {113, "Roaming not allowed in this location area"},
    {132, "service option not supported"},
    {133, "requested service option not subscribed"},
    {134, "service option temporarily out of order"},
    {148, "unspecified GPRS error"},
    {149, "PDP authentication failure"},
};

std::optional<SimStatus> sim_status_from_cme(int code) {
    switch (code) {
        case 5:
        case 6:
        case 7: return SimStatus::Locked;
        case 10: return SimStatus::NotInserted;
        case 11: return SimStatus::PinRequired;
        case 12: return SimStatus::PukRequired;
        case 13:
        case 15: return SimStatus::Failure;
        case 14: return SimStatus::Busy;
        default: break;
    }
    if (code >= 40 && code <= 47) return SimStatus::Locked;
    return std::nullopt;
}

std::optional<AccessTechnology> parse_act(const Field& f) {
    auto v = parse_int(f.text);
    if (!v || *v < 0) return std::nullopt;
    return static_cast<AccessTechnology>(*v);
}

}  // namespace

// ---- text helpers ------------------------------------------------------------------------------

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), upper);
    return out;
}

std::optional<int> parse_int(std::string_view text) {
    text = trim(text);
    if (text.empty() || text.size() > 9) return std::nullopt;
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<std::string_view> after_prefix(std::string_view line, std::string_view prefix) {
    if (!line.starts_with(prefix)) return std::nullopt;
    return trim(line.substr(prefix.size()));
}

std::vector<Field> split_fields(std::string_view text) {
    std::vector<Field> fields;
    text = trim(text);
    if (text.empty()) return fields;
    std::size_t i = 0;
    while (true) {
        Field field;
        while (i < text.size() && is_space(text[i])) ++i;
        if (i < text.size() && text[i] == '"') {
            field.quoted = true;
            ++i;
            while (i < text.size() && text[i] != '"') field.text.push_back(text[i++]);
            if (i < text.size()) ++i;                       // closing quote
            while (i < text.size() && text[i] != ',') ++i;  // tolerate junk after the quote
        } else {
            std::size_t start = i;
            while (i < text.size() && text[i] != ',') ++i;
            field.text = std::string(trim(text.substr(start, i - start)));
        }
        fields.push_back(std::move(field));
        if (i >= text.size()) break;
        ++i;  // the comma
    }
    return fields;
}

// ---- result codes ------------------------------------------------------------------------------

ResultCode classify_result(std::string_view line) {
    line = trim(line);
    if (line == "OK") return ResultCode::Ok;
    if (starts_with_word(line, "CONNECT")) return ResultCode::Connect;
    if (line == "RING") return ResultCode::Ring;
    if (line == "NO CARRIER") return ResultCode::NoCarrier;
    if (line == "ERROR") return ResultCode::Error;
    // V.250 spells it NO DIALTONE; some modems print NO DIAL TONE.
    if (line == "NO DIALTONE" || line == "NO DIAL TONE") return ResultCode::NoDialtone;
    if (line == "BUSY") return ResultCode::Busy;
    if (line == "NO ANSWER") return ResultCode::NoAnswer;
    if (line.starts_with("+CME ERROR:")) return ResultCode::CmeError;
    if (line.starts_with("+CMS ERROR:")) return ResultCode::CmsError;
    return ResultCode::None;
}

bool is_final(ResultCode code) { return code != ResultCode::None && code != ResultCode::Ring; }

bool is_error(ResultCode code) {
    return code == ResultCode::Error || code == ResultCode::CmeError || code == ResultCode::CmsError;
}

std::string_view cme_error_text(int code) {
    for (const auto& [c, text] : kCmeErrors)
        if (c == code) return text;
    return {};
}

std::optional<CmeError> parse_cme_error(std::string_view line) {
    auto rest = after_prefix(trim(line), "+CME ERROR:");
    if (!rest) return std::nullopt;
    CmeError err;
    if (auto code = parse_int(*rest)) {
        err.code = code;
        err.text = std::string(cme_error_text(*code));
    } else {
        // Verbose form (+CMEE=2): map the text back to its number so callers can switch on it.
        err.text = std::string(*rest);
        for (const auto& [c, text] : kCmeErrors)
            if (iequals(text, *rest)) err.code = c;
    }
    return err;
}

// ---- SIM ---------------------------------------------------------------------------------------

std::string_view to_string(SimStatus status) {
    switch (status) {
        case SimStatus::Unknown: return "unknown";
        case SimStatus::Ready: return "ready";
        case SimStatus::PinRequired: return "PIN required";
        case SimStatus::PukRequired: return "PUK required";
        case SimStatus::NotInserted: return "not inserted";
        case SimStatus::NotReady: return "not ready";
        case SimStatus::Busy: return "busy";
        case SimStatus::Failure: return "failure";
        case SimStatus::Locked: return "locked to another network or device";
        case SimStatus::Other: return "other";
    }
    return "unknown";
}

std::optional<SimStatus> parse_sim_status(std::string_view line) {
    line = trim(line);
    if (auto err = parse_cme_error(line)) {
        if (!err->code) return std::nullopt;
        return sim_status_from_cme(*err->code);
    }
    auto rest = after_prefix(line, "+CPIN:");
    if (!rest) return std::nullopt;
    std::string_view code = *rest;
    if (code.size() >= 2 && code.front() == '"' && code.back() == '"') code = code.substr(1, code.size() - 2);
    if (code == "READY") return SimStatus::Ready;
    if (code == "SIM PIN") return SimStatus::PinRequired;
    if (code == "SIM PUK") return SimStatus::PukRequired;
    if (code == "NOT INSERTED") return SimStatus::NotInserted;  // Quectel URC on SIM removal
    if (code == "NOT READY") return SimStatus::NotReady;        // Quectel URC during SIM start-up
    if (code.starts_with("PH-")) return SimStatus::Locked;      // PH-SIM PIN, PH-NET PIN, ...
    return SimStatus::Other;                                    // SIM PIN2, SIM PUK2
}

// ---- signal ------------------------------------------------------------------------------------

std::optional<int> SignalQuality::dbm() const {
    if (rssi < 0 || rssi > 31) return std::nullopt;
    return -113 + 2 * rssi;
}

std::optional<SignalQuality> parse_csq(std::string_view line) {
    auto rest = after_prefix(trim(line), "+CSQ:");
    if (!rest) return std::nullopt;
    auto fields = split_fields(*rest);
    if (fields.size() != 2) return std::nullopt;
    auto rssi = parse_int(fields[0].text);
    auto ber = parse_int(fields[1].text);
    if (!rssi || !ber) return std::nullopt;
    return SignalQuality{*rssi, *ber};
}

// ---- operator ----------------------------------------------------------------------------------

std::string to_string(AccessTechnology act) {
    switch (act) {
        case AccessTechnology::Gsm: return "GSM";
        case AccessTechnology::GsmCompact: return "GSM Compact";
        case AccessTechnology::Utran: return "UTRAN";
        case AccessTechnology::GsmEgprs: return "GSM w/EGPRS";
        case AccessTechnology::UtranHsdpa: return "UTRAN w/HSDPA";
        case AccessTechnology::UtranHsupa: return "UTRAN w/HSUPA";
        case AccessTechnology::UtranHsdpaHsupa: return "UTRAN w/HSDPA and HSUPA";
        case AccessTechnology::EUtran: return "E-UTRAN";
        case AccessTechnology::EcGsmIot: return "EC-GSM-IoT";
        case AccessTechnology::EUtranNbS1: return "E-UTRAN (NB-S1)";
        case AccessTechnology::EUtra5gcn: return "E-UTRA connected to 5GCN";
        case AccessTechnology::Nr5gcn: return "NR connected to 5GCN";
        case AccessTechnology::NgRan: return "NG-RAN";
        case AccessTechnology::EUtraNrDual: return "E-UTRA-NR dual connectivity";
    }
    return "AcT " + std::to_string(static_cast<int>(act));
}

std::optional<Operator> parse_cops(std::string_view line) {
    auto rest = after_prefix(trim(line), "+COPS:");
    if (!rest) return std::nullopt;
    auto fields = split_fields(*rest);
    // "+COPS: (2,\"CHN-UNICOM\",...),,(0-4),(0-2)" is the test command's answer, not a read one.
    if (fields.empty() || rest->starts_with("(")) return std::nullopt;
    auto mode = parse_int(fields[0].text);
    if (!mode) return std::nullopt;
    Operator op;
    op.mode = *mode;
    if (fields.size() >= 2) op.format = parse_int(fields[1].text);
    if (fields.size() >= 3) op.name = fields[2].text;
    if (fields.size() >= 4) op.act = parse_act(fields[3]);
    return op;
}

// ---- registration ------------------------------------------------------------------------------

std::string to_string(RegStatus status) {
    switch (status) {
        case RegStatus::NotRegistered: return "not registered";
        case RegStatus::Home: return "registered (home)";
        case RegStatus::Searching: return "searching";
        case RegStatus::Denied: return "registration denied";
        case RegStatus::Unknown: return "unknown";
        case RegStatus::Roaming: return "registered (roaming)";
    }
    return "status " + std::to_string(static_cast<int>(status));
}

bool is_registered(RegStatus status) { return status == RegStatus::Home || status == RegStatus::Roaming; }

std::optional<Registration> parse_registration(std::string_view line) {
    line = trim(line);
    Registration reg;
    std::optional<std::string_view> rest;
    if ((rest = after_prefix(line, "+CREG:"))) {
        reg.domain = Registration::Domain::Cs;
    } else if ((rest = after_prefix(line, "+CGREG:"))) {
        reg.domain = Registration::Domain::Ps;
    } else if ((rest = after_prefix(line, "+CEREG:"))) {
        reg.domain = Registration::Domain::Eps;
    } else {
        return std::nullopt;
    }
    auto fields = split_fields(*rest);
    if (fields.empty() || rest->starts_with("(")) return std::nullopt;  // "=?" answer: "(0-2)"
    std::size_t next = 0;
    bool read_form = fields.size() >= 2 && !fields[1].quoted && parse_int(fields[1].text).has_value();
    if (read_form) {
        reg.n = parse_int(fields[0].text);
        if (!reg.n) return std::nullopt;
        next = 1;
    }
    auto stat = parse_int(fields[next].text);
    if (!stat || *stat < 0) return std::nullopt;
    reg.status = static_cast<RegStatus>(*stat);
    ++next;
    if (next < fields.size()) reg.area = fields[next].text;
    if (next + 1 < fields.size()) reg.cell = fields[next + 1].text;
    if (next + 2 < fields.size()) reg.act = parse_act(fields[next + 2]);
    return reg;
}

std::string format_registration(const Registration& reg) {
    std::string s;
    switch (reg.domain) {
        case Registration::Domain::Cs: s = "+CREG: "; break;
        case Registration::Domain::Ps: s = "+CGREG: "; break;
        case Registration::Domain::Eps: s = "+CEREG: "; break;
    }
    if (reg.n) s += std::to_string(*reg.n) + ",";
    s += std::to_string(static_cast<int>(reg.status));
    if (!reg.area.empty() || !reg.cell.empty()) {
        s += ",\"" + reg.area + "\",\"" + reg.cell + "\"";
        if (reg.act) s += "," + std::to_string(static_cast<int>(*reg.act));
    }
    return s;
}

// ---- ModemInfo ---------------------------------------------------------------------------------

bool ModemInfo::registered() const {
    return (cgreg && is_registered(cgreg->status)) || (cereg && is_registered(cereg->status));
}

bool ModemInfo::registration_denied() const {
    if (registered()) return false;
    return (cgreg && cgreg->status == RegStatus::Denied) || (cereg && cereg->status == RegStatus::Denied);
}

const Registration* ModemInfo::packet_registration() const {
    if (cereg && is_registered(cereg->status)) return &*cereg;
    if (cgreg && is_registered(cgreg->status)) return &*cgreg;
    if (cereg) return &*cereg;
    if (cgreg) return &*cgreg;
    return nullptr;
}

std::vector<std::string> describe(const ModemInfo& info) {
    std::vector<std::string> lines;
    if (!info.manufacturer.empty() || !info.model.empty()) {
        std::string s = "modem: " + info.manufacturer;
        if (!info.model.empty()) s += (info.manufacturer.empty() ? "" : " ") + info.model;
        lines.push_back(std::move(s));
    }
    if (!info.revision.empty()) lines.push_back("revision: " + info.revision);
    if (!info.subedition.empty()) lines.push_back("subedition: " + info.subedition);
    if (info.signal) {
        std::string s = "signal: ";
        if (auto dbm = info.signal->dbm()) {
            s += (info.signal->rssi == 0    ? "<= "
                  : info.signal->rssi == 31 ? ">= "
                                            : "") +
                 std::to_string(*dbm) + " dBm";
        } else {
            s += "unknown";
        }
        s += " (+CSQ: " + std::to_string(info.signal->rssi) + "," + std::to_string(info.signal->ber) + ")";
        lines.push_back(std::move(s));
    }
    if (info.sim != SimStatus::Unknown) lines.push_back("SIM: " + std::string(to_string(info.sim)));
    if (info.network) {
        if (info.network->name.empty()) {
            lines.push_back("operator: none");
        } else {
            std::string s = "operator: " + info.network->name;
            if (info.network->act) s += " (" + to_string(*info.network->act) + ")";
            lines.push_back(std::move(s));
        }
    }
    auto reg_line = [&](const char* label, const std::optional<Registration>& reg) {
        if (reg) lines.push_back(std::string(label) + to_string(reg->status) + " (" + format_registration(*reg) + ")");
    };
    reg_line("CS registration: ", info.creg);
    reg_line("GPRS registration: ", info.cgreg);
    reg_line("EPS registration: ", info.cereg);
    return lines;
}

// ---- InfoCollector -----------------------------------------------------------------------------

void InfoCollector::on_command(std::string_view command_line) {
    command_ = to_upper(trim(command_line));
    // The I command (V.250 §6.1.3) may carry a digit and be followed by more commands after ';'.
    in_ati_ = command_.starts_with("ATI") &&
              (command_.size() == 3 || command_[3] == ';' || (command_[3] >= '0' && command_[3] <= '9'));
    ati_plain_lines_ = 0;
}

void InfoCollector::on_line(std::string_view raw) {
    std::string_view line = trim(raw);
    if (line.empty()) return;
    if (iequals(line, command_)) return;  // the echo (E1, V.250 §6.2.4)

    ResultCode rc = classify_result(line);
    if (rc == ResultCode::CmeError) {
        info_.last_cme_error = parse_cme_error(line);
        if (auto sim = parse_sim_status(line)) info_.sim = *sim;
    }
    if (rc != ResultCode::None) {
        // A final result ends ATI's answer, unless it came before any of it: then it is the tail of
        // the previous command's answer (substring matching moves on right after "OK", before its S3).
        if (is_final(rc) && ati_plain_lines_ > 0) in_ati_ = false;
        return;
    }

    if (line.front() == '+') {
        // Once ATI's text has begun, a '+' line is the next command's answer; before that it is a
        // URC that slipped in ahead of the answer and must not end the ATI context.
        if (ati_plain_lines_ > 0) in_ati_ = false;
        if (auto csq = parse_csq(line)) {
            info_.signal = csq;
        } else if (auto sim = parse_sim_status(line)) {
            info_.sim = *sim;
        } else if (auto cops = parse_cops(line)) {
            info_.network = cops;
        } else if (auto reg = parse_registration(line)) {
            switch (reg->domain) {
                case Registration::Domain::Cs: info_.creg = reg; break;
                case Registration::Domain::Ps: info_.cgreg = reg; break;
                case Registration::Domain::Eps: info_.cereg = reg; break;
            }
        }
        return;
    }
    if (auto rev = after_prefix(line, "Revision:")) {
        info_.revision = std::string(*rev);
        in_ati_ = false;
        return;
    }
    if (auto sub = after_prefix(line, "SubEdition:")) {
        info_.subedition = std::string(*sub);
        in_ati_ = false;
        return;
    }
    // EC20 start-up URCs without a '+' (Quectel EC2x AT manual: "RDY" once the AT port is ready).
    if (line == "RDY" || line == "POWERED DOWN" || line == "NORMAL POWER DOWN") return;
    if (in_ati_) {
        if (ati_plain_lines_ == 0) info_.manufacturer = std::string(line);
        if (ati_plain_lines_ == 1) info_.model = std::string(line);
        ++ati_plain_lines_;
    }
}

}  // namespace ec20ppp::chat
