// ec20ppp doctor against fake sysfs/proc/dev trees: a healthy EC20, a GobiNet conflict, a missing
// cdc-wdm, a port held by another process, no modem at all, and the rest of what it reads.
#include "doctor/doctor.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "doctor/probe.hpp"
#include "support/files.hpp"

namespace ec20ppp::doctor {
namespace {

namespace fs = std::filesystem;
using testsupport::TempDir;
using testsupport::write_file;

// A machine under a temporary root, built piece by piece.
class FakeMachine {
public:
    fs::path root() const { return dir_.path; }

    void file(const std::string& path, const std::string& content) {
        fs::path p = dir_.path / fs::path(path).relative_path();
        fs::create_directories(p.parent_path());
        write_file(p, content + "\n");
    }
    void link(const std::string& path, const std::string& target) {
        fs::path p = dir_.path / fs::path(path).relative_path();
        fs::create_directories(p.parent_path());
        fs::create_symlink(target, p);
    }
    void dir(const std::string& path) { fs::create_directories(dir_.path / fs::path(path).relative_path()); }

    // An EC20 at USB 2-1, interfaces 0-3 on option (ttyUSB0-3); interface 4 on `qmi_driver`
    // (none when empty) with cdc-wdm0/wwan0 when `cdc_wdm`.
    void ec20(const std::string& qmi_driver = "qmi_wwan", bool cdc_wdm = true, std::string if4_class = "ff") {
        const std::string d = "/sys/bus/usb/devices/2-1";
        file(d + "/idVendor", "2c7c");
        file(d + "/idProduct", "0125");
        file(d + "/bNumInterfaces", " 5");
        file(d + "/speed", "480");
        file(d + "/power/control", "on");
        for (int n = 0; n <= 4; ++n) {
            std::string i = d + ":1." + std::to_string(n);
            file(i + "/bInterfaceNumber", "0" + std::to_string(n));
            file(i + "/bInterfaceClass", n == 4 ? if4_class : "ff");
            file(i + "/bInterfaceSubClass", n == 0 || n == 4 ? "ff" : "00");
            file(i + "/bInterfaceProtocol", n == 0 || n == 4 ? "ff" : "00");
            file(i + "/bNumEndpoints", n == 4 ? "03" : n == 0 ? "02" : "03");
            if (n < 4) {
                link(i + "/driver", "../../../../../../bus/usb/drivers/option");
                dir(i + "/ttyUSB" + std::to_string(n) + "/tty/ttyUSB" + std::to_string(n));
                file("/dev/ttyUSB" + std::to_string(n), "");
            } else if (!qmi_driver.empty()) {
                link(i + "/driver", "../../../../../../bus/usb/drivers/" + qmi_driver);
                if (cdc_wdm) {
                    dir(i + "/usbmisc/cdc-wdm0");
                    dir(i + "/net/wwan0");
                    file("/dev/cdc-wdm0", "");
                }
            }
        }
        dir("/sys/module/option");
        dir("/sys/module/usbnet");
        if (!qmi_driver.empty()) dir("/sys/module/" + qmi_driver);
        if (cdc_wdm && !qmi_driver.empty()) dir("/sys/module/cdc_wdm");
    }
    void basics() {
        file("/dev/net/tun", "");
        file("/proc/sys/kernel/osrelease", "6.1.0-56-amd64");
        file("/proc/net/route", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
        dir("/var/lock");
    }
    void process(int pid, const std::string& comm, char state, const std::vector<std::string>& fds = {}, const std::string& wchan = "0") {
        std::string p = "/proc/" + std::to_string(pid);
        file(p + "/comm", comm);
        file(p + "/stat", std::to_string(pid) + " (" + comm + ") " + state + " 1 1 1 0 -1");
        file(p + "/wchan", wchan);
        dir(p + "/fd");
        int n = 3;
        for (const auto& f : fds) link(p + "/fd/" + std::to_string(n++), f);
    }

private:
    TempDir dir_{"ec20ppp-doctor"};
};

const Finding* find(const Report& r, const std::string& id) {
    auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const Finding& f) { return f.id == id; });
    return it == r.findings.end() ? nullptr : &*it;
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

TEST(Doctor, HealthyEc20HasNothingToFix) {
    FakeMachine m;
    m.basics();
    m.ec20("qmi_wwan");
    Report r = examine({m.root()});
    EXPECT_FALSE(has_failures(r)) << to_text(r);
    ASSERT_EQ(r.modems.size(), 1u);
    EXPECT_EQ(r.modems[0].model, "Quectel EC20/EC25");
    EXPECT_EQ(r.modems[0].num_interfaces, 5);
    ASSERT_EQ(r.modems[0].interfaces.size(), 5u);
    EXPECT_EQ(r.modems[0].interfaces[2].ttys, std::vector<std::string>{"ttyUSB2"});
    EXPECT_EQ(r.modems[0].interfaces[4].cdc_wdm, "cdc-wdm0");
    EXPECT_EQ(r.modems[0].interfaces[4].net, "wwan0");
    EXPECT_EQ(r.kernel_release, "6.1.0-56-amd64");
    ASSERT_NE(find(r, "binding.qmi"), nullptr);
    EXPECT_TRUE(contains(find(r, "binding.qmi")->summary, "qmi_wwan"));
    ASSERT_NE(find(r, "nodes.cdc_wdm"), nullptr);
    // Which ttyUSB is which, and the udev name to pin it.
    std::string text = to_text(r);
    EXPECT_TRUE(contains(text, "/dev/ttyUSB2 is interface 2 (AT), driver option; pin it as /dev/ec20-at")) << text;
    EXPECT_TRUE(contains(text, "/dev/ttyUSB3 is interface 3 (modem: AT and PPP)")) << text;
    EXPECT_TRUE(contains(text, "nothing stands in the way")) << text;
}

TEST(Doctor, NoModemIsTheFirstThingToFix) {
    FakeMachine m;
    m.basics();
    m.file("/sys/bus/usb/devices/1-1/idVendor", "046d");  // a mouse
    m.file("/sys/bus/usb/devices/1-1/idProduct", "c077");
    Report r = examine({m.root()});
    ASSERT_FALSE(r.findings.empty());
    EXPECT_EQ(r.findings.front().id, "modem.missing");
    EXPECT_EQ(r.findings.front().severity, Severity::fail);
    EXPECT_TRUE(contains(r.findings.front().summary, "no Quectel modem is on USB"));
    EXPECT_TRUE(r.modems.empty());
}

TEST(Doctor, GobiNetBesideQmiWwanIsAConflict) {
    FakeMachine m;
    m.basics();
    m.ec20("GobiNet", false);
    m.dir("/sys/module/qmi_wwan");
    Report r = examine({m.root()});
    const Finding* f = find(r, "binding.conflict");
    ASSERT_NE(f, nullptr) << to_text(r);
    EXPECT_EQ(f->severity, Severity::fail);
    EXPECT_TRUE(contains(f->summary, "qmi_wwan is loaded besides GobiNet")) << f->summary;
    EXPECT_TRUE(contains(f->remedy, "rmmod qmi_wwan and blacklist it"));
    ASSERT_NE(find(r, "binding.gobinet"), nullptr);
    EXPECT_TRUE(contains(find(r, "binding.gobinet")->summary, "/dev/qcqmi0"));
}

TEST(Doctor, OptionGrabbingInterfaceFour) {
    FakeMachine m;
    m.basics();
    m.ec20("option", false);
    Report r = examine({m.root()});
    const Finding* f = find(r, "binding.option_on_qmi");
    ASSERT_NE(f, nullptr) << to_text(r);
    EXPECT_EQ(f->severity, Severity::fail);
    EXPECT_TRUE(contains(f->remedy, "echo 2-1:1.4 > /sys/bus/usb/drivers/option/unbind"));
}

TEST(Doctor, MissingCdcWdm) {
    FakeMachine m;
    m.basics();
    m.ec20("", false);  // interface 4 unbound, no cdc-wdm module, no node: the field notes' board
    Report r = examine({m.root()});
    const Finding* f = find(r, "modules.no_cdc_wdm");
    ASSERT_NE(f, nullptr) << to_text(r);
    EXPECT_TRUE(contains(f->summary, "cdc-wdm is not loaded and there is no /dev/cdc-wdm0"));
    EXPECT_TRUE(contains(f->remedy, "make -C drivers/qmi KDIR=... CDC_WDM=y"));
    ASSERT_NE(find(r, "binding.qmi_unbound"), nullptr);
}

TEST(Doctor, QmiDriverBoundWithoutCdcWdmNode) {
    FakeMachine m;
    m.basics();
    m.ec20("qmi_wwan_q", false);
    Report r = examine({m.root()});
    const Finding* f = find(r, "nodes.no_cdc_wdm");
    ASSERT_NE(f, nullptr) << to_text(r);
    EXPECT_EQ(f->severity, Severity::fail);
    EXPECT_TRUE(contains(f->summary, "qmi_wwan_q is bound to interface 4 but made no cdc-wdm node and cdc-wdm is not loaded"));
}

TEST(Doctor, PortHeldByAnotherProcess) {
    FakeMachine m;
    m.basics();
    m.ec20("qmi_wwan");
    m.process(812, "ModemManager", 'S', {"/dev/cdc-wdm0", "/dev/ttyUSB2"});
    m.process(900, "pppd", 'S', {"/dev/ttyUSB3", "/dev/null"});
    m.process(901, "bash", 'S', {"/dev/pts/0"});
    Report r = examine({m.root()});
    ASSERT_EQ(r.holders.size(), 3u);
    std::string text = to_text(r);
    EXPECT_TRUE(contains(text, "/dev/cdc-wdm0 (the QMI node) is held open by pid 812 (ModemManager)")) << text;
    EXPECT_TRUE(contains(text, "/dev/ttyUSB3 (interface 3 (modem: AT and PPP)) is held open by pid 900 (pppd)")) << text;
    EXPECT_TRUE(contains(text, "systemctl stop ModemManager")) << text;
    EXPECT_NE(find(r, "holder.modemmanager"), nullptr);
    EXPECT_TRUE(has_failures(r));
}

TEST(Doctor, ProcessStuckInDStateOnCdcWdm) {
    FakeMachine m;
    m.basics();
    m.ec20("qmi_wwan_q");
    m.process(364, "quectel-CM", 'D', {}, "wdm_flush");  // fds already gone: it is exiting
    Report r = examine({m.root()});
    const Finding* f = find(r, "stuck.process");
    ASSERT_NE(f, nullptr) << to_text(r);
    EXPECT_EQ(f->severity, Severity::fail);
    EXPECT_TRUE(contains(f->summary, "pid 364 (quectel-CM) is stuck in the kernel (state D, in wdm_flush)"));
    EXPECT_TRUE(contains(f->remedy, "echo 0 > /sys/bus/usb/devices/2-1/authorized"));
}

TEST(Doctor, StaleAndLiveLocks) {
    FakeMachine m;
    m.basics();
    m.ec20("qmi_wwan");
    m.file("/var/lock/LCK..ttyUSB2", "      4242");  // no such process
    m.process(77, "minicom", 'S');
    m.file("/var/lock/LCK..ttyUSB3", "        77");
    Report r = examine({m.root()});
    const Finding* stale = find(r, "lock.stale");
    ASSERT_NE(stale, nullptr) << to_text(r);
    EXPECT_TRUE(contains(stale->summary, "/var/lock/LCK..ttyUSB2 names pid 4242, which no longer runs"));
    const Finding* held = find(r, "lock.held");
    ASSERT_NE(held, nullptr);
    EXPECT_TRUE(contains(held->summary, "/dev/ttyUSB3 is locked by pid 77 (minicom)"));
}

TEST(Doctor, DefaultRouteThatWouldWin) {
    FakeMachine m;
    m.basics();
    m.ec20("qmi_wwan");
    m.file("/proc/net/route",
           "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
           "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
           "eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
           "ppp0\t00000000\t00000000\t0001\t0\t0\t700\t00000000\t0\t0\t0");
    Report r = examine({m.root()});
    const Finding* f = find(r, "route.default");
    ASSERT_NE(f, nullptr) << to_text(r);
    EXPECT_TRUE(contains(f->summary, "a default route via eth0 (metric 100) would win"));
    EXPECT_TRUE(contains(f->remedy, "--default-route replace"));
    EXPECT_EQ(std::count_if(r.findings.begin(), r.findings.end(), [](const Finding& x) { return x.id == "route.default"; }), 1);
}

TEST(Doctor, MissingTunAndModeAndAutosuspend) {
    FakeMachine m;
    m.file("/proc/sys/kernel/osrelease", "4.9.88");
    m.ec20("", false, "02");  // MBIM/ECM class on interface 4
    m.file("/sys/bus/usb/devices/2-1/power/control", "auto");
    Report r = examine({m.root()});
    ASSERT_NE(find(r, "nodes.tun"), nullptr);
    EXPECT_EQ(find(r, "nodes.tun")->severity, Severity::fail);
    ASSERT_NE(find(r, "usb.mode"), nullptr);
    EXPECT_TRUE(contains(find(r, "usb.mode")->remedy, "AT+QCFG=\"usbnet\",0"));
    ASSERT_NE(find(r, "usb.autosuspend"), nullptr);
    // Order: the USB mode (a root cause) before the missing TUN node.
    auto pos = [&](const std::string& id) {
        return std::find_if(r.findings.begin(), r.findings.end(), [&](const Finding& f) { return f.id == id; }) - r.findings.begin();
    };
    EXPECT_LT(pos("usb.mode"), pos("nodes.tun"));
}

TEST(Doctor, OldKernelWithQmiWarnsAboutUnkillableProcesses) {
    FakeMachine m;
    m.basics();
    m.file("/proc/sys/kernel/osrelease", "4.9.88");
    m.ec20("qmi_wwan_q");
    Report r = examine({m.root()});
    ASSERT_NE(find(r, "kernel.wdm_flush"), nullptr) << to_text(r);
}

TEST(Doctor, FindingsAreOrderedFailFirst) {
    FakeMachine m;
    m.basics();
    m.ec20("GobiNet", false);
    m.dir("/sys/module/qmi_wwan");
    Report r = examine({m.root()});
    for (std::size_t i = 1; i < r.findings.size(); ++i) {
        EXPECT_LE(static_cast<int>(r.findings[i - 1].severity), static_cast<int>(r.findings[i].severity));
        if (r.findings[i - 1].severity == r.findings[i].severity) {
            EXPECT_LE(r.findings[i - 1].rank, r.findings[i].rank);
        }
    }
}

TEST(Doctor, JsonForMachines) {
    FakeMachine m;
    m.basics();
    m.ec20("qmi_wwan");
    m.process(812, "ModemManager", 'S', {"/dev/cdc-wdm0"});
    auto j = to_json(examine({m.root()}));
    EXPECT_EQ(j["modems"][0]["id"], "2c7c:0125");
    EXPECT_EQ(j["modems"][0]["interfaces"][2]["udev_name"], "ec20-at");
    EXPECT_EQ(j["modems"][0]["interfaces"][4]["driver"], "qmi_wwan");
    EXPECT_EQ(j["holders"][0]["comm"], "ModemManager");
    EXPECT_EQ(j["findings"][0]["severity"], "FAIL");
    EXPECT_EQ(j["ok"], false);
}

TEST(Doctor, NamesQuectelModels) {
    EXPECT_EQ(quectel_model(0x2c7c, 0x0125), "Quectel EC20/EC25");
    EXPECT_EQ(quectel_model(0x2c7c, 0x0296), "Quectel BG96");
    EXPECT_EQ(quectel_model(0x05c6, 0x9215), "Quectel EC20 (Qualcomm id)");
    EXPECT_EQ(quectel_model(0x2c7c, 0x1234), "Quectel 2c7c:1234");
    EXPECT_EQ(quectel_model(0x046d, 0xc077), "");
    EXPECT_EQ(udev_name(3), "ec20-modem");
}

// The QMI CTL request is exactly quectel-CM's GET_VERSION_REQ (field notes: 01 0f 00 00 00 00 00 02 21 00 04 00 01 01 00 ff).
TEST(QmiCtl, GetVersionRequestBytes) {
    EXPECT_EQ(qmi_ctl_get_version_request(0x02),
              (std::vector<std::uint8_t>{0x01, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x21, 0x00, 0x04, 0x00, 0x01, 0x01, 0x00, 0xff}));
}

TEST(QmiCtl, ParsesGetVersionResponse) {
    // result OK; services: CTL 1.5, WDS 1.67
    std::vector<std::uint8_t> f{0x01, 0x00, 0x00, 0x80, 0x00, 0x00, 0x01, 0x02, 0x21, 0x00, 0x00, 0x00,
                                0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x01, 0x0b, 0x00, 0x02, 0x00, 0x01, 0x00, 0x05, 0x00, 0x01, 0x01, 0x00, 0x43, 0x00};
    f[1] = static_cast<std::uint8_t>(f.size() - 1);
    f[10] = static_cast<std::uint8_t>(f.size() - 12);
    auto info = parse_qmi_ctl_get_version_response(f, 0x02);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->result, 0);
    ASSERT_EQ(info->services.size(), 2u);
    EXPECT_EQ(info->services[1].type, 0x01);
    EXPECT_EQ(info->services[1].minor, 0x43);
    EXPECT_FALSE(parse_qmi_ctl_get_version_response(f, 0x03));  // another transaction
    // The SYNC response from the field notes is not an answer to GET_VERSION.
    EXPECT_FALSE(parse_qmi_ctl_get_version_response({0x01, 0x12, 0x00, 0x80, 0x00, 0x00, 0x01, 0x01, 0x27, 0x00, 0x07, 0x00, 0x02,
                                                     0x04, 0x00, 0x00, 0x00, 0x00, 0x00},
                                                    0x01));
    EXPECT_FALSE(parse_qmi_ctl_get_version_response({0x01, 0x40, 0x00}, 0x02));
}

TEST(AtProbe, JudgesTheFieldNotesModem) {
    std::vector<AtAnswer> answers{
        {"ATI", "Quectel\nEC20F\nRevision: EC20CEHDLGR06A05M1G", true, true},
        {"AT+CPIN?", "+CPIN: READY", true, true},
        {"AT+CSQ", "+CSQ: 31,99", true, true},
        {"AT+CGREG?", "+CGREG: 0,1", true, true},
        {"AT+QCFG=\"usbnet\"", "+QCFG: \"usbnet\",2", true, true},
    };
    auto f = judge_at_answers(answers, "/dev/ttyUSB2");
    auto has = [&](const std::string& id, Severity s, const std::string& text) {
        return std::any_of(f.begin(), f.end(), [&](const Finding& x) { return x.id == id && x.severity == s && contains(x.summary, text); });
    };
    EXPECT_TRUE(has("at.identity", Severity::ok, "Quectel EC20F Revision: EC20CEHDLGR06A05M1G"));
    EXPECT_TRUE(has("at.sim", Severity::ok, "ready"));
    EXPECT_TRUE(has("at.signal", Severity::ok, "31,99"));
    EXPECT_TRUE(has("at.registration", Severity::ok, "0,1"));
    EXPECT_TRUE(has("at.usbnet", Severity::warn, "usbnet mode 2"));
}

TEST(AtProbe, NoSimPinAndSilence) {
    auto f = judge_at_answers({{"AT+CPIN?", "+CME ERROR: 10", false, true}, {"AT+CSQ", "+CSQ: 99,99", true, true}}, "/dev/ttyUSB2");
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].severity, Severity::fail);
    EXPECT_TRUE(contains(f[0].summary, "no SIM"));
    EXPECT_TRUE(contains(f[1].summary, "no signal"));
    auto pin = judge_at_answers({{"AT+CPIN?", "+CPIN: SIM PIN", true, true}}, "p");
    EXPECT_TRUE(contains(pin.at(0).summary, "SIM PIN"));
    auto silent = judge_at_answers({{"ATI", "", false, false}}, "/dev/ttyUSB9");
    ASSERT_EQ(silent.size(), 1u);
    EXPECT_EQ(silent[0].id, "at.silent");
}

// The probe on something that never answers gives up within its deadline.
TEST(AtProbe, GivesUpWithinTheDeadlineOnASilentPort) {
    TempDir d;
    fs::path fifo = d.path / "silent";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto start = std::chrono::steady_clock::now();
    auto r = probe_at(fifo.string(), std::chrono::milliseconds(600));
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_LT(took, std::chrono::seconds(2));
    ASSERT_FALSE(r.findings.empty());
    EXPECT_EQ(r.findings.front().severity, Severity::fail);
}

TEST(QmiProbe, MissingNodeIsReported) {
    auto r = probe_qmi("/nonexistent/cdc-wdm0", std::chrono::milliseconds(500));
    ASSERT_EQ(r.findings.size(), 1u);
    EXPECT_EQ(r.findings[0].id, "qmi.open");
}

}  // namespace
}  // namespace ec20ppp::doctor
