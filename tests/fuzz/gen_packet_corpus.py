#!/usr/bin/env python3
"""gen_packet_corpus.py - writes the seed corpus of fuzz_packet.c.

    python3 tests/fuzz/gen_packet_corpus.py [DIR]

DIR defaults to tests/fuzz/corpus/fuzz_packet next to this script.  Each
seed is a sequence of records (control byte, 16-bit length, packet) as
fuzz_packet.c reads them; the packets are built here byte by byte for the
world fuzz_packet.c sets up (em0 192.0.2.10, 2001:db8::10, fe80::10;
sockets on :53, connected ones 192.0.2.10:5000 -> 198.51.100.1:53 and
[2001:db8::10]:5001 -> [2001:db8::77]:53; groups 239.1.1.1, ff02::fb).
A development aid: the corpus is committed, CI does not run this.
"""
import os
import socket
import struct
import sys

CTL_BCAST, CTL_CSUM_OK, CTL_EM1, CTL_LO0 = 0x01, 0x02, 0x04, 0x08
CTL_ADVANCE, CTL_POLL = 0x10, 0x20


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def a4(s):
    return socket.inet_aton(s)


def a6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def ip4(src, dst, proto, payload, ident=1, off=0, opts=b"", tos=0, ttl=64):
    hl = 20 + len(opts)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, tos, hl + len(payload),
                    ident, off, ttl, proto, 0, a4(src), a4(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def udp(src, sport, dst, dport, data, v6=False):
    ulen = 8 + len(data)
    u = struct.pack("!HHHH", sport, dport, ulen, 0) + data
    if v6:
        ph = a6(src) + a6(dst) + struct.pack("!IxxxB", ulen, 17)
    else:
        ph = a4(src) + a4(dst) + struct.pack("!BBH", 0, 17, ulen)
    c = csum(ph + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def udp4(src, sport, dst, dport, data, **kw):
    return ip4(src, dst, 17, udp(src, sport, dst, dport, data), **kw)


def ip6(src, dst, nxt, payload, hlim=64, tc=0):
    first = struct.pack("!I", (6 << 28) | (tc << 20))
    return first + struct.pack("!HBB", len(payload), nxt, hlim) + \
        a6(src) + a6(dst) + payload


def udp6(src, sport, dst, dport, data):
    return ip6(src, dst, 17, udp(src, sport, dst, dport, data, v6=True))


def ext(nxt, body):
    """An extension header: next header, length, body (padded to 8n)."""
    body = body + b"\0" * ((-(len(body) + 2)) % 8)
    return struct.pack("!BB", nxt, (len(body) + 2) // 8 - 1) + body


def icmp4_unreach(src, dst, code, quote):
    m = struct.pack("!BBHI", 3, code, 0, 0) + quote
    m = m[:2] + struct.pack("!H", csum(m)) + m[4:]
    return ip4(src, dst, 1, m)


def icmp6(src, dst, typ, code, body):
    m = struct.pack("!BBHI", typ, code, 0, 0) + body
    ph = a6(src) + a6(dst) + struct.pack("!IxxxB", len(m), 58)
    m = m[:2] + struct.pack("!H", csum(ph + m)) + m[4:]
    return ip6(src, dst, 58, m)


def rec(pkt, ctl=0):
    return bytes([ctl]) + struct.pack("!H", len(pkt)) + pkt


def frags4(dgram, size, ident):
    hl = (dgram[0] & 15) * 4
    hdr, pay = dgram[:hl], dgram[hl:]
    out = []
    for off in range(0, len(pay), size):
        part = pay[off:off + size]
        more = 0x2000 if off + size < len(pay) else 0
        h = bytearray(hdr)
        struct.pack_into("!HHH", h, 2, hl + len(part), ident, more | off // 8)
        h[10:12] = b"\0\0"
        h[10:12] = struct.pack("!H", csum(bytes(h)))
        out.append(bytes(h) + part)
    return out


def frags6(pkt, size, ident):
    nxt, pay = pkt[6], pkt[40:]
    out = []
    for off in range(0, len(pay), size):
        part = pay[off:off + size]
        m = 1 if off + size < len(pay) else 0
        fh = struct.pack("!BBHI", nxt, 0, off | m, ident)
        h = bytearray(pkt[:40])
        h[6] = 44
        struct.pack_into("!H", h, 4, 8 + len(part))
        out.append(bytes(h) + fh + part)
    return out


def seeds():
    q = b"\x12\x34\x01\x00\x00\x01" + b"\0" * 6 + b"\x07example\x03com\0\0\x01\0\x01"
    s = {}
    s["udp4-dns"] = rec(udp4("198.51.100.7", 4242, "192.0.2.10", 53, q))
    s["udp4-noport-icmp"] = rec(udp4("198.51.100.7", 4242, "192.0.2.10", 9, q),
                                CTL_POLL)
    s["udp4-options"] = rec(udp4("198.51.100.7", 1, "192.0.2.10", 53, b"opt",
                                 opts=b"\x01\x01\x07\x07\x04\0\0\0\0\0\0\0"))
    s["udp4-broadcast"] = rec(udp4("192.0.2.77", 68, "192.0.2.255", 53, b"b"),
                              CTL_BCAST)
    s["udp4-multicast"] = rec(udp4("192.0.2.77", 5353, "239.1.1.1", 5353,
                                   b"mdns", tos=0xb8, ttl=1), CTL_BCAST)
    s["udp4-nosum-csumok"] = rec(udp4("198.51.100.7", 1, "192.0.2.10", 53,
                                      b"x")[:26] + b"\0\0x", CTL_CSUM_OK)
    d = udp4("198.51.100.7", 4242, "192.0.2.10", 53, bytes(range(256)) * 12)
    fr = frags4(d, 1480, 77)
    s["frag4-in-order"] = b"".join(rec(f) for f in fr)
    s["frag4-reverse-dup"] = b"".join(rec(f) for f in fr[::-1] + fr[1:2])
    s["frag4-overlap"] = b"".join(rec(f) for f in fr[:1] + frags4(d, 1000, 77))
    s["frag4-timeout"] = rec(fr[0]) + rec(fr[1], CTL_ADVANCE) + rec(fr[2])
    s["udp6-dns"] = rec(udp6("2001:db8::77", 4242, "2001:db8::10", 53, q))
    s["udp6-linklocal-noport"] = rec(udp6("fe80::77", 1, "fe80::10", 9, b"x"),
                                     CTL_POLL)
    u = udp6("2001:db8::77", 1, "2001:db8::10", 53, b"ext")
    chain = ext(43, b"\x01\x04\0\0\0\0") + ext(60, b"\x04\0\0\0\0\0") + \
        ext(17, b"\x01\x04\0\0\0\0")
    pkt = bytearray(u[:40] + chain + u[40:])
    pkt[6] = 0
    struct.pack_into("!H", pkt, 4, len(pkt) - 40)
    s["udp6-ext-chain"] = rec(bytes(pkt))
    d6 = udp6("2001:db8::77", 4242, "2001:db8::10", 53, bytes(range(256)) * 10)
    f6 = frags6(d6, 1232, 0xabcdef)
    s["frag6-out-of-order"] = b"".join(rec(f) for f in f6[::-1])
    s["frag6-atomic"] = rec(frags6(udp6("2001:db8::77", 1, "2001:db8::10", 53,
                                        b"atomic"), 1000, 5)[0])
    s["udp6-multicast"] = rec(udp6("fe80::77", 5353, "ff02::fb", 5353, b"m"),
                              CTL_BCAST)
    sent = udp4("192.0.2.10", 5000, "198.51.100.1", 53, b"query")
    s["icmp4-unreach-connected"] = rec(icmp4_unreach("198.51.100.1",
                                                     "192.0.2.10", 3, sent))
    sent6 = udp6("2001:db8::10", 5001, "2001:db8::77", 53, b"query")
    s["icmp6-unreach-connected"] = rec(icmp6("2001:db8::1", "2001:db8::10",
                                             1, 4, sent6))
    s["icmp6-echo"] = rec(icmp6("2001:db8::77", "2001:db8::10", 128, 0,
                                b"\0\1\0\1ping"))
    s["garbage"] = b"\x00\x00\x10" + bytes(range(7, 23))
    s["truncated-headers"] = rec(b"\x45\0\0\x40") + rec(b"\x60\0\0\0\0\x10") + \
        rec(b"\x4f" + b"\0" * 30) + rec(b"")
    s["bad-version"] = rec(b"\x75" + b"\0" * 39)
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.join(here, "corpus", "fuzz_packet")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
