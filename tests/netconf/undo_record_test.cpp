// The undo record's text form: every step kind and the resolv.conf backup survive a round trip
// (including awkward bytes), and damaged records are refused with the line and the reason.
#include <gtest/gtest.h>

#include "netconf/undo_record.hpp"

namespace ec20ppp {
namespace {

Route previous_default() {
    Route r;
    r.family = AF_INET;
    r.dst = IpAddress::any(AF_INET);
    r.gateway = IpAddress::v4(192, 168, 1, 1);
    r.oif = 2;
    r.oif_name = "eth0";
    r.metric = 100;
    r.protocol = RTPROT_DHCP;
    r.prefsrc = IpAddress::v4(192, 168, 1, 50);
    r.metrics = {0x08, 0x00, 0x02, 0x00, 0xdc, 0x05, 0x00, 0x00};  // RTAX_MTU 1500
    return r;
}

UndoRecord sample() {
    UndoRecord rec;
    rec.pid = 4242;
    rec.steps.push_back(undo::SetLinkDown{7, "ec20"});
    rec.steps.push_back(undo::RestoreMtu{7, "ec20", 1500});
    InterfaceAddress a;
    a.ifindex = 7;
    a.local = IpAddress::v4(10, 64, 0, 1);
    a.peer = IpAddress::v4(10, 64, 0, 2);
    a.prefix_len = 32;
    rec.steps.push_back(undo::DeleteAddress{a, "ec20"});
    InterfaceAddress ll;
    ll.ifindex = 7;
    ll.local = *IpAddress::parse("fe80::1:2:3:4");
    ll.peer = *IpAddress::parse("fe80::5:6:7:8");
    ll.prefix_len = 128;
    ll.flags = 0x02;
    rec.steps.push_back(undo::DeleteAddress{ll, "ec20"});
    rec.steps.push_back(undo::RestoreRoute{previous_default()});
    Route ours = Route::via_interface(AF_INET, 7, 0);
    ours.oif_name = "ec20";
    rec.steps.push_back(undo::DeleteRoute{ours});
    Route v6 = Route::via_interface(AF_INET6, 7, 1024, *IpAddress::parse("2001:db8::"), 32);
    v6.oif_name = "ec20";
    v6.table = 1000;
    rec.steps.push_back(undo::DeleteRoute{v6});

    ResolvConfBackup b;
    b.path = "/etc/my resolv=conf";  // space and '=' must survive
    b.before = ResolvConfBackup::Before::file;
    b.content = "# 100% original\nnameserver 192.0.2.1\n\toptions edns0\r\n\xff";
    b.mode = 0640;
    b.uid = 0;
    b.gid = 101;
    b.ours = "nameserver 10.0.0.1\n";
    rec.resolv_conf = b;
    return rec;
}

bool same_route(const Route& a, const Route& b) {
    return a.family == b.family && a.dst == b.dst && a.dst_len == b.dst_len && a.gateway == b.gateway &&
           a.oif == b.oif && a.oif_name == b.oif_name && a.metric == b.metric && a.table == b.table &&
           a.protocol == b.protocol && a.scope == b.scope && a.type == b.type && a.tos == b.tos &&
           a.prefsrc == b.prefsrc && a.metrics == b.metrics;
}

bool same_address(const InterfaceAddress& a, const InterfaceAddress& b) {
    return a.ifindex == b.ifindex && a.local == b.local && a.peer == b.peer && a.prefix_len == b.prefix_len &&
           a.flags == b.flags;
}

TEST(netconf_undo_record, round_trips_every_step_and_the_resolv_backup) {
    const UndoRecord rec = sample();
    const std::string text = rec.serialize();
    const UndoRecord back = UndoRecord::parse(text);

    EXPECT_EQ(back.pid, 4242);
    ASSERT_EQ(back.steps.size(), rec.steps.size());
    for (std::size_t i = 0; i < rec.steps.size(); ++i) {
        ASSERT_EQ(back.steps[i].index(), rec.steps[i].index()) << "step " << i;
        if (auto* r = std::get_if<undo::RestoreRoute>(&rec.steps[i])) {
            EXPECT_TRUE(same_route(std::get<undo::RestoreRoute>(back.steps[i]).route, r->route)) << text;
        } else if (auto* d = std::get_if<undo::DeleteRoute>(&rec.steps[i])) {
            EXPECT_TRUE(same_route(std::get<undo::DeleteRoute>(back.steps[i]).route, d->route)) << text;
        } else if (auto* a = std::get_if<undo::DeleteAddress>(&rec.steps[i])) {
            const auto& b = std::get<undo::DeleteAddress>(back.steps[i]);
            EXPECT_TRUE(same_address(b.address, a->address)) << text;
            EXPECT_EQ(b.ifname, a->ifname);
        } else if (auto* m = std::get_if<undo::RestoreMtu>(&rec.steps[i])) {
            const auto& b = std::get<undo::RestoreMtu>(back.steps[i]);
            EXPECT_EQ(b.ifindex, m->ifindex);
            EXPECT_EQ(b.ifname, m->ifname);
            EXPECT_EQ(b.mtu, m->mtu);
        } else if (auto* s = std::get_if<undo::SetLinkDown>(&rec.steps[i])) {
            const auto& b = std::get<undo::SetLinkDown>(back.steps[i]);
            EXPECT_EQ(b.ifindex, s->ifindex);
            EXPECT_EQ(b.ifname, s->ifname);
        }
    }
    ASSERT_TRUE(back.resolv_conf);
    EXPECT_EQ(*back.resolv_conf, *rec.resolv_conf);
    EXPECT_EQ(back.serialize(), text) << "stable";
}

TEST(netconf_undo_record, is_readable_text_one_change_per_line) {
    const std::string text = sample().serialize();
    EXPECT_NE(text.find("\nformat=ec20ppp-undo/1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\npid=4242\n"), std::string::npos);
    EXPECT_NE(text.find("step=restore-route family=inet dst=0.0.0.0/0 via=192.168.1.1 dev=eth0 ifindex=2 metric=100"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("resolv.path=/etc/my%20resolv%3Dconf\n"), std::string::npos) << text;
    for (char c : text) {
        EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << "only printable ASCII and newlines";
    }
}

TEST(netconf_undo_record, round_trips_symlink_and_absent_backups) {
    for (auto before : {ResolvConfBackup::Before::symlink, ResolvConfBackup::Before::absent}) {
        UndoRecord rec;
        ResolvConfBackup b;
        b.path = "/etc/resolv.conf";
        b.before = before;
        if (before == ResolvConfBackup::Before::symlink) b.link_target = "../run/systemd/resolve/stub-resolv.conf";
        b.ours = "nameserver 10.0.0.1\n";
        rec.resolv_conf = b;
        const UndoRecord back = UndoRecord::parse(rec.serialize());
        ASSERT_TRUE(back.resolv_conf);
        EXPECT_EQ(*back.resolv_conf, b);
        EXPECT_TRUE(back.steps.empty());
    }
}

TEST(netconf_undo_record, an_empty_record_round_trips) {
    const UndoRecord back = UndoRecord::parse(UndoRecord{}.serialize());
    EXPECT_TRUE(back.empty());
}

TEST(netconf_undo_record, describes_steps_for_logs) {
    EXPECT_EQ(describe(undo::RestoreRoute{previous_default()}),
              "restore route default via 192.168.1.1 dev eth0 metric 100 src 192.168.1.50");
    EXPECT_EQ(describe(undo::RestoreMtu{7, "ec20", 1500}), "restore MTU 1500 of ec20");
}

// parse() must fail with the line number and the specific reason.
void expect_parse_error(const std::string& text, const std::string& fragment) {
    try {
        UndoRecord::parse(text);
        ADD_FAILURE() << "accepted:\n" << text;
    } catch (const UndoRecordError& e) {
        EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
            << "message: " << e.what() << "\nexpected to contain: " << fragment;
        EXPECT_NE(std::string(e.what()).find(" — "), std::string::npos) << "says what to do: " << e.what();
    }
}

TEST(netconf_undo_record, refuses_damaged_records_naming_line_and_reason) {
    const std::string head = "format=ec20ppp-undo/1\n";
    expect_parse_error("", "empty or has only comments");
    expect_parse_error("# only a comment\n", "empty or has only comments");
    expect_parse_error("format=ec20ppp-undo/2\n", "line 1: expected \"format=ec20ppp-undo/1\"");
    expect_parse_error("pid=1\n", "line 1: expected");
    expect_parse_error(head + "pid=abc\n", "line 2: pid=abc is not a process id");
    expect_parse_error(head + "pid=1\npid=2\n", "line 3: pid appears twice");
    expect_parse_error(head + "colour=blue\n", "line 2: unknown key \"colour\"");
    expect_parse_error(head + "no equals sign\n", "line 2: \"no equals sign\" is not key=value");
    expect_parse_error(head + "step=\n", "line 2: step= is empty");
    expect_parse_error(head + "step=reboot-modem dev=ec20\n", "line 2: unknown step kind \"reboot-modem\"");
    expect_parse_error(head + "step=restore-mtu dev=ec20\n", "line 2: step restore-mtu lacks mtu=");
    expect_parse_error(head + "step=restore-mtu dev=ec20 mtu=big\n", "mtu=big is not a number");
    expect_parse_error(head + "step=restore-mtu mtu=1500\n", "names no interface");
    expect_parse_error(head + "step=set-link-down dev=ec20 colour=red\n", "unknown field colour=");
    expect_parse_error(head + "step=set-link-down dev=ec20 dev=ec21\n", "dev appears twice");
    expect_parse_error(head + "step=set-link-down dev=ec%2\n", "broken %-escape");
    expect_parse_error(head + "step=delete-route family=inet dev=ec20\n", "lacks dst=");
    expect_parse_error(head + "step=delete-route family=ipx dst=0.0.0.0/0 dev=ec20\n", "family=ipx");
    expect_parse_error(head + "step=delete-route family=inet dst=0.0.0.0 dev=ec20\n", "lacks the /prefix length");
    expect_parse_error(head + "step=delete-route family=inet dst=0.0.0.0/33 dev=ec20\n", "invalid prefix length");
    expect_parse_error(head + "step=delete-route family=inet dst=::/0 dev=ec20\n", "not an address of the step's family");
    expect_parse_error(head + "step=delete-route family=inet dst=0.0.0.0/0 via=fe80::1 dev=ec20\n",
                       "via=fe80::1 is not of the step's family");
    expect_parse_error(head + "step=delete-route family=inet dst=0.0.0.0/0 dev=ec20 proto=300\n",
                       "proto=300 is not a number from 0 to 255");
    expect_parse_error(head + "step=delete-address dev=ec20 local=10.0.0.300\n", "local=10.0.0.300 is not an IP address");
    expect_parse_error(head + "step=delete-route family=inet dst=0.0.0.0/0 dev=ec20 metrics=xyz\n", "metrics= is not hex");
    expect_parse_error(head + "resolv.before=absent\nresolv.ours=x\n", "lacks resolv.path=");
    expect_parse_error(head + "resolv.path=/etc/resolv.conf\nresolv.before=gone\nresolv.ours=x\n",
                       "line 3: resolv.before=gone is none of absent, file, symlink");
    expect_parse_error(head + "resolv.path=/etc/resolv.conf\nresolv.before=file\nresolv.ours=x\n",
                       "lacks resolv.content=");
    expect_parse_error(head + "resolv.path=/etc/resolv.conf\nresolv.before=absent\nresolv.ours=x\nresolv.target=y\n",
                       "line 5: unknown or misplaced key resolv.target");
    expect_parse_error(head + "resolv.path=/r\nresolv.before=file\nresolv.content=\nresolv.mode=rw\nresolv.uid=0\n"
                              "resolv.gid=0\nresolv.ours=x\n",
                       "line 5: resolv.mode=rw is not a number");
}

TEST(netconf_undo_record, records_the_network_namespace_and_reads_records_without_it) {
    UndoRecord rec;
    rec.pid = 9;
    rec.netns = NetnsIdentity{4, 4026531840};
    const std::string text = rec.serialize();
    EXPECT_NE(text.find("\nnetns=4:4026531840\n"), std::string::npos) << text;
    const UndoRecord back = UndoRecord::parse(text);
    ASSERT_TRUE(back.netns);
    EXPECT_EQ(*back.netns, *rec.netns);
    EXPECT_EQ(back.serialize(), text) << "stable";
    // Records written before the field existed still parse: the namespace is just unknown.
    EXPECT_FALSE(UndoRecord::parse("format=ec20ppp-undo/1\npid=9\n").netns);

    const std::string head = "format=ec20ppp-undo/1\n";
    expect_parse_error(head + "netns=4\n", "line 2: netns=4 is not <device>:<inode>");
    expect_parse_error(head + "netns=4:x\n", "netns=4:x is not <device>:<inode>");
    expect_parse_error(head + "netns=:5\n", "netns=:5 is not <device>:<inode>");
    expect_parse_error(head + "netns=1:2\nnetns=1:2\n", "line 3: netns appears twice");
}

TEST(netconf_undo_record, records_when_its_writer_started_and_reads_records_without_it) {
    UndoRecord rec;
    rec.pid = 9;
    rec.pid_start = 123456789;
    const std::string text = rec.serialize();
    EXPECT_NE(text.find("\npid-start=123456789\n"), std::string::npos) << text;
    const UndoRecord back = UndoRecord::parse(text);
    EXPECT_EQ(back.pid_start, rec.pid_start);
    EXPECT_EQ(back.serialize(), text) << "stable";
    // Records written before the field existed still parse: the start is just unknown.
    EXPECT_FALSE(UndoRecord::parse("format=ec20ppp-undo/1\npid=9\n").pid_start);

    const std::string head = "format=ec20ppp-undo/1\n";
    expect_parse_error(head + "pid-start=soon\n", "line 2: pid-start=soon is not a start time");
    expect_parse_error(head + "pid-start=\n", "line 2: pid-start= is not a start time");
    expect_parse_error(head + "pid-start=1\npid-start=1\n", "line 3: pid-start appears twice");
}

TEST(netconf_undo_record, tolerates_comments_blank_lines_and_crlf) {
    const UndoRecord back = UndoRecord::parse(
        "# saved by ec20ppp\r\n\r\nformat=ec20ppp-undo/1\r\npid=7\r\n\r\n# a comment\nstep=set-link-down dev=ec20\r\n");
    EXPECT_EQ(back.pid, 7);
    ASSERT_EQ(back.steps.size(), 1u);
    EXPECT_EQ(std::get<undo::SetLinkDown>(back.steps[0]).ifname, "ec20");
}

}  // namespace
}  // namespace ec20ppp
