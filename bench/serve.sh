#!/usr/bin/env bash
# Server benchmark: ntpcheck serve vs NTPsec ntpd vs chronyd, in the same run, with
# ../shared/tools/ntpload as ../shared/spec/performance.md measures them: every server serves
# the same loopback-only local-clock setup (../shared/tools/ntpload/configs/), is pinned to core
# 1, the generator to core 0; closed loop with 64 requests in flight, RUNS runs (default 3),
# medians [min–max]. A second table has `limited` rate limiting on (ntpcheck and NTPsec, same
# config line), measured open loop at a fixed offered rate, since a rate-limited server answers
# few of a flood's requests. The ntpecho mmsg responder gives the ceiling of the box.
#
#   bench/serve.sh            # ~6 min; needs root (NTPsec binds UDP 123 on 127.0.0.1)
#
# Environment: PRIO ("chrt -f 10", for servers and generator alike), RUNS (3), DURATION (10 s per closed-loop run), LIMITED_RATE (100000 req/s),
# GEN_CPU/SRV_CPU (0/1), WORKDIR (/tmp/ntpcheck-bench), CHRONYD (unpacked chronyd),
# SERVERS ("ntpcheck ntpsec chrony echo").
#
# Safety: loopback only; every daemon runs without CAP_SYS_TIME (setpriv), ntpcheck also with
# --no-clock-adjust, chronyd with -x; ntpload bounds every run (< 30 s); only the processes this
# script started are stopped, by pid.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
LOADDIR=$SHARED/tools/ntpload
WORKDIR=${WORKDIR:-/tmp/ntpcheck-bench}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
LIMITED_RATE=${LIMITED_RATE:-100000}
GEN_CPU=${GEN_CPU:-0}
SRV_CPU=${SRV_CPU:-1}
SERVERS=${SERVERS:-"ntpcheck ntpsec chrony echo"}
CHRONYD=${CHRONYD:-/opt/chrony-deb/root/usr/sbin/chronyd}
# Every server and the generator run with the same real-time priority (SCHED_FIFO 10): on a box
# shared with other work (compilers, tests) a plain or niced process waits for the CPU after
# each wake-up and every server looks alike and slow; with it they run as on an idle machine.
# The kernel's RT throttling (95 %) keeps the box responsive, and every run is bounded.
# PRIO="nice -n -15" (or "") to compare without it.
read -r -a PRIO <<< "${PRIO-chrt -f 10}"
DROPCAP=("${PRIO[@]}" setpriv --inh-caps=-sys_time --bounding-set=-sys_time --)
RES=$WORKDIR/results
RUN=$WORKDIR/run

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

declare -A PID=() PORT=()
cleanup() {
    local s
    for s in "${!PID[@]}"; do
        kill "${PID[$s]}" 2>/dev/null || true
    done
    for s in "${!PID[@]}"; do
        wait "${PID[$s]}" 2>/dev/null || true
    done
}
trap cleanup EXIT

mkdir -p "$RES" "$RUN"
chmod 700 "$RUN"
rm -f "$RES"/*.json

log "building ntpcheck and ntpload"
(cd "$ROOT" && cargo build --release --locked -q)
NTPCHECK=${CARGO_TARGET_DIR:-$ROOT/target}/release/ntpcheck
cargo build --release -q --manifest-path "$LOADDIR/Cargo.toml" --target-dir "$WORKDIR/ntpload-target"
NTPLOAD=$WORKDIR/ntpload-target/release/ntpload
NTPECHO=$WORKDIR/ntpload-target/release/ntpecho

render() { sed -e "s#@PORT@#$2#g" -e "s#@RUN@#$RUN#g" "$LOADDIR/configs/$1" > "$3"; }

# The same line turns `limited` on for ntpcheck and NTPsec.
limited() { sed -e 's/^restrict 127.0.0.0 mask 255.0.0.0 nomodify$/& limited kod/' "$1" > "$2"; grep -q 'nomodify limited kod' "$2"; }

pin() { # all threads of pid $1 onto SRV_CPU; refuse one that could set the clock
    local p=$1 t
    taskset -a -p -c "$SRV_CPU" "$p" >/dev/null
    if (( 0x$(awk '/^CapEff:/{print $2}' "/proc/$p/status") & (1 << 25) )); then
        log "pid $p still has CAP_SYS_TIME; refusing to measure it"; exit 1
    fi
}

probe() { # port [rate] -> prints "received unsync+KoD"; a rate-limited server needs a gentle probe
    taskset -c "$GEN_CPU" "$NTPLOAD" --server "127.0.0.1:$1" --rate "${2:-200}" --duration 0.5 --warmup 0 --timeout-ms 200 \
        --sockets 16 --json 2>/dev/null | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["received"], max(j["unsync"], j["stratum0"]))' || echo "0 0"
}

# start NAME KIND CONFIG-TEMPLATE-VARIANT
start() {
    local name=$1 kind=$2 variant=${3:-plain} port conf p
    case $kind in
        ntpcheck)
            port=$((11123 + ${#PID[@]}))
            render ntpsec.conf.in "$port" "$RUN/$name.conf"
            [ "$variant" = limited ] && { limited "$RUN/$name.conf" "$RUN/$name.l"; mv "$RUN/$name.l" "$RUN/$name.conf"; }
            taskset -c "$SRV_CPU" "${DROPCAP[@]}" "$NTPCHECK" serve -n --dialect ntpsec -c "$RUN/$name.conf" \
                --listen "127.0.0.1:$port" --no-clock-adjust -l "$RUN/$name.log" >/dev/null 2>&1 &
            p=$!;;
        ntpsec)
            port=123
            ss -Hlun 'sport = :123' | grep -q . && { log "UDP 123 busy: skipping NTPsec"; return 1; }
            render ntpsec.conf.in 123 "$RUN/$name.conf"
            [ "$variant" = limited ] && { limited "$RUN/$name.conf" "$RUN/$name.l"; mv "$RUN/$name.l" "$RUN/$name.conf"; }
            "${DROPCAP[@]}" ntpd -n -c "$RUN/$name.conf" -p "$RUN/$name.pid" -l "$RUN/$name.log" >/dev/null 2>&1 &
            p=$!;;
        chrony)
            [ -x "$CHRONYD" ] || { log "no chronyd at $CHRONYD (unpack the chrony .deb, see .ci/run): skipping"; return 1; }
            port=$((11123 + ${#PID[@]}))
            render chrony.conf.in "$port" "$RUN/$name.conf"
            "${DROPCAP[@]}" "$CHRONYD" -x -u root -d -f "$RUN/$name.conf" >"$RUN/$name.log" 2>&1 &
            p=$!;;
        echo)
            port=$((11123 + ${#PID[@]}))
            "${DROPCAP[@]}" "$NTPECHO" --mode mmsg --listen "127.0.0.1:$port" --lifetime 1800 2>>"$RUN/$name.log" &
            p=$!;;
    esac
    PID[$name]=$p; PORT[$name]=$port
    sleep 0.5
    pin "$p"
    # answering, and synchronised (NTPsec needs ~30-50 s to select its local clock)
    local i r
    for i in $(seq 120); do
        kill -0 "$p" 2>/dev/null || { log "$name exited; see $RUN/$name.log"; unset "PID[$name]"; return 1; }
        read -r got unsync < <(probe "$port" "$([ "$variant" = limited ] && echo 8 || echo 200)")
        # ready: some answers are synchronised, neither LI=3 nor a KoD (with `limited` the probe
        # itself gets some KoDs)
        if [ "$got" -gt 0 ] && { [ "$got" -gt "$unsync" ] || [ "$kind" = echo ]; }; then
            log "$name ($kind) answers synchronised on 127.0.0.1:$port (pid $p)"; return 0
        fi
        sleep 1
    done
    log "$name never answered synchronised"; return 1
}

stop() { local p=${PID[$1]}; kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; unset "PID[$1]"; }

wait_quiet() { # up to 10 s for other processes to use < 0.15 core
    local i a b
    for i in $(seq 5); do
        a=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat); sleep 1
        b=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
        awk -v a="$a" -v b="$b" 'BEGIN{split(a,x," ");split(b,y," "); exit !((y[1]-x[1])/(y[2]-x[2])*2 < 0.15)}' && return 0
    done
    log "machine still busy with other work; measuring anyway (machine_busy in the JSON)"
}

cpu_ns() { # on-CPU nanoseconds of every thread of pid $1 (ntpload reports none when nothing is answered)
    cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'
}

measure() { # name label-suffix ntpload-args...
    local name=$1 out=$2 c0 c1 t0 t1; shift 2
    wait_quiet
    c0=$(cpu_ns "${PID[$name]}"); t0=$(date +%s%N)
    taskset -c "$GEN_CPU" "${PRIO[@]}" "$NTPLOAD" --server "127.0.0.1:${PORT[$name]}" --server-pid "${PID[$name]}" --label "$name" --json "$@" > "$RES/$out.json"
    c1=$(cpu_ns "${PID[$name]}"); t1=$(date +%s%N)
    # server cores over the whole run (warm-up and drain included), for the open-loop table
    echo "$c0 $c1 $t0 $t1" | awk '{printf "%.4f\n", ($2 - $1) / ($4 - $3)}' > "$RES/$out.cores"
}

{
    echo "date: $(date -u +%FT%TZ)"
    echo "kernel: $(uname -r); cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc)"
    echo "ntpcheck: $("$NTPCHECK" serve -V --dialect ntpsec) ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
    echo "ntpsec: $(ntpd --version 2>&1 | head -1)"
    echo "chronyd: $("$CHRONYD" -v 2>&1 | head -1 || echo none)"
    echo "priority: ${PRIO[*]:-none}; server core $SRV_CPU, generator core $GEN_CPU; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RES/env.txt"

# Main table: all servers up at once on different ports, measured in turn, run by run.
up=()
for s in $SERVERS; do
    if start "$s" "$s"; then up+=("$s"); fi
done
for r in $(seq "$RUNS"); do
    for s in "${up[@]}"; do
        measure "$s" "sat.$s.$r" --window 64 --duration "$DURATION" --warmup 1 --timeout-ms 200
        log "$s run $r: $(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(int(j["responses_per_s"]), "resp/s, server", j["cpu_cores"]["server"], "cores")' "$RES/sat.$s.$r.json")"
    done
done
rss() { awk '/^VmHWM:/{print $2}' "/proc/${PID[$1]}/status" > "$RES/rss.$1" 2>/dev/null || true; }
for s in "${up[@]}"; do rss "$s"; stop "$s"; done

# Limited table: open loop at a fixed rate (a rate-limited server answers few of a flood).
lup=()
for s in ntpcheck ntpsec; do
    case " $SERVERS " in *" $s "*) ;; *) continue;; esac
    if start "$s-limited" "$s" limited; then lup+=("$s-limited"); fi
done
for r in $(seq "$RUNS"); do
    for s in "${lup[@]}"; do
        measure "$s" "lim.$s.$r" --rate "$LIMITED_RATE" --duration 5 --warmup 1 --timeout-ms 200
    done
done
for s in "${lup[@]}"; do rss "$s"; stop "$s"; done

python3 - "$RES" "$RUNS" <<'PY' | tee "$WORKDIR/summary.md"
import json, os, statistics, sys
res, runs = sys.argv[1], int(sys.argv[2])
def load(prefix, name):
    out = []
    for r in range(1, runs + 1):
        p = os.path.join(res, f"{prefix}.{name}.{r}.json")
        if os.path.exists(p):
            out.append(json.load(open(p)))
    return out
def cell(vals, fmt):
    if not vals: return "–"
    return f"{fmt(statistics.median(vals))} [{fmt(min(vals))}–{fmt(max(vals))}]"
k = lambda v: f"{v/1000:.0f}k"
us = lambda v: f"{v:.2f}"
pct = lambda v: f"{v:.1f}"
names = {"ntpcheck": "ntpcheck serve", "ntpsec": "NTPsec ntpd", "chrony": "chronyd", "echo": "ntpecho mmsg (ceiling)"}
print(open(os.path.join(res, "env.txt")).read())
print("### Closed loop, 64 in flight (median [min–max] of %d runs)\n" % runs)
def rss(s):
    try:
        return f"{int(open(os.path.join(res, 'rss.' + s)).read()) / 1024:.1f}"
    except (OSError, ValueError):
        return "–"
print("| server | responses/s | server CPU µs/response | server CPU (cores) | loss % | p50 / p99 RTT µs | peak RSS MiB |")
print("|---|---|---|---|---|---|---|")
med = {}
for s in ["ntpcheck", "ntpsec", "chrony", "echo"]:
    js = load("sat", s)
    if not js: continue
    rps = [j["responses_per_s"] for j in js]
    cpu = [j["cpu_cores"]["server"] or 0 for j in js]
    per = [c / r * 1e6 for c, r in zip(cpu, rps) if r]
    med[s] = (statistics.median(rps), statistics.median(per) if per else None)
    print(f"| {names[s]} | {cell(rps, k)} | {cell(per, us)} | {cell(cpu, lambda v: f'{v:.2f}')} | {cell([j['lost_pct'] for j in js], pct)} "
          f"| {statistics.median([j['lat_us']['p50'] for j in js]):.0f} / {statistics.median([j['lat_us']['p99'] for j in js]):.0f} "
          f"| {rss(s)} |")
if "ntpcheck" in med and "ntpsec" in med:
    (r1, c1), (r2, c2) = med["ntpcheck"], med["ntpsec"]
    print(f"\nntpcheck / NTPsec: responses/s {r1/r2:.2f}× (target ≥ 1.05×), CPU per response {c1/c2:.2f}× (target ≤ 0.90×)")
if "ntpcheck" in med and "echo" in med:
    print(f"ntpcheck at {med['ntpcheck'][0]/med['echo'][0]*100:.0f} % of the ntpecho ceiling ({med['echo'][0]/1000:.0f}k/s)")
print("\n### `limited` on (`restrict 127.0.0.0 mask 255.0.0.0 nomodify limited kod`), open loop\n")
print("| server | offered req/s | answered/s (KoD incl.) | KoD/s | server CPU µs/request | server CPU (cores) | peak RSS MiB |")
print("|---|---|---|---|---|---|---|")
for s in ["ntpcheck-limited", "ntpsec-limited"]:
    js = load("lim", s)
    if not js: continue
    off = [j["offered_per_s"] for j in js]
    ans = [j["responses_per_s"] for j in js]
    kod = [j["stratum0"] / j["duration_s"] for j in js]
    cpu = [float(open(os.path.join(res, f"lim.{s}.{r}.cores")).read()) for r in range(1, len(js) + 1)]
    per = [c / o * 1e6 for c, o in zip(cpu, off) if o]
    print(f"| {names[s.split('-')[0]]} | {cell(off, k)} | {cell(ans, k)} | {cell(kod, k)} | {cell(per, us)} | {cell(cpu, lambda v: f'{v:.2f}')} | {rss(s)} |")
PY
