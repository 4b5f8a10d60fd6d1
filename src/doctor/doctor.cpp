#include "doctor/doctor.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <system_error>

namespace ec20ppp::doctor {

namespace fs = std::filesystem;

const char* to_string(Severity s) {
    switch (s) {
        case Severity::fail: return "FAIL";
        case Severity::warn: return "WARN";
        case Severity::info: return "INFO";
        case Severity::ok: return "OK";
    }
    return "?";
}

namespace {

// Root-cause order of the checks (within a severity).
enum Rank : int {
    rank_modem = 0,
    rank_usb_mode = 10,
    rank_binding = 20,
    rank_modules = 30,
    rank_nodes = 40,
    rank_stuck = 50,
    rank_holders = 60,
    rank_route = 70,
    rank_kernel = 80,
    rank_ports = 90,
};

std::optional<std::string> read_line(const fs::path& p) {
    std::ifstream in(p);
    if (!in) return std::nullopt;
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) line.pop_back();
    return line;
}

std::string read_or(const fs::path& p, std::string fallback = {}) { return read_line(p).value_or(std::move(fallback)); }

int to_int(const std::string& s, int base = 10, int fallback = -1) {
    int v = 0;
    const char* begin = s.data() + std::min(s.find_first_not_of(' '), s.size());  // sysfs pads bNumInterfaces
    auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v, base);
    return ec == std::errc{} && ptr != begin ? v : fallback;
}

std::string link_basename(const fs::path& p) {
    std::error_code ec;
    fs::path target = fs::read_symlink(p, ec);
    return ec ? std::string{} : target.filename().string();
}

std::vector<fs::path> entries(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path());
    std::sort(out.begin(), out.end());
    return out;
}

bool present(const fs::path& p) {
    std::error_code ec;
    return fs::exists(fs::symlink_status(p, ec));
}

// Children of an interface directory named like a tty, cdc-wdm node or net device, wherever
// the kernel put them (directly, or under tty/, usbmisc/, net/).
void find_nodes(const fs::path& dir, UsbInterface& intf) {
    for (const auto& e : entries(dir)) {
        std::string name = e.filename().string();
        if (name.starts_with("ttyUSB") || name.starts_with("ttyACM")) {
            if (std::find(intf.ttys.begin(), intf.ttys.end(), name) == intf.ttys.end()) intf.ttys.push_back(name);
        } else if (name == "tty" || name == "usbmisc" || name == "net") {
            for (const auto& c : entries(e)) {
                std::string child = c.filename().string();
                if (name == "tty") intf.ttys.push_back(child);
                else if (name == "usbmisc") intf.cdc_wdm = child;
                else intf.net = child;
            }
        }
    }
}

struct Context {
    fs::path root;
    Report& report;
    void add(Severity s, int rank, std::string id, std::string summary, std::string remedy = {}, std::string evidence = {}) {
        report.findings.push_back({s, rank, std::move(id), std::move(summary), std::move(remedy), std::move(evidence)});
    }
    fs::path at(const std::string& abs) const { return root / fs::path(abs).relative_path(); }
    bool module_loaded(const std::string& name) const { return present(at("/sys/module/" + name)); }
};

std::string hex4(std::uint16_t v) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", v);
    return buf;
}

std::string id_of(const Modem& m) { return hex4(m.vendor) + ":" + hex4(m.product); }

std::vector<Modem> find_modems(Context& ctx) {
    std::vector<Modem> modems;
    fs::path devices = ctx.at("/sys/bus/usb/devices");
    auto all = entries(devices);
    for (const auto& dev : all) {
        std::string name = dev.filename().string();
        if (name.find(':') != std::string::npos) continue;
        int vendor = to_int(read_or(dev / "idVendor"), 16);
        int product = to_int(read_or(dev / "idProduct"), 16);
        if (vendor < 0 || product < 0) continue;
        Modem m;
        m.vendor = static_cast<std::uint16_t>(vendor);
        m.product = static_cast<std::uint16_t>(product);
        m.model = quectel_model(m.vendor, m.product);
        if (m.model.empty()) continue;
        m.sysfs_name = name;
        m.num_interfaces = to_int(read_or(dev / "bNumInterfaces"), 10, 0);
        m.speed = read_or(dev / "speed");
        m.power_control = read_or(dev / "power" / "control");
        for (const auto& i : all) {
            std::string iname = i.filename().string();
            if (!iname.starts_with(name + ":")) continue;
            UsbInterface intf;
            intf.number = to_int(read_or(i / "bInterfaceNumber"), 16);
            intf.klass = read_or(i / "bInterfaceClass");
            intf.subclass = read_or(i / "bInterfaceSubClass");
            intf.protocol = read_or(i / "bInterfaceProtocol");
            intf.endpoints = to_int(read_or(i / "bNumEndpoints"), 16, 0);
            intf.driver = link_basename(i / "driver");
            find_nodes(i, intf);
            m.interfaces.push_back(std::move(intf));
        }
        std::sort(m.interfaces.begin(), m.interfaces.end(),
                  [](const UsbInterface& a, const UsbInterface& b) { return a.number < b.number; });
        modems.push_back(std::move(m));
    }
    return modems;
}

const UsbInterface* interface(const Modem& m, int number) {
    for (const auto& i : m.interfaces)
        if (i.number == number) return &i;
    return nullptr;
}

bool is_qmi_driver(const std::string& d) { return d == "qmi_wwan" || d == "qmi_wwan_q"; }

// The EC20-class interface map (EC20/EC25/EC21/EG91/EG95): 0 DM, 1 NMEA, 2 AT, 3 modem, 4 QMI.
bool ec2x_layout(const Modem& m) {
    return m.vendor == 0x2c7c && (m.product == 0x0125 || m.product == 0x0121 || m.product == 0x0191 || m.product == 0x0195);
}

void check_modem(Context& ctx, const std::vector<Modem>& modems) {
    if (modems.empty()) {
        ctx.add(Severity::fail, rank_modem, "modem.missing", "no Quectel modem is on USB (looked for vendor 2c7c and 05c6:9215)",
                "check that the modem is powered and its USB cable or Mini PCIe slot is seated; `lsusb` should list 2c7c:0125 for an "
                "EC20; on boards, the modem's power and reset GPIOs may need to be driven",
                "/sys/bus/usb/devices");
        return;
    }
    if (modems.size() > 1)
        ctx.add(Severity::warn, rank_modem, "modem.several",
                std::to_string(modems.size()) + " Quectel modems are attached: the udev names /dev/ec20-* point at the last one plugged in",
                "pass --device with the /dev/serial/by-path/... name of the one you mean");
    for (const auto& m : modems) {
        std::string where = "/sys/bus/usb/devices/" + m.sysfs_name;
        ctx.add(Severity::ok, rank_modem, "modem.present",
                "modem " + m.model + " (" + id_of(m) + ") at USB " + m.sysfs_name + ", " + std::to_string(m.num_interfaces) +
                    " interfaces" + (m.speed.empty() ? "" : ", " + m.speed + " Mbit/s"),
                {}, where);
        if (m.power_control == "auto")
            ctx.add(Severity::warn, rank_usb_mode, "usb.autosuspend",
                    "USB autosuspend is on for the modem (power/control = auto): hosts with broken remote wakeup stop polling it "
                    "and QMI goes silent",
                    "echo on > " + where + "/power/control, or install drivers/qmi/udev/99-ec20ppp.rules", where + "/power/control");
        if (!ec2x_layout(m)) continue;
        const UsbInterface* qmi = interface(m, 4);
        if (qmi && qmi->klass != "ff") {
            std::string mode = qmi->klass == "02" && qmi->subclass == "0e"   ? "MBIM (usbnet 2)"
                               : qmi->klass == "02" && qmi->subclass == "06" ? "ECM (usbnet 1)"
                               : qmi->klass == "e0"                          ? "RNDIS (usbnet 3)"
                                                                             : "class " + qmi->klass;
            ctx.add(Severity::fail, rank_usb_mode, "usb.mode",
                    "interface 4 is in " + mode + " mode, not QMI: qmi_wwan_q logs \"Quectel module not qmi_wwan mode!\" and no "
                    "driver gives /dev/cdc-wdm0",
                    "on the AT port send AT+QCFG=\"usbnet\",0 then AT+CFUN=1,1 (the PPP path works in every mode)",
                    where + ":1.4/bInterfaceClass");
        }
        if (m.num_interfaces > 0 && m.num_interfaces < 5 && !qmi)
            ctx.add(Severity::warn, rank_usb_mode, "usb.composition",
                    "the modem shows " + std::to_string(m.num_interfaces) + " interfaces, not the EC20's 5 (DM, NMEA, AT, modem, QMI)",
                    "check AT+QCFG=\"usbnet\" and the USB composition (AT+QCFG=\"usbcfg\")", where + "/bNumInterfaces");
    }
}

void check_binding(Context& ctx, const std::vector<Modem>& modems) {
    std::vector<std::string> qmi_modules;
    for (const char* d : {"qmi_wwan", "qmi_wwan_q", "GobiNet"})
        if (ctx.module_loaded(d)) qmi_modules.emplace_back(d);
    for (const auto& m : modems) {
        if (!ec2x_layout(m)) continue;
        std::string base = "/sys/bus/usb/devices/" + m.sysfs_name + ":1.";
        for (int n = 0; n <= 3; ++n) {
            const UsbInterface* i = interface(m, n);
            if (!i) continue;
            bool needed = n == 2 || n == 3;
            if (i->driver.empty())
                ctx.add(needed ? Severity::fail : Severity::warn, rank_binding, "binding.serial",
                        "interface " + std::to_string(n) + " (" + interface_role(n) + ") has no driver, so it has no ttyUSB",
                        "modprobe option (CONFIG_USB_SERIAL_OPTION); kernels older than the EC20 need its id added: echo 2c7c 0125 > "
                        "/sys/bus/usb-serial/drivers/option1/new_id",
                        base + std::to_string(n) + "/driver");
        }
        const UsbInterface* qmi = interface(m, 4);
        if (!qmi || qmi->klass != "ff") continue;
        std::string where = base + "4";
        if (qmi->driver == "option" || qmi->driver == "usbserial_generic" || qmi->driver == "qcserial") {
            ctx.add(Severity::fail, rank_binding, "binding.option_on_qmi",
                    qmi->driver + " has taken interface 4 (the QMI interface) as a serial port, so no QMI driver can bind it and "
                                  "there is no /dev/cdc-wdm0",
                    "use a kernel whose option driver reserves interface 4 of 2c7c:0125 (mainline does), or unbind it: echo " +
                        m.sysfs_name + ":1.4 > /sys/bus/usb/drivers/" + qmi->driver + "/unbind, then modprobe qmi_wwan (or qmi_wwan_q)",
                    where + "/driver");
        } else if (qmi->driver.empty()) {
            ctx.add(Severity::warn, rank_binding, "binding.qmi_unbound",
                    "interface 4 (QMI) has no driver: fine for the PPP path, but the QMI path needs qmi_wwan or qmi_wwan_q",
                    "modprobe qmi_wwan (mainline, enough on Linux >= 4.9), or build Quectel's: make -C drivers/qmi", where + "/driver");
        } else {
            ctx.add(Severity::ok, rank_binding, "binding.qmi", "interface 4 (QMI) is driven by " + qmi->driver, {}, where + "/driver");
        }
        // Two QMI drivers loaded: whichever probes first keeps interface 4, the other may win after a replug.
        std::vector<std::string> others;
        for (const auto& d : qmi_modules)
            if (d != qmi->driver) others.push_back(d);
        if (!others.empty() && (is_qmi_driver(qmi->driver) || qmi->driver == "GobiNet" || others.size() > 1)) {
            std::string list;
            for (const auto& o : others) list += (list.empty() ? "" : " and ") + o;
            std::string keep = qmi->driver.empty() ? "one" : qmi->driver;
            ctx.add(Severity::fail, rank_binding, "binding.conflict",
                    list + (others.size() > 1 ? " are" : " is") + " loaded besides " + keep +
                        ": drivers for interface 4 fight over it (GobiNet, qmi_wwan and qmi_wwan_q exclude each other)",
                    "keep one: rmmod " + others.front() + " and blacklist it (drivers/qmi/modprobe.d/ec20ppp-qmi.conf); a driver "
                                                          "built into the kernel needs a kernel without it",
                    "/sys/module/" + others.front());
        }
        if (qmi->driver == "GobiNet")
            ctx.add(Severity::info, rank_binding, "binding.gobinet",
                    "GobiNet drives interface 4: its node is /dev/qcqmi0 and quectel-CM uses it; qmicli, uqmi and the QMI path of "
                    "this project need qmi_wwan(_q) and /dev/cdc-wdm0 instead",
                    {}, where + "/driver");
    }
}

void check_nodes(Context& ctx, const std::vector<Modem>& modems) {
    bool cdc_wdm = ctx.module_loaded("cdc_wdm");
    for (const auto& m : modems) {
        if (!ec2x_layout(m)) continue;
        const UsbInterface* qmi = interface(m, 4);
        if (!qmi || !is_qmi_driver(qmi->driver)) continue;
        std::string where = "/sys/bus/usb/devices/" + m.sysfs_name + ":1.4";
        if (qmi->cdc_wdm.empty()) {
            ctx.add(Severity::fail, rank_modules, "nodes.no_cdc_wdm",
                    qmi->driver + " is bound to interface 4 but made no cdc-wdm node" +
                        (cdc_wdm ? std::string{} : std::string{" and cdc-wdm is not loaded"}),
                    "modprobe cdc-wdm and rebind; if the kernel has none, build it with the driver: make -C drivers/qmi CDC_WDM=y",
                    where + "/usbmisc");
        } else if (!present(ctx.at("/dev/" + qmi->cdc_wdm))) {
            ctx.add(Severity::fail, rank_nodes, "nodes.cdc_wdm_missing",
                    "the kernel made " + qmi->cdc_wdm + " but /dev/" + qmi->cdc_wdm + " does not exist",
                    "start udev or mdev (or: mknod /dev/" + qmi->cdc_wdm + " c 180 " + qmi->cdc_wdm.substr(7) + ")", "/dev/" + qmi->cdc_wdm);
        } else {
            ctx.add(Severity::ok, rank_nodes, "nodes.cdc_wdm",
                    "/dev/" + qmi->cdc_wdm + " is the QMI control channel" + (qmi->net.empty() ? "" : ", " + qmi->net + " its network interface"),
                    {}, "/dev/" + qmi->cdc_wdm);
        }
    }
    // Interface 4 unbound and no cdc-wdm at all: the field notes' board.
    bool any_qmi_bound = false, any_modem = false;
    for (const auto& m : modems)
        if (ec2x_layout(m)) {
            any_modem = true;
            if (auto* q = interface(m, 4); q && is_qmi_driver(q->driver)) any_qmi_bound = true;
        }
    if (any_modem && !any_qmi_bound && !cdc_wdm && !present(ctx.at("/dev/cdc-wdm0")))
        ctx.add(Severity::warn, rank_modules, "modules.no_cdc_wdm",
                "cdc-wdm is not loaded and there is no /dev/cdc-wdm0: the QMI path cannot work (qmi_wwan_q built without it fails "
                "with \"Unknown symbol in module\")",
                "modprobe cdc-wdm; if this kernel has none (CONFIG_USB_WDM unset), build it beside the driver: make -C drivers/qmi "
                "KDIR=... CDC_WDM=y",
                "/sys/module/cdc_wdm");
    if (!present(ctx.at("/dev/net/tun")))
        ctx.add(Severity::fail, rank_nodes, "nodes.tun",
                "/dev/net/tun does not exist: ec20ppp dial carries IP through a TUN device",
                "modprobe tun (CONFIG_TUN), and mkdir -p /dev/net && mknod /dev/net/tun c 10 200 where there is no udev", "/dev/net/tun");
    else
        ctx.add(Severity::ok, rank_nodes, "nodes.tun", "/dev/net/tun exists (ec20ppp dial needs it)", {}, "/dev/net/tun");
    bool ppp_node = present(ctx.at("/dev/ppp"));
    bool ppp_module = ctx.module_loaded("ppp_generic");
    ctx.add(Severity::info, rank_nodes, "nodes.ppp",
            std::string(ppp_node || ppp_module ? "the kernel has PPP (/dev/ppp)" : "the kernel has no PPP (no /dev/ppp, CONFIG_PPP off or not loaded)") +
                ": ec20ppp dial does not need it; pppd would",
            {}, "/dev/ppp");
}

struct Process {
    int pid = 0;
    std::string comm;
    char state = '?';
    std::string wchan;
    std::vector<std::string> fds;  // link targets
};

std::vector<Process> processes(Context& ctx) {
    std::vector<Process> out;
    for (const auto& e : entries(ctx.at("/proc"))) {
        int pid = to_int(e.filename().string());
        if (pid <= 0) continue;
        Process p;
        p.pid = pid;
        p.comm = read_or(e / "comm");
        std::string stat = read_or(e / "stat");
        if (auto close = stat.rfind(')'); close != std::string::npos && close + 2 < stat.size()) p.state = stat[close + 2];
        p.wchan = read_or(e / "wchan");
        for (const auto& fd : entries(e / "fd")) {
            std::error_code ec;
            auto target = fs::read_symlink(fd, ec);
            if (!ec) p.fds.push_back(target.string());
        }
        out.push_back(std::move(p));
    }
    return out;
}

std::string holder_advice(const std::string& comm) {
    if (comm == "ModemManager")
        return "systemctl stop ModemManager (or disable it), or tag the modem ID_MM_DEVICE_IGNORE=1 in a udev rule";
    if (comm == "quectel-CM" || comm == "quectel-qmi-proxy")
        return "stop quectel-CM (kill " + std::string{"PID"} + "); only one program may talk QMI on the node";
    if (comm == "pppd" || comm == "ec20ppp") return "another dialer has the port: stop it first (or dial on the other port)";
    return "stop it, or use another port";
}

void check_processes(Context& ctx, const std::vector<Modem>& modems, Report& report) {
    std::map<std::string, std::string> nodes;  // /dev/x -> interface role
    for (const auto& m : modems)
        for (const auto& i : m.interfaces) {
            for (const auto& t : i.ttys) nodes["/dev/" + t] = "interface " + std::to_string(i.number) + " (" + interface_role(i.number) + ")";
            if (!i.cdc_wdm.empty()) nodes["/dev/" + i.cdc_wdm] = "the QMI node";
        }
    nodes.emplace("/dev/cdc-wdm0", "the QMI node");
    nodes.emplace("/dev/qcqmi0", "GobiNet's QMI node");
    auto procs = processes(ctx);
    bool mm_running = false;
    for (const auto& p : procs) {
        if (p.comm == "ModemManager") mm_running = true;
        bool wdm_fd = false;
        for (const auto& fd : p.fds) {
            auto it = nodes.find(fd);
            if (it == nodes.end()) continue;
            if (fd.find("cdc-wdm") != std::string::npos || fd.find("qcqmi") != std::string::npos) wdm_fd = true;
            report.holders.push_back({p.pid, p.comm, fd, p.state});
            std::string advice = holder_advice(p.comm);
            if (auto pos = advice.find("PID"); pos != std::string::npos) advice.replace(pos, 3, std::to_string(p.pid));
            ctx.add(p.comm == "ModemManager" ? Severity::fail : Severity::warn, rank_holders, "holder.process",
                    fd + " (" + it->second + ") is held open by pid " + std::to_string(p.pid) + " (" + p.comm + ")", advice,
                    "/proc/" + std::to_string(p.pid) + "/fd");
        }
        bool wdm_wait = p.wchan.find("wdm") != std::string::npos;
        bool qmi_tool = p.comm == "quectel-CM" || p.comm == "qmicli" || p.comm == "uqmi" || p.comm == "qmi-proxy";
        if (p.state == 'D' && (wdm_fd || wdm_wait || qmi_tool)) {
            std::string reset = "reset the modem: ";
            if (!modems.empty())
                reset += "echo 0 > /sys/bus/usb/devices/" + modems.front().sysfs_name + "/authorized; echo 1 > /sys/bus/usb/devices/" +
                         modems.front().sysfs_name + "/authorized, or ";
            reset += "AT+CFUN=1,1 on the AT port, or power-cycle it; kernels before 5.10 wait in wdm_flush() without a timeout";
            ctx.add(Severity::fail, rank_stuck, "stuck.process",
                    "pid " + std::to_string(p.pid) + " (" + p.comm + ") is stuck in the kernel (state D" +
                        (p.wchan.empty() || p.wchan == "0" ? "" : ", in " + p.wchan) +
                        ") on the cdc-wdm driver: a QMI command never completed, and nothing can kill it",
                    reset, "/proc/" + std::to_string(p.pid) + "/stat");
        }
    }
    if (mm_running && !modems.empty())
        ctx.add(Severity::warn, rank_holders, "holder.modemmanager",
                "ModemManager is running: it probes new modems with AT and QMI of its own and can take the ports from ec20ppp "
                "and quectel-CM",
                "systemctl stop ModemManager, or tag the modem ENV{ID_MM_DEVICE_IGNORE}=\"1\" (drivers/qmi/udev/99-ec20ppp.rules)");
    // UUCP locks in /var/lock (pppd, ec20ppp and minicom honour them).
    for (const auto& lock : entries(ctx.at("/var/lock"))) {
        std::string name = lock.filename().string();
        if (!name.starts_with("LCK..")) continue;
        std::string dev = name.substr(5);
        std::ifstream in(lock, std::ios::binary);
        std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        int pid = -1;
        if (content.size() == 4 && (content[0] < '0' || content[0] > '9')) {  // binary (old Kermit style)
            std::uint32_t v = 0;
            for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(content[static_cast<std::size_t>(i)]);
            pid = static_cast<int>(v);
        } else {
            auto first = content.find_first_not_of(' ');
            pid = first == std::string::npos ? -1 : to_int(content.substr(first, content.find_first_of(" \n", first) - first));
        }
        std::string where = "/var/lock/" + name;
        if (pid <= 0 || !present(ctx.at("/proc/" + std::to_string(pid)))) {
            ctx.add(Severity::warn, rank_holders, "lock.stale",
                    "a stale lock " + where + " names pid " + std::to_string(pid) + ", which no longer runs",
                    "rm " + where + " (ec20ppp removes stale locks itself; pppd and minicom may refuse /dev/" + dev + ")", where);
        } else {
            std::string comm = read_or(ctx.at("/proc/" + std::to_string(pid) + "/comm"));
            ctx.add(Severity::warn, rank_holders, "lock.held",
                    "/dev/" + dev + " is locked by pid " + std::to_string(pid) + " (" + comm + ")",
                    "stop that program, or dial on another port", where);
        }
    }
}

// A default route that is not ours and would win over the one ec20ppp adds (metric 700).
void check_routes(Context& ctx) {
    std::ifstream in(ctx.at("/proc/net/route"));
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string iface, dest, gateway, flags, refcnt, use, metric, mask;
        if (!(fields >> iface >> dest >> gateway >> flags >> refcnt >> use >> metric >> mask)) continue;
        if (dest != "00000000" || mask != "00000000") continue;
        if (iface.starts_with("ppp") || iface.starts_with("ec20")) continue;
        int m = to_int(metric, 10, 0);
        if (m >= 700) continue;
        ctx.add(Severity::warn, rank_route, "route.default",
                "a default route via " + iface + " (metric " + std::to_string(m) + ") would win over the one ec20ppp adds (metric 700): "
                "traffic would keep leaving through " + iface,
                "dial with --default-route replace (ec20ppp restores the old route on exit) instead of `route del default`",
                "/proc/net/route");
    }
}

void check_kernel(Context& ctx, const std::vector<Modem>& modems, Report& report) {
    report.kernel_release = read_or(ctx.at("/proc/sys/kernel/osrelease"));
    if (report.kernel_release.empty()) return;
    int major = 0, minor = 0;
    std::sscanf(report.kernel_release.c_str(), "%d.%d", &major, &minor);
    bool qmi_in_use = false;
    for (const auto& m : modems)
        if (auto* q = interface(m, 4); q && is_qmi_driver(q->driver)) qmi_in_use = true;
    if (qmi_in_use && (major < 5 || (major == 5 && minor < 10)))
        ctx.add(Severity::warn, rank_kernel, "kernel.wdm_flush",
                "Linux " + report.kernel_release + " is older than 5.10: a stuck QMI command makes every process using /dev/cdc-wdm0 "
                "unkillable (wdm_flush had no timeout)",
                "never kill quectel-CM/qmicli with -9 while a command is pending; reset the modem instead", "/proc/sys/kernel/osrelease");
}

void report_ports(Context& ctx, const std::vector<Modem>& modems) {
    for (const auto& m : modems) {
        if (!ec2x_layout(m)) continue;
        for (const auto& i : m.interfaces) {
            std::string node = !i.ttys.empty() ? i.ttys.front() : i.cdc_wdm;
            if (node.empty() || i.number < 0 || i.number > 4) continue;
            std::string name = udev_name(i.number);
            fs::path link = ctx.at("/dev/" + name);
            std::error_code ec;
            auto target = fs::read_symlink(link, ec);
            if (!ec && target.filename().string() != node) {
                ctx.add(Severity::warn, rank_ports, "ports.udev_stale",
                        "/dev/" + name + " points at " + target.filename().string() + " but interface " + std::to_string(i.number) +
                            " is /dev/" + node,
                        "udevadm trigger (or replug the modem) so the names are made again", "/dev/" + name);
                continue;
            }
            ctx.add(Severity::info, rank_ports, "ports.map",
                    "/dev/" + node + " is interface " + std::to_string(i.number) + " (" + interface_role(i.number) + ")" +
                        (i.driver.empty() ? "" : ", driver " + i.driver) +
                        (!ec ? ", also /dev/" + name : "; pin it as /dev/" + name + " with drivers/qmi/udev/99-ec20ppp.rules"),
                    {}, "/sys/bus/usb/devices/" + m.sysfs_name + ":1." + std::to_string(i.number));
        }
    }
}

}  // namespace

std::string interface_role(int number) {
    switch (number) {
        case 0: return "DM/diagnostics";
        case 1: return "NMEA/GNSS";
        case 2: return "AT";
        case 3: return "modem: AT and PPP";
        case 4: return "QMI";
    }
    return "unknown";
}

std::string udev_name(int number) {
    switch (number) {
        case 0: return "ec20-diag";
        case 1: return "ec20-nmea";
        case 2: return "ec20-at";
        case 3: return "ec20-modem";
        case 4: return "ec20-qmi";
    }
    return {};
}

std::string quectel_model(std::uint16_t vendor, std::uint16_t product) {
    if (vendor == 0x05c6 && product == 0x9215) return "Quectel EC20 (Qualcomm id)";
    if (vendor != 0x2c7c) return {};
    switch (product) {
        case 0x0125: return "Quectel EC20/EC25";
        case 0x0121: return "Quectel EC21";
        case 0x0191: return "Quectel EG91";
        case 0x0195: return "Quectel EG95";
        case 0x0296: return "Quectel BG96";
        case 0x0306: return "Quectel EP06";
        case 0x0512: return "Quectel EM12";
        case 0x0435: return "Quectel AG35";
        case 0x0700: return "Quectel BG95";
        case 0x0800: return "Quectel RM500Q";
        case 0x0801: return "Quectel RM520N";
    }
    return "Quectel 2c7c:" + hex4(product);
}

void sort_findings(std::vector<Finding>& findings) {
    std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
        if (a.severity != b.severity) return a.severity < b.severity;
        return a.rank < b.rank;
    });
}

bool has_failures(const Report& report) {
    return std::any_of(report.findings.begin(), report.findings.end(), [](const Finding& f) { return f.severity == Severity::fail; });
}

Report examine(const Options& options) {
    Report report;
    Context ctx{options.root, report};
    report.modems = find_modems(ctx);
    check_modem(ctx, report.modems);
    check_binding(ctx, report.modems);
    check_nodes(ctx, report.modems);
    check_processes(ctx, report.modems, report);
    check_routes(ctx);
    check_kernel(ctx, report.modems, report);
    report_ports(ctx, report.modems);
    sort_findings(report.findings);
    return report;
}

std::string to_text(const Report& report) {
    std::string out;
    for (const auto& f : report.findings) {
        out += std::string(to_string(f.severity)) + std::string(6 - std::string(to_string(f.severity)).size(), ' ') + f.summary + "\n";
        if (!f.remedy.empty()) out += "      fix: " + f.remedy + "\n";
    }
    int fails = 0, warns = 0;
    for (const auto& f : report.findings) {
        fails += f.severity == Severity::fail;
        warns += f.severity == Severity::warn;
    }
    out += fails ? std::to_string(fails) + " problem(s) to fix, from the top" : std::string("nothing stands in the way");
    out += warns ? ", " + std::to_string(warns) + " warning(s)\n" : std::string("\n");
    return out;
}

nlohmann::json to_json(const Report& report) {
    nlohmann::json j;
    j["kernel_release"] = report.kernel_release;
    j["modems"] = nlohmann::json::array();
    for (const auto& m : report.modems) {
        nlohmann::json jm{{"usb", m.sysfs_name}, {"id", id_of(m)}, {"model", m.model}, {"interfaces", nlohmann::json::array()},
                          {"num_interfaces", m.num_interfaces}, {"speed", m.speed}, {"power_control", m.power_control}};
        for (const auto& i : m.interfaces)
            jm["interfaces"].push_back({{"number", i.number},
                                        {"role", interface_role(i.number)},
                                        {"class", i.klass + "/" + i.subclass + "/" + i.protocol},
                                        {"endpoints", i.endpoints},
                                        {"driver", i.driver},
                                        {"ttys", i.ttys},
                                        {"cdc_wdm", i.cdc_wdm},
                                        {"net", i.net},
                                        {"udev_name", udev_name(i.number)}});
        j["modems"].push_back(std::move(jm));
    }
    j["holders"] = nlohmann::json::array();
    for (const auto& h : report.holders)
        j["holders"].push_back({{"pid", h.pid}, {"comm", h.comm}, {"node", h.node}, {"state", std::string(1, h.state)}});
    j["findings"] = nlohmann::json::array();
    for (const auto& f : report.findings)
        j["findings"].push_back({{"severity", to_string(f.severity)},
                                 {"id", f.id},
                                 {"summary", f.summary},
                                 {"remedy", f.remedy},
                                 {"evidence", f.evidence}});
    j["ok"] = !has_failures(report);
    return j;
}

}  // namespace ec20ppp::doctor
