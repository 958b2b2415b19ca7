#!/bin/bash
# Record what the real daemons answer to probe.py, serving the local clock
# (`server 127.127.1.0 prefer` + `fudge 127.127.1.0 stratum 3`), each in a private user+network
# namespace (nothing can reach the network or set the clock). Writes probes-classic.txt (classic
# 4.2.8p18 from ../shared/tools/oracle/classic/build.sh) and probes-ntpsec.txt (NTPsec 1.2.2).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
for impl in classic ntpsec; do
  d=$(mktemp -d)
  printf 'server 127.127.1.0 prefer\nfudge 127.127.1.0 stratum 3\n' > "$d/ntp.conf"
  if [ $impl = classic ]; then bin=/opt/ntp-classic-oracle/sbin/ntpd; else bin=/usr/sbin/ntpd; fi
  unshare -U -r -n bash -c "ip link set lo up
    $bin -n -c $d/ntp.conf -f $d/drift -p $d/pid -l $d/log 2>$d/stderr & sleep 3
    python3 '$here/probe.py' 123 > '$here/probes-$impl.txt'; kill %1"
  rm -rf "$d"
done
# Rate limiting: `restrict default limited kod`, 60 packets 50 ms apart, then 20 packets 1 s
# apart, from one address.
for impl in classic ntpsec; do
  d=$(mktemp -d)
  printf 'server 127.127.1.0 prefer\nfudge 127.127.1.0 stratum 3\nrestrict default limited kod\n' > "$d/ntp.conf"
  if [ $impl = classic ]; then bin=/opt/ntp-classic-oracle/sbin/ntpd; else bin=/usr/sbin/ntpd; fi
  unshare -U -r -n bash -c "ip link set lo up
    $bin -n -c $d/ntp.conf -f $d/drift -p $d/pid -l $d/log 2>$d/stderr & sleep 3
    { python3 '$here/burst.py' 123 60 0.05; python3 '$here/burst.py' 123 20 1.0; } > '$here/burst-$impl.txt'; kill %1"
  rm -rf "$d"
done
# NTPsec's built-in default entry (`noquery limited`, no `kod`): the same bursts, no restrict line.
d=$(mktemp -d)
printf 'server 127.127.1.0 prefer\nfudge 127.127.1.0 stratum 3\n' > "$d/ntp.conf"
unshare -U -r -n bash -c "ip link set lo up
  /usr/sbin/ntpd -n -c $d/ntp.conf -f $d/drift -p $d/pid -l $d/log 2>$d/stderr & sleep 3
  { python3 '$here/burst.py' 123 60 0.05; python3 '$here/burst.py' 123 20 1.0; } > '$here/burst-ntpsec-default.txt'; kill %1"
rm -rf "$d"
