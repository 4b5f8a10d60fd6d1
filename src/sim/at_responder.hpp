// The simulated EC20's AT command side, sans-IO: the mirror image of chat::ChatEngine.
//
// Bytes from the host go in; the modem's replies, and "the port now carries PPP", come out. The
// behaviour follows ITU-T V.250 (command line syntax, echo, result code framing) and 3GPP TS 27.007
// (+CPIN, +CSQ, +COPS, +CREG/+CGREG/+CEREG, +CGDCONT, +CFUN, +CME ERROR), with the EC20's answers
// taken from a real transcript: ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2 gives
//   "\r\nQuectel\r\nEC20F\r\nRevision: EC20CEHDLGR06A05M1G\r\n\r\nSubEdition: V03\r\n"
//   "\r\n+CSQ: 31,99\r\n\r\n+CPIN: READY\r\n\r\n+COPS: 0,0,\"CHN-UNICOM\",7\r\n\r\n+CGREG: 0,1\r\n"
//   "\r\nOK\r\n".
// SimConfig selects the faults a dialer must survive: no SIM, PIN/PUK, no registration, NO CARRIER
// on dial, ERROR on AT+CGDCONT, a modem that is still booting.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/time.hpp"

namespace ec20ppp::sim {

enum class SimCard { Ready, Missing, PinRequired, PukRequired };

// The final result of ATD*99# once SIM and registration are fine.
enum class DialResult { Connect, NoCarrier, Busy, NoAnswer, NoDialtone, Error };

struct SimConfig {
    // Identity and radio, as ATI / AT+CSUB / AT+CSQ / AT+COPS? report them.
    std::string manufacturer = "Quectel";
    std::string model = "EC20F";
    std::string revision = "EC20CEHDLGR06A05M1G";
    std::string subedition = "V03";
    int rssi = 31;
    int ber = 99;
    std::string operator_name = "CHN-UNICOM";
    int access_technology = 7;  // E-UTRAN

    SimCard sim = SimCard::Ready;
    // Registration: the modem registers (home) once it has answered AT+CGREG? this many times with
    // `unregistered_stat` (2 searching, 3 denied, 0 idle); 0 means registered from the start,
    // nullopt never. +CEREG?, +CREG?, +COPS? and the dial always tell the current state.
    std::optional<int> unregistered_queries = 0;
    int unregistered_stat = 2;
    DialResult dial = DialResult::Connect;
    bool cgdcont_error = false;
    std::string connect_text = "CONNECT 150000000";

    // A modem still booting: this many command lines get neither echo nor answer.
    int ignore_first_lines = 0;
    bool echo = true;  // E1 is the power-up default (V.250 §6.2.4)
    int cmee = 1;      // +CMEE: 0 plain ERROR, 1 numeric +CME ERROR (the EC20's default), 2 verbose
    // Result framing: V.250 §5.7.1 sends <S3><S4>text<S3><S4>, "\r\n" by default. "\r" emulates a
    // modem with S4 cleared, so a dialer must cope with lone "\r".
    std::string eol = "\r\n";
    // The idle time required before and after "+++" (S12, 1 s by default).
    Duration escape_guard = std::chrono::seconds{1};
};

// ---- Events ------------------------------------------------------------------------------------

struct SendBytes {  // to the host
    Bytes bytes;
};
struct EnterDataMode {  // CONNECT sent: from now on the port carries PPP (the PPP side takes over)
    std::string connect;
};
struct DataFromHost {  // in data mode: bytes for the PPP peer
    Bytes bytes;
};
struct LeaveDataMode {};  // "+++" accepted: command mode again, the call stays up (ATO resumes)
struct CallEnded {};      // ATH, or hang_up(): the data call is gone
struct Log {              // "AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0 -> OK"
    std::string line;
};

using SimEvent = std::variant<SendBytes, EnterDataMode, DataFromHost, LeaveDataMode, CallEnded, Log>;
using SimOutputs = std::vector<SimEvent>;

struct PdpContext {
    int cid = 1;
    std::string type;  // "IP", "IPV6", "IPV4V6"
    std::string apn;
    bool operator==(const PdpContext&) const = default;
};

class AtResponder {
public:
    explicit AtResponder(SimConfig config = {});

    void feed(ByteView bytes, TimePoint now, SimOutputs& out);
    // The data path without a copy: true when `bytes` are, all of them, data for the PPP peer
    // (data mode, no "+++" escape held back or begun by them) — the caller passes them on
    // itself, exactly what feed() would have put in one DataFromHost. False, with nothing
    // consumed, when they need feed().
    bool pass_through(ByteView bytes, TimePoint now);
    std::optional<TimePoint> next_timeout() const;
    void on_timeout(TimePoint now, SimOutputs& out);

    // The EC20's start-up URCs: RDY, +CFUN: 1, +CPIN: ..., +QUSIM: 1, +QIND: SMS DONE.
    void power_on(SimOutputs& out);
    // An unsolicited result code ("RING", "+CGREG: 1", "+QIND: PB DONE"), framed like a response.
    void unsolicited(std::string_view text, SimOutputs& out);
    // The network or the PPP peer ended the call: NO CARRIER, back to command mode.
    void hang_up(SimOutputs& out);

    bool in_data_mode() const { return data_mode_; }
    bool call_active() const { return call_active_; }
    bool echo() const { return echo_; }
    // The APN of the context that ATD*99# uses (cid 1), "" until AT+CGDCONT set it.
    std::string apn() const;
    std::optional<PdpContext> context(int cid) const;
    // Every command line received, as typed (without the final "\r").
    const std::vector<std::string>& command_lines() const { return lines_; }
    int registration_queries() const { return cgreg_queries_; }  // AT+CGREG? reads so far

private:
    void command_byte(char c, TimePoint now, SimOutputs& out);
    void data_bytes(ByteView bytes, TimePoint now, SimOutputs& out);
    void execute(std::string_view line, TimePoint now, SimOutputs& out);
    // One command of the line. Information text goes to `reply`; the result is the final result
    // code that ends the line early (ERROR, +CME ERROR, CONNECT, ...) or nullopt to go on.
    std::optional<std::string> run_basic(std::string_view name, std::string_view arg, std::string& reply,
                                         SimOutputs& out);
    std::optional<std::string> run_extended(std::string_view name, std::string_view rest, std::string& reply);
    std::optional<std::string> dial(std::string_view number);
    std::string cme(int code) const;
    bool sim_ready() const { return sim_ == SimCard::Ready; }
    bool registered() const;
    int reg_stat() const;
    std::string frame(std::string_view text) const;
    void end_call(SimOutputs& out);
    // Output is queued so one feed() gives one SendBytes; flush() before any other event keeps
    // the order (the CONNECT bytes come before EnterDataMode).
    void flush(SimOutputs& out);

    SimConfig config_;
    SimCard sim_;
    bool echo_;
    int cmee_;
    int fun_ = 1;
    int cgreg_n_ = 0, cereg_n_ = 0, creg_n_ = 0;
    int cgreg_queries_ = 0;
    int unregistered_answers_ = 0;
    int ignore_lines_;
    std::vector<PdpContext> contexts_;
    std::vector<std::string> lines_;
    std::string line_;
    std::string pending_;

    bool call_active_ = false;
    bool data_mode_ = false;
    TimePoint last_rx_{};    // data mode: when the host last sent a byte
    int pluses_ = 0;         // "+" held back as a possible escape
    TimePoint plus_time_{};  // when the last of them came
};

}  // namespace ec20ppp::sim
