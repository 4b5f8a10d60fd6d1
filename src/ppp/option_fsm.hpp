// The RFC 1661 §4 option-negotiation automaton, one implementation for every control protocol
// (LCP, IPCP, IPV6CP). A protocol supplies only an OptionHandler: how to build its request,
// how to react to the peer's Ack/Nak/Reject, and how to judge the peer's options.
//
// Sans-IO: every entry point takes `now` and appends what must happen to an FsmOutputs vector
// (packets to send, this-layer events, log lines). The automaton keeps its restart timer as a
// stored deadline; the caller asks next_timeout() and calls on_timeout() when it passes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/log.hpp"
#include "common/packet.hpp"
#include "common/time.hpp"
#include "ppp/control_packet.hpp"

namespace ec20ppp::ppp {

// RFC 1661 §4.2 states, in the RFC's numbering.
enum class FsmState : std::uint8_t {
    initial = 0,
    starting = 1,
    closed = 2,
    stopped = 3,
    closing = 4,
    stopping = 5,
    req_sent = 6,
    ack_rcvd = 7,
    ack_sent = 8,
    opened = 9,
};
std::string_view to_string(FsmState s);

// RFC 1661 §4.4 this-layer actions, delivered as events instead of callbacks so the caller never
// re-enters the automaton from inside it.
struct LayerUp {};        // tlu: the protocol is Opened
struct LayerDown {};      // tld: leaving Opened
struct LayerStarted {};   // tls: the lower layer is needed
struct LayerFinished {};  // tlf: the lower layer is no longer needed
// LCP's extra codes (RFC 1661 §5.7, §5.8), reported by the LCP handler.
struct ProtocolRejectReceived {
    std::uint16_t protocol = 0;
};
struct EchoReplyReceived {
    std::uint8_t id = 0;
    std::uint32_t magic = 0;
};

using FsmEvent = std::variant<SendPacket, LayerUp, LayerDown, LayerStarted, LayerFinished, LogLine,
                              ProtocolRejectReceived, EchoReplyReceived>;
using FsmOutputs = std::vector<FsmEvent>;

// The verdict on one option of the peer's Configure-Request. The order matters: the reply's code
// is the highest verdict of any option (RFC 1661 §5.2-5.4).
enum class Verdict : std::uint8_t { ack = 0, nak = 1, reject = 2 };

// RFC 1661 §4.6 counters and timer. Defaults are the RFC's suggested values.
struct FsmConfig {
    Duration restart_interval{3000};
    // RFC 1661 §4.6 implementation note: the Restart timer MAY begin at a small value and grow
    // (at least doubling) to restart_interval. For Configure-Requests sent before the peer has
    // been heard since Up, the first wait is this (capped at restart_interval), doubling on each
    // retransmission; every request or repeat sent after the peer has been heard waits
    // restart_interval (a wait already running is kept, so one early repeat remains possible:
    // it costs at most one renegotiation, while a request lost to a modem still switching to
    // data mode costs only this short wait). Equal to restart_interval (the default): a
    // constant timer, as in the RFC's main text.
    Duration initial_restart_interval{3000};
    // When the peer's first packet of a negotiation is its Configure-Request and ours has gone
    // unanswered for at least this long, ours was most likely lost (sent before the peer could
    // hear: a modem still switching to data mode), so it is sent again at once, ahead of the
    // reply, instead of at the next timeout. Zero (the default): never.
    Duration resend_request_on_peer_request{0};
    int max_terminate = 2;
    int max_configure = 10;
    int max_failure = 5;  // Configure-Naks sent before we reject instead (RFC 1661 §4.6)
    // Configure-Naks received before we treat a Nak like a Reject and stop asking for the
    // option: the peer's side of the same non-convergence (pppd does the same).
    int max_nak_received = 10;
    std::uint8_t first_id = 1;
    // Passive mode (RFC 1661 §4.1 note "p"): after the Configure-Request counter runs out, stay
    // in Stopped waiting for the peer instead of giving up.
    bool passive = false;
};

// What a control protocol supplies. Modelled on pppd's fsm_callbacks, minus globals: options are
// read and written through OptionReader/OptionWriter views.
class OptionHandler {
public:
    virtual ~OptionHandler() = default;
    virtual std::uint16_t protocol() const = 0;
    virtual std::string_view name() const = 0;  // "LCP", "IPCP", "IPV6CP"

    // Start of a negotiation (this-layer-started / irc at Open or Up): reset what we ask for.
    virtual void reset() = 0;
    // Our Configure-Request options.
    virtual void write_request(OptionWriter& out) = 0;
    // The peer acknowledged exactly what we asked (the automaton checked the bytes, RFC 1661 §5.2).
    virtual void on_ack(ByteView /*options*/) {}
    // The peer's Configure-Nak. Adjust what we will ask next; return false if the packet is
    // malformed or names values we cannot use (it is then dropped). With `treat_as_reject` the
    // negotiation did not converge: stop asking for the Nak'd options.
    virtual bool on_nak(ByteView options, bool treat_as_reject) = 0;
    // The peer's Configure-Reject: stop asking for those options. Return false if it rejects
    // options we did not send (RFC 1661 §5.4: then it is invalid and dropped).
    virtual bool on_reject(ByteView options) = 0;

    // The peer's Configure-Request is judged one option at a time. peer_request_begin() clears
    // what the handler noted from earlier requests.
    virtual void peer_request_begin() {}
    // Return ack, nak (after writing the value we would accept, as a whole option, to `nak`) or
    // reject. With `reject_if_disagree`, Max-Failure was reached: answer reject instead of nak.
    virtual Verdict on_peer_option(const OptionView& option, OptionWriter& nak,
                                   bool reject_if_disagree) = 0;
    // Whether a Nak of this option stays a Nak once Max-Failure is reached instead of becoming
    // a Reject (RFC 1661 §4.6). LCP's Magic-Number needs it: §6.4 requires a Nak for our own
    // number and loop-back detection depends on it (pppd exempts it the same way).
    virtual bool nak_after_max_failure(const OptionView& /*option*/) const { return false; }
    // After all options: options the peer omitted but we need from it may be appended to `nak`
    // (pppd does this for IPCP's address). Called only when no option was rejected.
    virtual void peer_request_end(OptionWriter& /*nak*/, bool /*reject_if_disagree*/) {}
    // We sent a Configure-Ack: the peer's options judged since peer_request_begin() now hold.
    virtual void peer_request_acked() {}

    // Codes beyond 1-7 (LCP's Protocol-Reject, Echo, Discard, ...). Return false for codes the
    // protocol does not know; the automaton then sends Code-Reject (RUC).
    virtual bool on_extra_code(std::uint8_t /*code*/, std::uint8_t /*id*/, ByteView /*data*/,
                               FsmState /*state*/, FsmOutputs& /*out*/) {
        return false;
    }

    // pppd's option text for logs, e.g. "asyncmap 0x0" (the automaton adds "<" ">").
    virtual std::string describe_option(const OptionView& option) const = 0;
    // The data of other codes for logs, starting with a space; by default the octets in hex.
    virtual std::string describe_extra_code(std::uint8_t code, ByteView data) const;
};

class OptionFsm {
public:
    explicit OptionFsm(OptionHandler& handler, FsmConfig config = {});

    FsmState state() const { return state_; }
    const FsmConfig& config() const { return config_; }
    OptionHandler& handler() const { return handler_; }

    // RFC 1661 §4.1 administrative and lower-layer events.
    void up(TimePoint now, FsmOutputs& out);
    void down(FsmOutputs& out);
    void open(TimePoint now, FsmOutputs& out);
    void close(std::string_view reason, TimePoint now, FsmOutputs& out);

    // A packet of this protocol from the peer (Code, Identifier, Length, Data).
    void input(ByteView packet, TimePoint now, FsmOutputs& out);
    // The peer sent LCP Protocol-Reject for this protocol: RXJ- (RFC 1661 §5.7).
    void protocol_rejected(TimePoint now, FsmOutputs& out);

    std::optional<TimePoint> next_timeout() const { return deadline_; }
    void on_timeout(TimePoint now, FsmOutputs& out);

    // A fresh Identifier for packets the protocol originates (e.g. LCP Echo-Request).
    std::uint8_t take_id() { return next_id_++; }

private:
    enum class Event : std::uint8_t { rcr_good, rcr_bad };

    void set_state(FsmState s) { state_ = s; }
    void init_restart_count(int count) { restart_count_ = count; }
    void zero_restart_count(TimePoint now);
    void send_configure_request(TimePoint now, bool retransmit, FsmOutputs& out);
    void send_terminate_request(TimePoint now, FsmOutputs& out);
    void send(Code code, std::uint8_t id, ByteView data, FsmOutputs& out);
    void this_layer_up(FsmOutputs& out);
    void this_layer_down(FsmOutputs& out);
    void this_layer_started(FsmOutputs& out);
    void this_layer_finished(FsmOutputs& out);
    void log(LogLevel level, std::string text, FsmOutputs& out) const;

    void receive_configure_request(std::uint8_t id, ByteView options, TimePoint now, FsmOutputs& out);
    void receive_configure_ack(std::uint8_t id, ByteView options, TimePoint now, FsmOutputs& out);
    void receive_configure_nak_or_reject(Code code, std::uint8_t id, ByteView options, TimePoint now,
                                         FsmOutputs& out);
    void receive_terminate_request(std::uint8_t id, ByteView data, TimePoint now, FsmOutputs& out);
    void receive_terminate_ack(TimePoint now, FsmOutputs& out);
    void receive_code_reject(ByteView data, TimePoint now, FsmOutputs& out);
    void receive_unknown_code(ByteView packet, FsmOutputs& out);
    // RXJ- (RFC 1661 §4.1 table row).
    void catastrophic_reject(TimePoint now, FsmOutputs& out);

    // Judges the peer's options; returns the reply code and fills `reply`.
    Code judge_request(ByteView options, Bytes& reply);

    OptionHandler& handler_;
    FsmConfig config_;
    FsmState state_ = FsmState::initial;
    int restart_count_ = 0;
    Duration request_interval_{};  // the Configure-Request wait now in force (§4.6 backoff)
    TimePoint request_sent_at_{};   // when our current Configure-Request first went out
    bool heard_from_peer_ = false;  // any valid packet from the peer since this negotiation began
    bool peer_heard_since_up_ = false;  // ... since the lower layer came up (short timers end)
    int naks_sent_ = 0;
    int naks_received_ = 0;
    std::optional<TimePoint> deadline_;
    std::uint8_t next_id_;
    std::uint8_t request_id_ = 0;    // Identifier of our outstanding Configure-Request
    bool request_answered_ = true;   // a reply for request_id_ was already processed
    Bytes last_request_;             // its options, to check a Configure-Ack (RFC 1661 §5.2)
    std::uint8_t terminate_id_ = 0;
    std::string terminate_reason_;
};

}  // namespace ec20ppp::ppp
