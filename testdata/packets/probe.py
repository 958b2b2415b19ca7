#!/usr/bin/env python3
"""Send crafted NTP packets to a server on 127.0.0.1:PORT, each from its own 127.0.x.y source
(so rate limiting does not interfere), and print one line per probe:
NAME REQUEST-HEX -> REPLY-SUMMARY (fields that do not depend on the clock).
Used to record testdata/packets/probes-{classic,ntpsec}.txt from the real daemons:
  see record-probes.sh."""
import socket, struct, sys
port = int(sys.argv[1]) if len(sys.argv) > 1 else 123
XMT = struct.pack('>II', 0xeeb17300, 0x12345678)
def hdr(v, m, li=0, stratum=0, poll=6, prec=0xec):
    return bytes([(li << 6) | (v << 3) | m, stratum, poll & 0xff, prec]) + b'\0' * 36 + XMT
probes = [
 ('v4m3', hdr(4,3)), ('v3m3', hdr(3,3)), ('v2m3', hdr(2,3)), ('v1m3', hdr(1,3)), ('v1m0', hdr(1,0)), ('v1m1', hdr(1,1)),
 ('v0m3', hdr(0,3)), ('v5m3', hdr(5,3)), ('v6m3', hdr(6,3)), ('v7m3', hdr(7,3)), ('v2m0', hdr(2,0)),
 ('v4m1-unsync', hdr(4,1,li=3)), ('v4m1-s2', hdr(4,1,li=0,stratum=2)), ('v3m1-s2', hdr(3,1,li=0,stratum=2)), ('v4m2', hdr(4,2)), ('v4m4', hdr(4,4)), ('v4m5', hdr(4,5)),
 ('v2m6-readstat', bytes([0x16, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])), ('v2m7', bytes([0x17, 0, 3, 0]) + b'\0' * 44),
 ('v4m3-nak', hdr(4,3) + b'\0\0\0\0'), ('v4m3-nak7', hdr(4,3) + b'\0\0\0\7'),
 ('v4m3-key99-md5', hdr(4,3) + struct.pack('>I', 99) + b'\1' * 16), ('v4m3-key99-sha1', hdr(4,3) + struct.pack('>I', 99) + b'\1' * 20),
 ('v4m3-ef16', hdr(4,3) + bytes([1, 4, 0, 16]) + b'\0' * 12), ('v4m3-ef28', hdr(4,3) + bytes([1, 4, 0, 28]) + b'\0' * 24),
 ('v4m3-ef32', hdr(4,3) + bytes([1, 4, 0, 32]) + b'\0' * 28), ('v4m3-ef28-bad', hdr(4,3) + bytes([1, 4, 0, 30]) + b'\0' * 24),
 ('v3m3-ef28', hdr(3,3) + bytes([1, 4, 0, 28]) + b'\0' * 24),
 ('v3m3-trail6', hdr(3,3) + b'\0' * 6), ('v2m3-trail6', hdr(2,3) + b'\0' * 6), ('v3m3-trail72', hdr(3,3) + b'\0' * 72), ('v4m3-trail8', hdr(4,3) + b'\0' * 8),
 ('v4m3-len47', hdr(4,3)[:47]), ('v4m3-len12', hdr(4,3)[:12]), ('v4m3-len1', hdr(4,3)[:1]),
 ('v4m3-poll0', hdr(4,3,poll=0)), ('v4m3-poll-6', hdr(4,3,poll=-6)), ('v4m3-poll20', hdr(4,3,poll=20)), ('v4m3-poll2', hdr(4,3,poll=2)),
]
for i, (name, pkt) in enumerate(probes):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.%d.%d' % (1 + i // 250, 2 + i % 250), 0))
    s.settimeout(0.4)
    s.sendto(pkt, ('127.0.0.1', port))
    try:
        d, a = s.recvfrom(2048)
        if len(d) >= 48:
            r = f'len={len(d)} li={d[0] >> 6} vn={(d[0] >> 3) & 7} mode={d[0] & 7} stratum={d[1]} poll={struct.unpack("b", d[2:3])[0]} refid={d[12:16].hex()} origin={"ok" if d[24:32] == XMT else "BAD"} trailer={d[48:].hex() or "-"}'
        else:
            r = f'len={len(d)} short'
    except socket.timeout:
        r = 'none'
    print(f'{name} {pkt.hex()} -> {r}')
