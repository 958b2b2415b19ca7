#!/usr/bin/env python3
"""Send COUNT mode 3 requests from one source (127.0.9.9) every SPACING seconds to
127.0.0.1:PORT and print one character per packet: R reply, K RATE kiss, . nothing.
Used by record-probes.sh with `restrict default limited kod`."""
import socket, struct, sys, time
port, count, spacing = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.9.9', 0))
s.settimeout(0.02)
out = ''
start = time.monotonic()
for i in range(count):
    while time.monotonic() < start + i * spacing:
        time.sleep(0.001)
    pkt = bytes([0x23, 0, 6, 0xec]) + b'\0' * 36 + struct.pack('>II', 0xeeb17300, i)
    s.sendto(pkt, ('127.0.0.1', port))
    try:
        d, a = s.recvfrom(2048)
        out += 'K' if d[12:16] == b'RATE' else 'R'
    except socket.timeout:
        out += '.'
print(out)
