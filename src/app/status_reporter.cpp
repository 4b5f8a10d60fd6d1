#include "app/status_reporter.hpp"

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

namespace ec20ppp::app {

namespace {

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// pppd's exit statuses (app/exit_codes.hpp) in words, for a failure that logged no error.
std::string exit_text(int code) {
    switch (code) {
        case 1: return "fatal error";
        case 2: return "option error";
        case 3: return "not root";
        case 5: return "ended by a signal";
        case 6: return "the port is locked";
        case 7: return "the port could not be opened";
        case 8: return "the AT chat failed";
        case 10: return "PPP negotiation failed";
        case 11: return "the peer failed authentication";
        case 15: return "the peer stopped answering LCP echoes";
        case 16: return "the modem hung up or the network ended the call";
        case 17: return "the line is looped back";
        case 19: return "our credentials were refused";
        default: return "exit status " + std::to_string(code);
    }
}

struct Query {
    unsigned ifindex = 0;
    std::optional<InterfaceCounters> counters;
};

int on_attribute(const nlattr* attr, void* data) {
    auto* q = static_cast<Query*>(data);
    if (mnl_attr_get_type(attr) == IFLA_STATS64 && mnl_attr_get_payload_len(attr) >= sizeof(rtnl_link_stats64)) {
        rtnl_link_stats64 s{};
        std::memcpy(&s, mnl_attr_get_payload(attr), sizeof s);
        q->counters = InterfaceCounters{s.rx_bytes, s.tx_bytes, s.rx_packets, s.tx_packets};
    }
    return MNL_CB_OK;
}

int on_message(const nlmsghdr* msg, void* data) {
    auto* q = static_cast<Query*>(data);
    if (msg->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(msg) < sizeof(ifinfomsg)) return MNL_CB_OK;
    ifinfomsg ifi{};
    std::memcpy(&ifi, mnl_nlmsg_get_payload(msg), sizeof ifi);
    if (static_cast<unsigned>(ifi.ifi_index) != q->ifindex) return MNL_CB_OK;
    return mnl_attr_parse(msg, sizeof(ifinfomsg), on_attribute, data);
}

}  // namespace

std::optional<InterfaceCounters> read_interface_counters(unsigned ifindex) {
    if (ifindex == 0) return std::nullopt;
    mnl_socket* nl = mnl_socket_open(NETLINK_ROUTE);
    if (!nl) return std::nullopt;
    Query q;
    q.ifindex = ifindex;
    // Asked every few seconds at most: a socket per query keeps no state between them.
    timeval timeout{0, 500000};
    ::setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0) {
        std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
        nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
        nlh->nlmsg_type = RTM_GETLINK;
        nlh->nlmsg_flags = NLM_F_REQUEST;
        nlh->nlmsg_seq = static_cast<unsigned>(unix_now());
        auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = static_cast<int>(ifindex);
        const unsigned seq = nlh->nlmsg_seq, port = mnl_socket_get_portid(nl);
        if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0) {
            const ssize_t n = mnl_socket_recvfrom(nl, buf.data(), buf.size());
            if (n > 0) mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, port, on_message, &q);
        }
    }
    mnl_socket_close(nl);
    return q.counters;
}

std::string_view status_phase(link::Phase phase) {
    switch (phase) {
        case link::Phase::dead: return "dead";
        case link::Phase::establish: return "establish";
        case link::Phase::authenticate: return "authenticate";
        case link::Phase::network: return "network";
        case link::Phase::running: return "running";
        case link::Phase::terminate: return "terminate";
    }
    return "dead";
}

std::string status_name(const DialOptions& o) {
    if (!o.config_name.empty()) return o.config_name;
    if (o.ifname.find('%') == std::string::npos) return o.ifname;
    return std::filesystem::path(o.device).filename().string();
}

StatusReporter::StatusReporter(const DialOptions& o, const Logger& log)
    : log_(log), interval_(std::chrono::duration_cast<Duration>(o.status_interval)) {
    status_.name = status_name(o);
    status_.pid = ::getpid();
    status_.pid_start = process_start_time(status_.pid);
    status_.device = o.device;
    status_.apn = o.apn;
    status_.started = status_.phase_since = unix_now();
    errors_before_attempt_ = log.error_count();
    file_ = o.state_dir / (status_.name + ".json");
    metrics_ = o.metrics_file;
}

StatusReporter::~StatusReporter() {
    if (::unlink(file_.c_str()) != 0 && errno != ENOENT)
        log_.warning("could not remove the status file " + file_.string() + ": " + std::strerror(errno));
    if (metrics_ && status_.updated != 0) {
        // The series stays, saying down: an alert on ec20ppp_up == 0 needs it to exist.
        status_.phase = "stopped";
        status_.local.reset();
        try {
            write_file_atomically(*metrics_, status_to_metrics(status_, unix_now()), 0644);
        } catch (const std::exception& e) {
            log_.warning(std::string("metrics file: ") + e.what());
        }
    }
}

void StatusReporter::phase(std::string_view phase) {
    if (status_.phase == phase && status_.updated != 0) return;
    status_.phase = std::string(phase);
    status_.phase_since = unix_now();
    write();
}

void StatusReporter::modem(const chat::ModemInfo& info) {
    if (info.signal) status_.signal = info.signal;
    if (info.network) status_.network = info.network;
}

void StatusReporter::ip_up(const std::string& interface, unsigned ifindex, const link::Ipv4Up& up) {
    status_.interface = interface;
    ifindex_ = ifindex;
    status_.local = up.local;
    status_.remote = up.remote;
    status_.dns1 = up.dns1;
    status_.dns2 = up.dns2;
    status_.up_since = unix_now();
    status_.rx_bytes = status_.tx_bytes = status_.rx_packets = status_.tx_packets = 0;
    if (auto c = read_interface_counters(ifindex_)) {
        status_.rx_bytes = c->rx_bytes;
        status_.tx_bytes = c->tx_bytes;
        status_.rx_packets = c->rx_packets;
        status_.tx_packets = c->tx_packets;
    }
    status_.phase = "running";
    status_.phase_since = unix_now();
    write();
}

void StatusReporter::ip_down() {
    if (!status_.local) return;
    // The last counters of the connection, before its interface goes.
    if (auto c = read_interface_counters(ifindex_)) {
        status_.rx_bytes = c->rx_bytes;
        status_.tx_bytes = c->tx_bytes;
        status_.rx_packets = c->rx_packets;
        status_.tx_packets = c->tx_packets;
    }
    status_.local.reset();
    status_.remote.reset();
    status_.dns1.reset();
    status_.dns2.reset();
    status_.up_since.reset();
    status_.interface.clear();
    ifindex_ = 0;
    write();
}

void StatusReporter::traffic(TimePoint now) {
    if (!ifindex_ || now - last_write_ < interval_) return;
    auto c = read_interface_counters(ifindex_);
    if (!c) return;
    const InterfaceCounters before{status_.rx_bytes, status_.tx_bytes, status_.rx_packets, status_.tx_packets};
    if (*c == before) return;
    status_.rx_bytes = c->rx_bytes;
    status_.tx_bytes = c->tx_bytes;
    status_.rx_packets = c->rx_packets;
    status_.tx_packets = c->tx_packets;
    write();
}

void StatusReporter::attempt_ended(int exit_status, const std::string& last_error, unsigned next_attempt) {
    const bool logged = log_.error_count() != errors_before_attempt_ && !last_error.empty();
    errors_before_attempt_ = log_.error_count();
    if (exit_status != 0) status_.last_failure = Status::Failure{unix_now(), exit_status, logged ? last_error : exit_text(exit_status)};
    status_.reconnects = next_attempt > 0 ? next_attempt - 1 : 0;
}

void StatusReporter::write() {
    last_write_ = Clock::now();
    status_.updated = unix_now();
    try {
        // /run/ec20ppp is made by the undo records' StateDir when root; this is for other
        // --state-dir paths (its parent must exist).
        if (::mkdir(file_.parent_path().c_str(), 0755) != 0 && errno != EEXIST)
            throw std::runtime_error("cannot create " + file_.parent_path().string() + ": " + std::strerror(errno));
        write_file_atomically(file_, status_to_json(status_), 0644);
        if (metrics_) write_file_atomically(*metrics_, status_to_metrics(status_, status_.updated), 0644);
    } catch (const std::exception& e) {
        if (warned_) return;
        warned_ = true;
        // Without root, /run is not ours: that is expected for a trial run, not worth a warning.
        log_.log(::geteuid() == 0 ? LogLevel::warning : LogLevel::debug,
                 std::string("status file: ") + e.what() + " (choose a writable --state-dir)");
    }
}

}  // namespace ec20ppp::app
