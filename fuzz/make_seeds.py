#!/usr/bin/env python3
"""Writes the hand-made seed inputs of every fuzz target into a directory tree
(<out>/<target>/seed-*), in each target's input format (see the comment at the top of each
fuzz/<target>.cpp). scripts/fuzz.sh --seed merges them into fuzz/corpus/ with -merge=1.

The seeds are the real EC20 exchange: the golden packets of tests/link/test_golden_ec20.cpp (the
modem's and pppd's), the AT transcript of tests/chat (chat_harness.hpp), quectel-pppd.sh's chat
script, the dials recorded from the simulator in fuzz/recordings/ (`ec20ppp dial --device sim
--pcap FILE`, as root), and honest dials of the link controller against its own peer in every
configuration."""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "fuzz/seeds"


def h(s):
    return bytes.fromhex(s.replace(" ", ""))


def write(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# ---- the real EC20 exchange (tests/link/test_golden_ec20.cpp) ---------------------------------
LCP, IPCP, IPV6CP, CHAP, PAP, IP = 0xC021, 0x8021, 0x8057, 0xC223, 0xC023, 0x0021
modem = [  # what the EC20 sent, in order
    (LCP, h("01 00 00 19 02 06 00000000 03 05 c223 05 05 06 c63dcf81 07 02 08 02")),
    (LCP, h("02 01 00 14 02 06 00000000 05 06 aee1219c 07 02 08 02")),
    (LCP, h("0b 01 00 08 c63dcf81")),
    (CHAP, h("01 01 00 23 10 2e750da5c19ad54e1b3f558a3cf46c95") + b"UMTS_CHAP_SRVR"),
    (LCP, h("0a 00 00 0c c63dcf81 aee1219c")),
    (CHAP, h("03 01 00 04")),
    (IPCP, h("01 00 00 04")),
    (IPCP, h("03 01 00 16 03 06 0a120ed8 81 06 dd060442 83 06 3af03921")),
    (IPCP, h("01 01 00 04")),
    (IPCP, h("02 02 00 16 03 06 0a120ed8 81 06 dd060442 83 06 3af03921")),
]
pppd = [  # what pppd sent the modem
    (LCP, h("01 01 00 14 02 06 00000000 05 06 aee1219c 07 02 08 02")),
    (LCP, h("02 00 00 19 02 06 00000000 03 05 c223 05 05 06 c63dcf81 07 02 08 02")),
    (CHAP, h("02 01 00 19 10 61712dbe7c3685e20e294713ff4f0a6b 75736572")),
    (IPCP, h("01 01 00 16 03 06 00000000 81 06 00000000 83 06 00000000")),
    (IPCP, h("02 00 00 04")),
    (IPCP, h("01 02 00 16 03 06 0a120ed8 81 06 dd060442 83 06 3af03921")),
]
extra = [  # other packets of the protocols, as peers send them
    (PAP, h("01 01 00 10 04") + b"user" + b"\x06passwd"),
    (PAP, h("02 01 00 0c 07") + b"Welcome"),
    (PAP, h("03 01 00 05 00")),
    (CHAP, h("04 01 00 0a") + b"Denied"),
    (IPV6CP, h("01 01 00 0e 01 0a 0123456789abcdef")),
    (IPV6CP, h("03 01 00 0e 01 0a 1122334455667788")),
    (LCP, h("05 02 00 04")),
    (LCP, h("06 02 00 04")),
    (LCP, h("09 03 00 08 c63dcf81")),
    (LCP, h("08 04 00 0a 80fd 0101 0004")),
    (LCP, h("07 05 00 08 0d 01 00 04")),
    (LCP, h("01 06 00 08 01 04 05dc")),
    (IP, h("4500001c000000004001000000000000000000000800f7ff00000000")),
]

PROTO_INDEX = {LCP: 0, IPCP: 1, IPV6CP: 2, CHAP: 3, PAP: 4, IP: 5}


def inject(proto, body):
    return bytes([0x00, PROTO_INDEX[proto], len(body)]) + body


def read_pcap(path):
    """(sent, protocol, info) of each packet of a DLT_PPP_WITH_DIR capture (src/app/pcap_writer)."""
    with open(path, "rb") as f:
        data = f.read()
    packets, pos = [], 24
    while pos + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, pos + 8)[0]
        rec = data[pos + 16:pos + 16 + caplen]
        pos += 16 + caplen
        packets.append((rec[0] == 1, rec[3] << 8 | rec[4], rec[5:]))
    return packets


recordings = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recordings")
recorded = {}
for name in sorted(os.listdir(recordings)) if os.path.isdir(recordings) else []:
    if name.endswith(".pcap"):
        recorded[name[:-5]] = read_pcap(os.path.join(recordings, name))

# link_control: byte0 config, byte1 more, then records.
#  golden: the modem's packets injected into a client, then time passes (keepalive echo)
for framed in (0, 2):
    seq = b"".join(inject(p, b) for p, b in modem) + bytes([0x05 | (3 << 3), 40, 0])
    write("link_control", f"golden-client-{framed}", bytes([0x80 | framed, 0x00]) + seq)
    seq = b"".join(inject(p, b) for p, b in pppd)
    write("link_control", f"golden-network-{framed}", bytes([0x01 | framed, 0x00]) + seq)
for name, packets in recorded.items():
    pdp = 2 << 5 if "ipv4v6" in name else 0
    # the simulator's packets to a client, the dialer's to a network side
    rx = b"".join(inject(p, b) for sent, p, b in packets if not sent and p in PROTO_INDEX)
    tx = b"".join(inject(p, b) for sent, p, b in packets if sent and p in PROTO_INDEX)
    write("link_control", f"{name}-client", bytes([pdp, 0x00]) + rx + bytes([0x05 | (3 << 3), 40, 0]))
    write("link_control", f"{name}-network", bytes([pdp | 0x01, 0x00]) + tx)
write("link_control", "extra", bytes([0x00, 0x00]) + b"".join(inject(p, b) for p, b in extra))

# honest dials in every configuration: alternate deliveries, then time, then a close
DELIVER_PEER, DELIVER_TARGET = 0x01, 0x02
honest = bytes([DELIVER_PEER, DELIVER_TARGET] * 24)
tail = bytes([0x05 | (3 << 3), 100, 0]) + bytes([DELIVER_PEER, DELIVER_TARGET] * 6) + bytes([0x06]) + \
    bytes([DELIVER_PEER, DELIVER_TARGET] * 4) + bytes([0x05 | (2 << 3), 100, 0])
n = 0
for role in (0, 1):
    for framed in (0, 2):
        for auth in (0, 1, 2):
            for pdp in (0, 1, 2):
                a = role | framed | (auth << 2) | (pdp << 5) | (0x80 if (auth + pdp) % 2 else 0)
                write("link_control", f"dial-{a:02x}", bytes([a, 0x00]) + honest + tail)
                n += 1
# faults: wrong password, small MRU, nothing requested, lossy with timeouts
write("link_control", "wrong-password", bytes([0x00, 0x01]) + honest)
write("link_control", "small-mru-framed", bytes([0x02, 0x04]) + honest + tail)
write("link_control", "no-options", bytes([0x01, 0x08]) + honest + tail)
write("link_control", "lossy", bytes([0x80, 0x10]) + bytes([DELIVER_PEER, 0x03, 0x05 | (1 << 3), 50, 0, DELIVER_TARGET,
                                                            0x04, 0x05 | (2 << 3), 40, 0] * 10))
write("link_control", "rechallenge", bytes([0x81, 0x02]) + honest + bytes([0x05 | (3 << 3), 0x80, 0]) + honest)
write("link_control", "echo-timeout", bytes([0x80, 0x00]) + honest + bytes([0x05 | (3 << 3), 0xff, 0]) * 4)


# ---- HDLC: the golden packets on the wire ------------------------------------------------------
def fcs16(data):
    fcs = 0xFFFF
    for b in data:
        fcs ^= b
        for _ in range(8):
            fcs = (fcs >> 1) ^ 0x8408 if fcs & 1 else fcs >> 1
    return fcs ^ 0xFFFF


def frame(proto, info, accm=0xFFFFFFFF, acfc=False, pfc=False):
    body = b"" if acfc else b"\xff\x03"
    body += bytes([proto]) if pfc and proto < 0x100 else bytes([proto >> 8, proto & 0xFF])
    body += info
    f = fcs16(body)
    body += bytes([f & 0xFF, f >> 8])
    esc = bytearray([0x7E])
    for b in body:
        if b in (0x7D, 0x7E) or (b < 0x20 and accm >> b & 1):
            esc += bytes([0x7D, b ^ 0x20])
        else:
            esc.append(b)
    esc.append(0x7E)
    return bytes(esc)


wire_modem = b"".join(frame(p, b) for p, b in modem)
wire_pppd = b"".join(frame(p, b, accm=0, acfc=p != LCP, pfc=p != LCP) for p, b in pppd)
write("hdlc_deframe", "golden-modem", bytes([0x00, 0x00]) + wire_modem)
write("hdlc_deframe", "golden-modem-chunked", bytes([0x10, 0x87]) + wire_modem)
write("hdlc_deframe", "golden-pppd-compressed", bytes([0xD0, 0x13]) + wire_pppd)
for name, packets in recorded.items():
    write("hdlc_deframe", name, bytes([0x10, 0x21]) + b"".join(frame(p, b, accm=0) for _, p, b in packets))
write("hdlc_deframe", "extra", bytes([0x20, 0x05]) + b"".join(frame(p, b, accm=0) for p, b in extra))
write("hdlc_deframe", "abort-and-garbage", bytes([0x30, 0x01, 0x00, 0x00, 0x0a, 0x00]) +
      b"garbage~\xff\x03\xc0\x21\x7d\x7e~~" + frame(LCP, h("09 03 00 08 c63dcf81")))
write("hdlc_deframe", "fcs32", bytes([0x01, 0x40]) + b"~\xff\x03\xc0\x21\x01\x01\x00\x04\x00\x00\x00\x00~")

# ---- AT: the real transcript (tests/chat/chat_harness.hpp) -------------------------------------
replies = [b"AT\r\r\nOK\r\n", b"ATE0\r\r\nOK\r\n",
           b"\r\nQuectel\r\nEC20F\r\nRevision: EC20CEHDLGR06A05M1G\r\n\r\nSubEdition: V03\r\n\r\n+CSQ: 31,99\r\n"
           b"\r\n+CPIN: READY\r\n\r\n+COPS: 0,0,\"CHN-UNICOM\",7\r\n\r\n+CGREG: 0,1\r\n\r\nOK\r\n",
           b"\r\nOK\r\n", b"\r\nCONNECT 150000000\r\n~\xff}#\xc0!}!}!} }8}\"}&} } } } ~"]


def feed(data, chunk=64):
    recs = b""
    for i in range(0, len(data), chunk):
        piece = data[i:i + chunk]
        recs += bytes([(len(piece) - 1) << 2]) + piece
    return recs


TICK = lambda units, scale=2: bytes([0x02 | (scale << 2), units])  # noqa: E731
transcript = b"".join(feed(r) for r in replies)
write("chat_engine", "golden-dial", bytes([0x00]) + transcript)
write("chat_engine", "golden-dial-small", bytes([0x00]) + b"".join(feed(r, 5) for r in replies))
write("chat_engine", "golden-quectel-script", bytes([0x02]) + transcript)
write("chat_engine", "golden-dial-ipv4v6", bytes([0x08]) + transcript)
info_replies = [b"AT\r\r\nOK\r\n", b"ATE0\r\r\nOK\r\n", b"\r\nQuectel\r\nEC20F\r\nRevision: EC20CEHDLGR06A05M1G\r\n\r\nOK\r\n",
                b"\r\nSubEdition: V03\r\n\r\nOK\r\n", b"\r\n+CSQ: 31,99\r\n\r\nOK\r\n", b"\r\n+CME ERROR: 10\r\n",
                b"\r\n+COPS: 0,0,\"CHN-UNICOM\",7\r\n\r\nOK\r\n", b"\r\n+CGREG: 0,1\r\n\r\nOK\r\n",
                b"\r\n+CEREG: 2,1,\"1A2B\",\"01C3D4E5\",7\r\n\r\nOK\r\n"]
write("chat_engine", "info", bytes([0x01]) + b"".join(feed(r) for r in info_replies))
# registration wait: searching, then registered, with time passing
reg = [replies[0], replies[1], replies[2].replace(b"+CGREG: 0,1", b"+CGREG: 0,2")]
write("chat_engine", "registration-wait", bytes([0x10]) + b"".join(feed(r) for r in reg) + TICK(2) +
      feed(b"\r\n+CGREG: 0,2\r\n\r\nOK\r\n") + TICK(2) + feed(b"\r\n+CEREG: 0,1\r\n\r\nOK\r\n") + feed(replies[3]) +
      feed(replies[4]))
write("chat_engine", "no-sim", bytes([0x00]) + feed(replies[0]) + feed(replies[1]) + feed(b"\r\n+CME ERROR: 10\r\n"))
write("chat_engine", "silent-modem", bytes([0x10]) + TICK(5) + TICK(5) + TICK(50))
write("chat_engine", "dial-refused", bytes([0x00]) + b"".join(feed(r) for r in replies[:4]) + feed(b"\r\nNO CARRIER\r\n"))
script = b"ABORT BUSY '' ATZ OK-AT-OK \\dATD*99#\\q CONNECT\n"
write("chat_engine", "own-script", bytes([0x03, len(script)]) + script + feed(b"ATZ\r\r\nOK\r\n") + TICK(3) +
      feed(b"\r\nCONNECT\r\n~~"))

# ---- chat scripts ----------------------------------------------------------------------------------
write("chat_script", "quectel", b"ABORT BUSY ABORT \"NO CARRIER\" ABORT \"NO DIALTONE\" ABORT ERROR ABORT \"NO ANSWER\" "
      b"TIMEOUT 30 \"\" AT OK ATE0 OK ATI;+CSUB;+CSQ;+CPIN?;+COPS?;+CGREG?;&D2 OK AT+CGDCONT=1,\"IP\",\"3gnet\",,0,0 "
      b"OK ATD*99# CONNECT\n")
write("chat_script", "escapes", b"# a comment\nTIMEOUT 5\nREPORT CONNECT\nSAY 'dialling\\n'\n'' '\\rAT\\d\\p^M'\n"
      b"OK-AT-OK ATD*99#\\c\nCONNECT '\\q\\N\\101\\s\\t\\\\'\nCLR_ABORT BUSY\nCLR_REPORT CONNECT\nECHO ON\nHANGUP OFF\n"
      b"ogin:--ogin: EOT\n")
write("chat_script", "crlf", b"ABORT 'NO CARRIER'\r\n'' AT\r\n\tOK \"ATD*99#\"\r\n")
write("chat_script", "errors", b"'' AT\nOK 'unterminated\n")

# ---- the command line ----------------------------------------------------------------------------
cmdlines = [
    ["dial", "--apn", "3gnet"],
    ["dial", "--apn", "3gnet", "--device", "/dev/ttyUSB3", "--default-route", "replace", "--dns", "resolv-conf"],
    ["dial", "--apn=internet", "--user", "me", "--auth", "chap", "--pdp", "IPV4V6", "--mtu", "1400",
     "--dns=resolv-conf=/tmp/r", "--hangup", "escape", "--data-plane", "none", "--ping", "3", "--debug"],
    ["dial", "--apn", "3gnet", "--device", "sim", "--ping", "3", "--lcp-echo-interval", "0", "--chat-timeout", "5"],
    ["dial", "--apn", "bad apn\"", "--baud", "12345"],
    ["info", "--device", "/dev/ttyUSB2", "--json"],
    ["sim", "--link", "/tmp/ec20", "--no-sim", "--corrupt", "0.01", "--latency", "50", "--silence-after", "10",
     "--auth", "pap", "--dns2", ""],
    ["sim", "--link", "/tmp/ec20", "--address", "10.0.0.1", "--hangup-after", "2.5", "--seed", "7"],
    ["--help"],
    ["dial", "--help"],
    ["--version"],
]
for i, args in enumerate(cmdlines):
    write("cli", f"cmdline-{i}", bytes([i % 4]) + b"\0".join(a.encode() for a in args))

# ---- config files (`dial --config FILE`) -----------------------------------------------------------
# docs/example.conf as shipped, and small files that reach the value checks, the password rule
# and TOML's corners (tables, arrays, multi-line strings, inline comments).
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(root, "docs", "example.conf"), "rb") as f:
    write("config_file", "example", f.read())
configs = [
    b'apn = "3gnet"\n',
    b'apn = "internet"\nuser = "me"\npassword = "secret"\nauth = "chap"\nmtu = 1400\n',
    b'apn = "3gnet"\npersist = true\nmax-fail = 0\nholdoff = 2.5\nlcp-echo-interval = 10\n',
    b'apn = "3gnet"\nmtu = 20\n',
    b'apn = "3gnet"\nunknown-key = 1\n',
    b'apn = "3gnet"\ndefault-route = "replace"\ndns = "resolv-conf=/tmp/r"\nlog-format = "json"\n',
    b'[dial]\napn = "3gnet"\n',
    b'apn = """multi\nline"""\n',
    b'apn = ["3gnet"]\n',
    b'apn = "3gnet" # comment\nbaud = 12345\n',
    b'apn = "3gnet"\npersist = "yes"\n',
]
for i, c in enumerate(configs):
    write("config_file", f"conf-{i}", c)
