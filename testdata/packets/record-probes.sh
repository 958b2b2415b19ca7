#!/bin/bash
# Record what the real daemons answer to probe.py, serving the local clock
# (`server 127.127.1.0 prefer` + `fudge 127.127.1.0 stratum 3`), each in a private user+network
# namespace (nothing can reach the network or set the clock). Writes probes-classic*.txt (classic
# 4.2.8p18 from ../shared/tools/oracle/classic/build.sh) and probes-ntpsec*.txt (NTPsec 1.2.2), one
# file per restrict variant, then the rate-limit bursts (burst-*.txt).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
probe() { # probe IMPL VARIANT EXTRA-CONFIG-LINE
  local impl=$1 variant=$2 extra=$3 d bin out
  d=$(mktemp -d)
  printf 'server 127.127.1.0 prefer\nfudge 127.127.1.0 stratum 3\n%s' "$extra" > "$d/ntp.conf"
  if [ "$impl" = classic ]; then bin=/opt/ntp-classic-oracle/sbin/ntpd; else bin=/usr/sbin/ntpd; fi
  if [ "$variant" = plain ]; then out="$here/probes-$impl.txt"; else out="$here/probes-$impl-$variant.txt"; fi
  unshare -U -r -n bash -c "ip link set lo up
    $bin -n -c $d/ntp.conf -f $d/drift -p $d/pid -l $d/log 2>$d/stderr >/dev/null & sleep 3
    python3 '$here/probe.py' 123 > '$out'; kill %1"
  rm -rf "$d"
}
# One at a time: a loaded machine would turn late replies into "none".
for impl in classic ntpsec; do
  probe $impl plain ''
  for v in nopeer notrust version noserve noquery ignore; do probe $impl $v "restrict default $v
"; done
done
probe classic noepeer 'restrict default noepeer
'
probe classic noauth 'disable auth
'
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
