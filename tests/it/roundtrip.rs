//! Property tests of the loader and the canonical printer:
//! - the parser never panics, and every diagnostic span lies in bounds and on char boundaries,
//!   for arbitrary bytes and for generated "almost valid" lines;
//! - `print ∘ parse` is stable: printing, reading back and printing again gives the same text,
//!   and the reprint adds no syntax error;
//! - a few exact printouts of hand-written configurations.

use std::collections::BTreeSet;

use ntpcheck::config::Dialect;
use ntpcheck::config::load::Loaded;
use ntpcheck::config::parser::{RESTRICT_FLAGS_C, RESTRICT_FLAGS_S, RLIMIT, SYSOPT_C, SYSOPT_S, TINKER};
use ntpcheck::config::print::print;
use ntpcheck::diagnostic::Severity;
use ntpcheck::source::Span;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestCaseError;

use crate::util;

const DIALECTS: [Dialect; 2] = [Dialect::Classic, Dialect::Ntpsec];

fn span_ok(l: &Loaded, s: Span, what: &str) -> Result<(), TestCaseError> {
    prop_assert!((s.file.0 as usize) < l.sources.files().len(), "{what}: file {:?} unknown", s.file);
    let text = &l.sources.get(s.file).text;
    prop_assert!(s.start <= s.end && s.end <= text.len(), "{what}: span {s:?} out of bounds (len {})", text.len());
    prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end), "{what}: span {s:?} not on char boundaries");
    Ok(())
}

/// Every diagnostic (and fix edit) span is in bounds and on char boundaries.
fn check_spans(l: &Loaded) -> Result<(), TestCaseError> {
    for d in &l.diagnostics {
        span_ok(l, d.span, d.code.as_str())?;
        if let Some(f) = &d.fix {
            for e in &f.edits {
                span_ok(l, e.span, "fix edit")?;
            }
        }
    }
    Ok(())
}

/// Syntax errors: NTP0xx codes with error severity.
fn syntax_errors(l: &Loaded) -> BTreeSet<&'static str> {
    l.diagnostics.iter().filter(|d| d.severity == Severity::Error && d.code.as_str().starts_with("NTP0")).map(|d| d.code.as_str()).collect()
}

/// The model as JSON without positions: every span becomes `"span"`, `span` fields go, and
/// `includes` (not printed: their directives are) is dropped.
fn model_json(l: &Loaded) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                let is_span = m.len() == 3 && ["file", "start", "end"].iter().all(|k| m.contains_key(*k));
                if is_span {
                    *v = serde_json::Value::String("span".into());
                    return;
                }
                m.remove("span");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(&l.config).unwrap();
    v.as_object_mut().unwrap().remove("includes");
    strip(&mut v);
    v
}

/// `print(parse(print(parse(text))))` == `print(parse(text))`, the reprint reads back to the
/// same model (spans aside), and it adds no syntax error.
fn check_stable(text: &str, d: Dialect) -> Result<(), TestCaseError> {
    let first = util::parse(text, d);
    let p1 = print(&first.config);
    let second = util::parse(&p1, d);
    let p2 = print(&second.config);
    prop_assert_eq!(&p1, &p2, "input:\n{}", text);
    prop_assert_eq!(model_json(&first), model_json(&second), "input:\n{}\nprinted:\n{}", text, p1);
    let before = syntax_errors(&first);
    let new: Vec<_> = syntax_errors(&second).into_iter().filter(|c| !before.contains(c)).collect();
    prop_assert!(new.is_empty(), "reprint adds {:?}\ninput:\n{}\nprinted:\n{}", new, text, p1);
    Ok(())
}

/// Known parser bug (reported, not fixed here): when the scanner stops early (NUL byte, fatal
/// token) the token stream has no final end of command, and `P::tok()` then keeps returning the
/// last token, so the `trustedkey`, `ttl` and `logconfig` loops never end (`trustedkey 1 \0`,
/// `ttl 5 0x`). Such inputs are skipped until the scanner ends every stream with an Eoc; once it
/// does, this returns `false` for every input.
/// The minimal inputs of the known hang; un-ignore once the scanner is fixed.
#[test]
fn fatal_token_after_list_terminates() {
    for text in ["trustedkey 1 \0", "ttl 5 0x\n", "logconfig a \0"] {
        util::parse(text, Dialect::Classic);
    }
}

// ---------------------------------------------------------------------------------------------
// (a) arbitrary bytes, (b) "almost valid" lines.

const VOCAB: &[&str] = &[
    "server",
    "pool",
    "peer",
    "broadcast",
    "manycastclient",
    "refclock",
    "unpeer",
    "unconfig",
    "restrict",
    "delrestrict",
    "unrestrict",
    "fudge",
    "device",
    "driftfile",
    "leapfile",
    "logfile",
    "logconfig",
    "statsdir",
    "statistics",
    "filegen",
    "keys",
    "keysdir",
    "trustedkey",
    "controlkey",
    "requestkey",
    "revoke",
    "crypto",
    "enable",
    "disable",
    "tos",
    "rlimit",
    "tinker",
    "broadcastclient",
    "manycastserver",
    "multicastclient",
    "mdnstries",
    "mru",
    "discard",
    "limit",
    "pollskewlist",
    "interface",
    "nic",
    "phone",
    "setvar",
    "ttl",
    "trap",
    "reset",
    "nts",
    "end",
    "simulate",
    "simulation_duration",
    "includefile",
    "missing.conf",
    "beep_delay",
    "server_offset",
    "duration",
    "jitter",
    "epeer",
    "abbrev",
    "=syncall",
    "+bogus",
    "tick",
    "nonvolatile",
    "dscp",
    "ident",
    "automax",
    "iburst",
    "burst",
    "prefer",
    "minpoll",
    "maxpoll",
    "key",
    "version",
    "mode",
    "unit",
    "stratum",
    "time1",
    "flag1",
    "refid",
    "path",
    "ca",
    "cert",
    "mask",
    "default",
    "source",
    "ippeerlimit",
    "serverresponse",
    "fuzz",
    "nomodify",
    "noquery",
    "kod",
    "limited",
    "ceiling",
    "minsane",
    "basedate",
    "cohort",
    "checkhash",
    "ignorehash",
    "file",
    "type",
    "day",
    "link",
    "port",
    "listen",
    "all",
    "wildcard",
    "true",
    "-4",
    "-6",
    "...",
    "192.0.2.1",
    "127.127.1.0",
    "::1",
    "[fe80::1%eth0]",
    "10.0.0.0/8",
    "255.255.255.0",
    "pool.ntp.org",
    "0",
    "1",
    "-1",
    "17",
    "99999999999",
    "2147483648",
    "0x10",
    "0x",
    "0xfffffffff",
    "1.5",
    "1e",
    ".5",
    "5.",
    "-2.5e3",
    "1e-400",
    "1e999",
    "1g",
    "\"",
    "\"a b\"",
    "\"\"",
    "\" \"",
    "#",
    "# comment",
    "//",
    "/*",
    ";",
    "(",
    ")",
    "|",
    "=",
    "{",
    "}",
    ",",
    "é",
    "\t",
    "\r",
    "\u{0}",
    "Server",
    "\"iburst\"",
];

fn almost_valid_text() -> impl Strategy<Value = String> {
    let tok = prop_oneof![
        10 => select(VOCAB).prop_map(String::from),
        1 => "[a-z0-9./:-]{1,12}",
        1 => Just("x".repeat(130)),
    ];
    let sep = select(&[" ", " ", " ", "", "\t", "  "][..]);
    let line = proptest::collection::vec((tok, sep), 0..8).prop_map(|v| v.into_iter().map(|(t, s)| t + s).collect::<String>());
    (proptest::collection::vec(line, 0..12), select(&["\n", "\r\n"][..])).prop_map(|(lines, nl)| lines.join(nl))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        for d in DIALECTS {
            let l = ntpcheck::config::load::load_bytes(
                "test.conf",
                &bytes,
                &ntpcheck::config::load::LoadOptions { dialect: d, ..Default::default() },
            );
            check_spans(&l)?;
        }
    }

    #[test]
    fn almost_valid_lines_never_panic(text in almost_valid_text()) {
        for d in DIALECTS {
            let l = util::parse(&text, d);
            check_spans(&l)?;
            // Printing whatever was kept must not panic either, and must be stable.
            check_stable(&text, d)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (c) generated valid configurations.

fn pick(v: &'static [&'static str]) -> BoxedStrategy<String> {
    select(v).prop_map(String::from).boxed()
}

/// Zero or one of `s`, as text.
fn maybe(s: BoxedStrategy<String>) -> BoxedStrategy<String> {
    prop_oneof![Just(String::new()), s].boxed()
}

/// `n` items of `s` joined by spaces.
fn some(s: BoxedStrategy<String>, lo: usize, hi: usize) -> BoxedStrategy<String> {
    proptest::collection::vec(s, lo..hi).prop_map(|v| v.join(" ")).boxed()
}

fn int() -> BoxedStrategy<String> {
    prop_oneof![3 => (-5i32..40).prop_map(|n| n.to_string()), 1 => pick(&["2147483647", "-2147483648", "99999999999", "65535"])].boxed()
}

fn uint() -> BoxedStrategy<String> {
    prop_oneof![3 => (0u32..70000).prop_map(|n| n.to_string()), 1 => pick(&["0x10", "0xFFFF", "4294967295", "3000000000"])].boxed()
}

fn double() -> BoxedStrategy<String> {
    prop_oneof![
        2 => (-1000.0f64..1000.0).prop_map(|f| f.to_string()),
        1 => pick(&["0.5", "1.5e-3", "1e300", "-2.25", "5.", ".5", "1e999", "3e9", "1e-7", "0.0", "-0.0", "15"]),
    ]
    .boxed()
}

fn boolean() -> BoxedStrategy<String> {
    pick(&["0", "1", "true", "2"])
}

/// Strings for string-mode positions (paths, names, values).
fn string() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-zA-Z/_][a-zA-Z0-9/._-]{0,15}",
        1 => pick(&["iburst", "default", "10", "0x1", "1.5", "\"with space\"", "\"x#y\"", "\"a=b\"", "\"{x}\"", "a=b", "\"(p)\"", "-", "\"\tt\""]),
    ]
    .boxed()
}

/// Addresses for string-mode positions (associations, fudge, unpeer).
fn addr() -> BoxedStrategy<String> {
    let a = prop_oneof![
        3 => pick(&["192.0.2.1", "2001:db8::1", "pool.ntp.org", "time.example.com", "10.0.0.1", "[fe80::1%eth0]", "0.pool.ntp.org"]),
        1 => pick(&["iburst", "\"a b\"", "127.127.1.0", "224.0.1.1"]),
    ];
    (pick(&["", "", "-4 ", "-6 "]), a).prop_map(|(f, a)| f + &a).boxed()
}

/// Addresses for token-mode positions (restrict, mask, interface).
fn tok_addr() -> BoxedStrategy<String> {
    pick(&["192.0.2.1", "10.0.0.0", "2001:db8::", "host.example", "\"10\"", "\"default\"", "10.0.0.0/8", "fe80::/64", "-4x", "\"a b\""])
}

fn refclock_addr() -> BoxedStrategy<String> {
    prop_oneof![(0u8..50, 0u8..4).prop_map(|(t, u)| format!("127.127.{t}.{u}")), Just("192.0.2.1".to_string())].boxed()
}

fn assoc_classic() -> BoxedStrategy<String> {
    let opt = prop_oneof![
        pick(&["burst", "iburst", "noselect", "prefer", "true", "preempt", "autokey", "xleave", "xmtnonce"]),
        (pick(&["key", "minpoll", "maxpoll", "version", "ttl", "mode"]), uint()).prop_map(|(k, v)| format!("{k} {v}")),
        string().prop_map(|s| format!("ident {s}")),
    ]
    .boxed();
    (pick(&["server", "pool", "peer", "broadcast", "manycastclient"]), prop_oneof![addr(), refclock_addr()], some(opt, 0, 5))
        .prop_map(|(k, a, o)| format!("{k} {a} {o}"))
        .boxed()
}

fn assoc_ntpsec() -> BoxedStrategy<String> {
    let opt = prop_oneof![
        pick(&["burst", "iburst", "noselect", "noval", "nts", "prefer", "true"]),
        (pick(&["key", "minpoll", "maxpoll", "mode", "subtype", "version", "baud", "holdover"]), uint())
            .prop_map(|(k, v)| format!("{k} {v}")),
        int().prop_map(|v| format!("stratum {v}")),
        (pick(&["bias", "time1", "time2"]), double()).prop_map(|(k, v)| format!("{k} {v}")),
        (pick(&["flag1", "flag2", "flag3", "flag4"]), boolean()).prop_map(|(k, v)| format!("{k} {v}")),
        (pick(&["refid", "path", "ppspath", "ca", "cert", "aead"]), string()).prop_map(|(k, v)| format!("{k} {v}")),
    ]
    .boxed();
    let refclock = (pick(&["gpsd", "shm", "nmea", "\"x y\""]), maybe((0i32..4).prop_map(|u| format!("unit {u}")).boxed()))
        .prop_map(|(n, u)| format!("refclock {n} {u}"));
    let net = (pick(&["server", "pool", "peer"]), addr()).prop_map(|(k, a)| format!("{k} {a}"));
    (prop_oneof![3 => net, 1 => refclock], some(opt, 0, 5)).prop_map(|(h, o)| format!("{h} {o}")).boxed()
}

fn restrict_line(classic: bool) -> BoxedStrategy<String> {
    let target = prop_oneof![
        pick(&["default", "-4 default", "-6 default", "source"]),
        tok_addr(),
        (tok_addr(), tok_addr()).prop_map(|(a, m)| format!("{a} mask {m}")),
        (pick(&["-4", "-6"]), tok_addr()).prop_map(|(f, a)| format!("{f} {a}")),
    ];
    // The parser's own lists; `serverresponse` is the first word of a two-word flag.
    let flags = pick(if classic { RESTRICT_FLAGS_C } else { RESTRICT_FLAGS_S })
        .prop_map(|f| if f == "serverresponse" { "serverresponse fuzz".to_string() } else { f })
        .boxed();
    let kw = if classic { pick(&["restrict", "restrict", "restrict"]) } else { pick(&["restrict", "restrict", "unrestrict"]) };
    let limit = if classic { maybe(int().prop_map(|n| format!("ippeerlimit {n}")).boxed()) } else { Just(String::new()).boxed() };
    let line = (kw, target, limit, some(flags, 0, 5)).prop_map(|(k, t, l, f)| format!("{k} {t} {l} {f}"));
    if classic {
        let del = prop_oneof![
            tok_addr().prop_map(|a| format!("delrestrict source {a}")),
            tok_addr().prop_map(|a| format!("delrestrict {a}")),
            (tok_addr(), tok_addr()).prop_map(|(a, m)| format!("delrestrict {a} mask {m}")),
        ];
        prop_oneof![4 => line, 1 => del].boxed()
    } else {
        line.boxed()
    }
}

fn fudge_line(classic: bool) -> BoxedStrategy<String> {
    let mut opts = vec![
        (pick(&["time1", "time2"]), double()).prop_map(|(k, v)| format!("{k} {v}")).boxed(),
        (pick(&["flag1", "flag2", "flag3", "flag4"]), boolean()).prop_map(|(k, v)| format!("{k} {v}")).boxed(),
        int().prop_map(|v| format!("stratum {v}")).boxed(),
        string().prop_map(|v| format!("refid {v}")).boxed(),
    ];
    if classic {
        opts.push(double().prop_map(|v| format!("minjitter {v}")).boxed());
        opts.push(string().prop_map(|v| format!("abbrev {v}")).boxed());
    }
    let opt = proptest::strategy::Union::new(opts).boxed();
    (refclock_addr(), some(opt, 1, 4)).prop_map(|(a, o)| format!("fudge {a} {o}")).boxed()
}

fn vars_line(classic: bool) -> BoxedStrategy<String> {
    let mut v = vec![
        Just("driftfile".to_string()).boxed(),
        (string(), maybe(double())).prop_map(|(p, w)| format!("driftfile {p} {w}")).boxed(),
        (pick(&["logfile", "pidfile"]), string()).prop_map(|(k, p)| format!("{k} {p}")).boxed(),
        (pick(&["nonvolatile", "tick"]), double()).prop_map(|(k, p)| format!("{k} {p}")).boxed(),
        (pick(&["dscp", "leapsmearinterval"]), int()).prop_map(|(k, p)| format!("{k} {p}")).boxed(),
    ];
    if classic {
        v.push((string(), pick(&["", "checkhash", "ignorehash"])).prop_map(|(p, c)| format!("leapfile {p} {c}")).boxed());
        v.push((pick(&["saveconfigdir", "ident"]), string()).prop_map(|(k, p)| format!("{k} {p}")).boxed());
        v.push(double().prop_map(|p| format!("broadcastdelay {p}")).boxed());
        v.push(int().prop_map(|p| format!("automax {p}")).boxed());
    } else {
        v.push(string().prop_map(|p| format!("leapfile {p}")).boxed());
    }
    proptest::strategy::Union::new(v).boxed()
}

fn stats_lines(classic: bool) -> BoxedStrategy<String> {
    let names: &'static [&'static str] = if classic {
        &["clockstats", "cryptostats", "loopstats", "peerstats", "rawstats", "sysstats", "timingstats", "protostats"]
    } else {
        &["clockstats", "loopstats", "peerstats", "rawstats", "sysstats", "protostats", "usestats"]
    };
    let fopt = prop_oneof![
        string().prop_map(|f| format!("file {f}")),
        pick(&["none", "pid", "day", "week", "month", "year", "age"]).prop_map(|t| format!("type {t}")),
        pick(&["link", "nolink", "enable", "disable"]),
    ]
    .boxed();
    prop_oneof![
        some(pick(names), 1, 4).prop_map(|s| format!("statistics {s}")),
        (pick(names), some(fopt, 0, 4)).prop_map(|(n, o)| format!("filegen {n} {o}")),
        string().prop_map(|s| format!("statsdir {s}")),
        some(prop_oneof![string(), pick(&["=syncall", "+clockall", "-peerevents", "sysall", "\"+a b\"", "+", "=x=y"])].boxed(), 1, 4)
            .prop_map(|s| format!("logconfig {s}")),
    ]
    .boxed()
}

fn auth_line(classic: bool) -> BoxedStrategy<String> {
    let tk = prop_oneof![int(), (int(), int()).prop_map(|(a, b)| format!("({a} ... {b})"))].boxed();
    let mut v = vec![
        string().prop_map(|s| format!("keys {s}")).boxed(),
        some(tk, 1, 4).prop_map(|s| format!("trustedkey {s}")).boxed(),
        (pick(&["controlkey", "requestkey"]), int()).prop_map(|(k, n)| format!("{k} {n}")).boxed(),
        string().prop_map(|s| format!("ntpsigndsocket {s}")).boxed(),
    ];
    if classic {
        let citem = prop_oneof![
            (pick(&["host", "ident", "pw", "randfile", "digest"]), string()).prop_map(|(k, s)| format!("{k} {s}")),
            int().prop_map(|n| format!("revoke {n}")),
        ]
        .boxed();
        v.push(some(citem, 0, 4).prop_map(|s| format!("crypto {s}")).boxed());
        v.push(string().prop_map(|s| format!("keysdir {s}")).boxed());
        v.push(int().prop_map(|n| format!("revoke {n}")).boxed());
    }
    proptest::strategy::Union::new(v).boxed()
}

fn system_line(classic: bool) -> BoxedStrategy<String> {
    let sysopts = if classic { SYSOPT_C } else { SYSOPT_S };
    let tos_int: &'static [&'static str] = if classic {
        &["bcpollbstep", "beacon", "ceiling", "floor", "maxclock", "minclock", "minsane", "orphan", "orphanwait"]
    } else {
        &["ceiling", "floor", "orphan", "orphanwait", "minsane"]
    };
    let tos_num: &'static [&'static str] =
        if classic { &["mindist", "maxdist"] } else { &["mindist", "maxdisp", "maxdist", "minclock", "maxclock"] };
    let mut tos = vec![
        (pick(tos_int), int()).prop_map(|(k, v)| format!("{k} {v}")).boxed(),
        (pick(tos_num), double()).prop_map(|(k, v)| format!("{k} {v}")).boxed(),
    ];
    if classic {
        tos.push(boolean().prop_map(|b| format!("cohort {b}")).boxed());
        tos.push(pick(&["2020-01-01", "\"2001-02-03\"", "40000"]).prop_map(|b| format!("basedate {b}")).boxed());
    }
    let tos = proptest::strategy::Union::new(tos).boxed();
    let tinker = (pick(TINKER), double()).prop_map(|(k, v)| format!("{k} {v}")).boxed();
    let mru: &'static [&'static str] = if classic {
        &["incalloc", "incmem", "initalloc", "initmem", "maxage", "maxdepth", "maxmem", "mindepth"]
    } else {
        &["incalloc", "incmem", "initalloc", "initmem", "maxage", "minage", "maxdepth", "maxmem", "mindepth"]
    };
    let mut v = vec![
        (pick(&["enable", "disable"]), some(pick(sysopts), 1, 4)).prop_map(|(k, s)| format!("{k} {s}")).boxed(),
        some(tos, 1, 4).prop_map(|s| format!("tos {s}")).boxed(),
        some((pick(RLIMIT), int()).prop_map(|(k, v)| format!("{k} {v}")).boxed(), 1, 3).prop_map(|s| format!("rlimit {s}")).boxed(),
        some(tinker, 1, 3).prop_map(|s| format!("tinker {s}")).boxed(),
        some((pick(mru), int()).prop_map(|(k, v)| format!("{k} {v}")).boxed(), 1, 3).prop_map(|s| format!("mru {s}")).boxed(),
        int().prop_map(|n| format!("mdnstries {n}")).boxed(),
        (
            pick(&["interface", "nic"]),
            pick(&["listen", "ignore", "drop"]),
            prop_oneof![pick(&["all", "ipv4", "ipv6", "wildcard", "eth0"]), tok_addr()],
        )
            .prop_map(|(k, a, t)| format!("{k} {a} {t}"))
            .boxed(),
        some(string(), 1, 3).prop_map(|s| format!("phone {s}")).boxed(),
        (string(), string(), pick(&["", "default"])).prop_map(|(n, v, d)| format!("setvar {n} = {v} {d}")).boxed(),
        some(pick(&["allpeers", "auth", "ctl", "io", "mem", "sys", "timer"]), 1, 3).prop_map(|s| format!("reset {s}")).boxed(),
        addr().prop_map(|a| format!("unpeer {a}")).boxed(),
        Just("# just a comment".to_string()).boxed(),
        Just(String::new()).boxed(),
    ];
    if classic {
        v.push(Just("broadcastclient".to_string()).boxed());
        v.push((pick(&["manycastserver", "multicastclient"]), some(addr(), 1, 3)).prop_map(|(k, a)| format!("{k} {a}")).boxed());
        v.push(
            some((pick(&["average", "minimum", "monitor"]), int()).prop_map(|(k, v)| format!("{k} {v}")).boxed(), 1, 3)
                .prop_map(|s| format!("discard {s}"))
                .boxed(),
        );
        let ps = (prop_oneof![(3i32..18).prop_map(|n| n.to_string()), Just("default".to_string())], 0i32..5, 0i32..5)
            .prop_map(|(p, e, l)| format!("{p} {e}|{l}"))
            .boxed();
        v.push(some(ps, 1, 3).prop_map(|s| format!("pollskewlist {s}")).boxed());
        v.push(some(int(), 1, 4).prop_map(|s| format!("ttl {s}")).boxed());
        let topt = prop_oneof![int().prop_map(|n| format!("port {n}")), tok_addr().prop_map(|a| format!("interface {a}"))].boxed();
        v.push((string(), some(topt, 0, 3)).prop_map(|(a, o)| format!("trap {a} {o}")).boxed());
        v.push(
            (refclock_addr(), some((pick(&["timedata", "ppsdata"]), string()).prop_map(|(k, s)| format!("{k} {s}")).boxed(), 1, 3))
                .prop_map(|(a, o)| format!("device {a} {o}"))
                .boxed(),
        );
    } else {
        v.push(
            some((pick(&["average", "burst", "kod"]), double()).prop_map(|(k, v)| format!("{k} {v}")).boxed(), 1, 3)
                .prop_map(|s| format!("limit {s}"))
                .boxed(),
        );
        let nopt = prop_oneof![
            pick(&["enable", "disable"]),
            (pick(&["aead", "ca", "cert", "cookie", "key", "tlsciphersuites", "maxtls", "mintls"]), string())
                .prop_map(|(k, s)| format!("{k} {s}")),
        ]
        .boxed();
        v.push(some(nopt, 1, 4).prop_map(|s| format!("nts {s}")).boxed());
    }
    proptest::strategy::Union::new(v).boxed()
}

fn config_text(d: Dialect) -> BoxedStrategy<String> {
    let c = d == Dialect::Classic;
    let assoc = if c { assoc_classic() } else { assoc_ntpsec() };
    let line = prop_oneof![
        4 => assoc,
        3 => restrict_line(c),
        1 => fudge_line(c),
        2 => vars_line(c),
        1 => stats_lines(c),
        2 => auth_line(c),
        4 => system_line(c),
    ];
    proptest::collection::vec(line, 0..25).prop_map(|v| v.join("\n") + "\n").boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn print_parse_stable_classic(text in config_text(Dialect::Classic)) {
        check_stable(&text, Dialect::Classic)?;
    }

    #[test]
    fn print_parse_stable_ntpsec(text in config_text(Dialect::Ntpsec)) {
        check_stable(&text, Dialect::Ntpsec)?;
    }
}

/// The stored corpus and the project's test data print stably in both dialects.
#[test]
fn corpus_prints_stably() {
    let mut files = Vec::new();
    for dir in [util::shared().join("corpus").join("public"), util::root().join("testdata")] {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                files.extend(
                    std::fs::read_dir(&p)
                        .into_iter()
                        .flatten()
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "conf")),
                );
            } else {
                files.push(p);
            }
        }
    }
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for d in DIALECTS {
            if let Err(e) = check_stable(&text, d) {
                panic!("{} ({d:?}): {e}", f.display());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Exact printouts.

fn printed(text: &str, d: Dialect) -> String {
    let l = util::parse(text, d);
    print(&l.config)
}

#[test]
fn print_classic_exact() {
    let text = "\
# comment
restrict -4 default kod limited nomodify nopeer noquery notrap
restrict 10.0.0.0 mask 255.0.0.0 ippeerlimit 5 serverresponse fuzz nomodify
delrestrict source 192.0.2.7
server -4 0.pool.ntp.org iburst minpoll 4 maxpoll 0x0a key 70000 ident \"my group\"
fudge 127.127.1.0 stratum 10 time1 0.5 flag1 true refid LCL
driftfile /var/lib/ntp/ntp.drift 1e-6
leapfile \"/etc/leap seconds\" ignorehash
tick 1
trustedkey 1 (5 ... 8)
trustedkey 2
tos minsane 3 mindist 0.02 basedate 2020-01-01
pollskewlist 4 1|2 default 3|3
interface listen \"10\"
setvar name = \"a b\" default
";
    let want = "\
driftfile /var/lib/ntp/ntp.drift 0.000001
leapfile \"/etc/leap seconds\" ignorehash
tick 1
trustedkey 1 ( 5 ... 8 )
trustedkey 2
tos minsane 3 mindist 0.02 basedate \"2020-01-01\"
server -4 0.pool.ntp.org iburst minpoll 4 maxpoll 10 key 70000 ident \"my group\"
fudge 127.127.1.0 stratum 10 time1 0.5 flag1 1 refid LCL
pollskewlist 4 1|2 default 3|3
restrict -4 default kod limited nomodify nopeer noquery notrap
restrict 10.0.0.0 mask 255.0.0.0 ippeerlimit 5 serverresponse fuzz nomodify
delrestrict source 192.0.2.7
interface listen \"10\"
setvar name = \"a b\" default
";
    assert_eq!(printed(text, Dialect::Classic), want);
    assert_eq!(printed(want, Dialect::Classic), want);
}

#[test]
fn print_classic_misc() {
    let text = "\
driftfile
crypto host h pw secret
crypto randfile /dev/urandom revoke 4
logconfig =syncall +clockall
keys /etc/ntp.keys
broadcastclient
manycastserver 224.0.1.1 -6 ff05::101
restrict source nomodify
trap 192.0.2.9 interface 192.0.2.1 port 1234
ttl 1 2 127
";
    let want = "\
driftfile
logconfig =syncall +clockall
crypto host h pw secret randfile /dev/urandom
crypto
revoke 4
keys /etc/ntp.keys
broadcastclient
manycastserver 224.0.1.1 -6 ff05::101
restrict source nomodify
ttl 1 2 127
trap 192.0.2.9 interface 192.0.2.1 port 1234
";
    assert_eq!(printed(text, Dialect::Classic), want);
}

#[test]
fn print_ntpsec_exact() {
    let text = "\
refclock shm unit 1 refid GPS time1 0.1 flag1 1 stratum 3 prefer
server time.example.com nts iburst noval
unrestrict 192.0.2.1 nomodify
restrict -6 default ignore
limit average 3 burst 2.5
nts ca /etc/ca cookie \"/var/lib/nts cookies\" enable
tos minclock 3 maxclock 10.5
";
    let want = "\
tos minclock 3 maxclock 10.5
refclock shm unit 1 refid GPS time1 0.1 flag1 1 stratum 3 prefer
server time.example.com nts iburst noval
limit average 3 burst 2.5
unrestrict 192.0.2.1 nomodify
restrict -6 default ignore
nts ca /etc/ca cookie \"/var/lib/nts cookies\" enable
";
    assert_eq!(printed(text, Dialect::Ntpsec), want);
    assert_eq!(printed(want, Dialect::Ntpsec), want);
}

#[test]
fn print_ntpsec_quoting() {
    // `ca` is followed by a token-mode word in NTPsec: keywords and numbers there need quotes.
    let text = "server 192.0.2.1 ca \"10\" aead 10 path /dev/x\nrestrict \"default\" \n";
    let want = "server 192.0.2.1 ca \"10\" aead 10 path /dev/x\nrestrict \"default\"\n";
    assert_eq!(printed(text, Dialect::Ntpsec), want);
}

/// The fuzz target's seeds and crash regressions (`testdata/fuzz/`, see `fuzz/`) under the same
/// checks as the property tests, in both dialects.
#[test]
fn fuzz_inputs_hold() {
    let dir = util::root().join("testdata").join("fuzz");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("testdata/fuzz exists").flatten() {
        let bytes = std::fs::read(e.path()).unwrap();
        n += 1;
        for d in DIALECTS {
            let l = ntpcheck::config::load::load_bytes(
                "fuzz.conf",
                &bytes,
                &ntpcheck::config::load::LoadOptions { dialect: d, no_conf_dir: true, ..Default::default() },
            );
            if let Err(e) = check_spans(&l) {
                panic!("{}: {e}", e_path(&dir, &bytes));
            }
            let _ = ntpcheck::config::saveconfig::saveconfig(&l.config);
            let _ = print(&l.config);
        }
    }
    assert!(n >= 5, "expected fuzz seeds in testdata/fuzz, found {n}");
}

fn e_path(dir: &std::path::Path, bytes: &[u8]) -> String {
    format!("{} input of {} bytes", dir.display(), bytes.len())
}
