//! The canonical printer: the typed model written back as ntp.conf text that the same dialect
//! (`cfg.dialect`) reads back to an equivalent model.
//!
//! Unlike [`super::saveconfig`], which imitates classic ntpd's lossy dump, this printer keeps
//! everything the model holds: every association option in written order, `-4`/`-6` qualifiers,
//! every restrict line, every `trustedkey` line, the number of `crypto` lines, and so on.
//! Categories come in a fixed order (roughly the order in which ntpd applies them), since the
//! model keeps categories, not the file's line order; within a category, entries keep file
//! order. Multi-valued directives whose entries ntpd merges into one list (`enable`, `tos`,
//! `statistics`, `logconfig`, …) are written as a single line.
//!
//! Strings are quoted when the scanner would otherwise split or reinterpret them: white space,
//! `#`, the special characters `{}(),;|=` (not in `logconfig`, `phone`, `manycastserver` and
//! `multicastclient`, where the scanner reads every word as a string), and — where the scanner is
//! in token mode — text that would read as a keyword or a number. Numbers are written so that they lex as an Integer (when
//! integral and within `int` range) or a Double, never as a U_int where a number is expected.
//!
//! What the model does not hold is not printed: comments, line order across categories, and
//! `includefile` lines (their files' directives are already part of the model, so they are
//! printed in place of the include).

use std::fmt::Write;

use super::Dialect;
use super::keywords::FollowedBy;
use super::lexer::{as_double, as_integer, keyword};
use super::model::*;

const SPECIAL: &[u8] = b"{}(),;|=";

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Where a string argument is scanned: forced to a string, or classified as a token.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// One forced-string lexeme (the scanner's `String` mode): special characters do not split
    /// it, but they are quoted anyway for readability.
    Str,
    /// Every lexeme to the end of the line is a string (`logconfig`, `phone`, …): quoted only
    /// for white space and `#`, so that `logconfig =syncall` stays as written.
    Eoc,
    /// Token mode: keywords and numbers are classified, special characters split lexemes.
    Tok,
}

struct Printer {
    d: Dialect,
    out: String,
}

impl Printer {
    /// Quote `s` if the scanner would not read it back, in `mode`, as the same string.
    fn q(&self, s: &str, mode: Mode) -> String {
        // `-4…`/`-6…` become the family qualifier even inside quotes: quoting never helps, and
        // such a string can only have come from an unquoted token-mode lexeme.
        if s.starts_with("-4") || s.starts_with("-6") {
            return s.to_string();
        }
        let plain_bad = s.is_empty() || s.bytes().any(|b| is_space(b) || b == b'#' || (mode != Mode::Eoc && SPECIAL.contains(&b)));
        let tok_bad = mode == Mode::Tok && (keyword(s, self.d).is_some() || is_number(s, self.d));
        if plain_bad || tok_bad { format!("\"{s}\"") } else { s.to_string() }
    }

    /// The argument of keyword `kw`, quoted according to the scanner mode `kw` sets.
    fn arg(&self, kw: &str, s: &str) -> String {
        let mode = match keyword(kw, self.d) {
            Some((_, FollowedBy::Token)) => Mode::Tok,
            _ => Mode::Str,
        };
        self.q(s, mode)
    }

    fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// `KW item item …` when the list is not empty.
    fn list<'a>(&mut self, kw: &str, items: impl IntoIterator<Item = &'a str>) {
        let v: Vec<&str> = items.into_iter().collect();
        if !v.is_empty() {
            self.line(&format!("{kw} {}", v.join(" ")));
        }
    }

    /// `KW name value name value …` when the list is not empty.
    fn pairs(&mut self, kw: &str, items: impl IntoIterator<Item = (String, String)>) {
        let mut s = kw.to_string();
        let mut any = false;
        for (n, v) in items {
            any = true;
            write!(s, " {n} {v}").unwrap();
        }
        if any {
            self.line(&s);
        }
    }

    fn address(&self, a: &Address, mode: Mode) -> String {
        let fam = match a.family {
            Some(Family::Ipv4) => "-4 ",
            Some(Family::Ipv6) => "-6 ",
            None => "",
        };
        format!("{fam}{}", self.q(&a.text, mode))
    }

    fn value(&self, kw: &str, v: &Value) -> String {
        match v {
            Value::Int(i) => i.to_string(),
            Value::Number(n) => num(*n, false),
            Value::Str(s) => self.arg(kw, s),
        }
    }
}

/// Would the scanner read this (unquoted, in token mode) as a number of some class?
fn is_number(s: &str, d: Dialect) -> bool {
    let b = s.as_bytes();
    let hex = b.len() >= 2 && b[0] == b'0' && (b[1] | 0x20) == b'x' && b[2..].iter().all(u8::is_ascii_hexdigit);
    as_integer(s).is_some() || hex || b.iter().all(u8::is_ascii_digit) || as_double(s, d).is_some()
}

/// A number that lexes as an Integer (integral, within `int`) or else as a Double; with
/// `double`, always as a Double (`driftfile`'s wander threshold).
fn num(v: f64, double: bool) -> String {
    if v.is_infinite() {
        // The scanner's own reading of an overflowing Double.
        return if v > 0.0 { "1e999" } else { "-1e999" }.into();
    }
    if v == 0.0 && v.is_sign_negative() {
        return "-0.0".into();
    }
    if !double && v.fract() == 0.0 && (i32::MIN as f64..=i32::MAX as f64).contains(&v) {
        return (v as i64).to_string();
    }
    let s = format!("{v}");
    if s.len() > 24 {
        format!("{v:e}")
    } else if s.contains('.') {
        s
    } else {
        s + ".0"
    }
}

/// The canonical ntp.conf text of a model, one directive per line.
///
/// Reading the result in `cfg.dialect` gives back an equivalent model (same entries, same
/// values; spans differ). A `fudge` line all of whose options ntpd dropped is printed with an
/// out-of-range `stratum`, the only way to write a fudge that keeps no option.
pub fn print(cfg: &Config) -> String {
    let mut p = Printer { d: cfg.dialect, out: String::new() };
    vars(&mut p, cfg);
    misc_top(&mut p, cfg);
    auth(&mut p, &cfg.auth);
    system(&mut p, cfg);
    associations(&mut p, cfg);
    misc_bottom(&mut p, cfg);
    for r in &cfg.restricts {
        restrict(&mut p, r);
    }
    tail(&mut p, cfg);
    p.out
}

fn vars(p: &mut Printer, cfg: &Config) {
    for v in &cfg.vars {
        let mut s = v.name.clone();
        match &v.value {
            Value::Str(x) if x.is_empty() && v.name == "driftfile" => {}
            val => write!(s, " {}", p.value(&v.name, val)).unwrap(),
        }
        if let Some(w) = v.wander {
            write!(s, " {}", num(w, true)).unwrap();
        }
        if v.name == "leapfile" && p.d == Dialect::Classic {
            match v.checkhash {
                Some(false) => s.push_str(" ignorehash"),
                Some(true) => s.push_str(" checkhash"),
                None => {}
            }
        }
        p.line(&s);
    }
}

fn misc_top(p: &mut Printer, cfg: &Config) {
    if !cfg.logconfig.is_empty() {
        let items: Vec<String> = cfg.logconfig.iter().map(|l| p.q(&format!("{}{}", l.op, l.item), Mode::Eoc)).collect();
        p.list("logconfig", items.iter().map(String::as_str));
    }
    if let Some(s) = &cfg.statsdir {
        let a = p.arg("statsdir", &s.value);
        p.line(&format!("statsdir {a}"));
    }
    p.list("statistics", cfg.statistics.iter().map(|s| s.value.as_str()));
    for f in &cfg.filegens {
        let mut s = format!("filegen {}", f.name.value);
        for o in &f.options {
            match o {
                FilegenOption::File(x) => write!(s, " file {}", p.arg("file", &x.value)).unwrap(),
                FilegenOption::Type(x) => write!(s, " type {}", x.value).unwrap(),
                FilegenOption::Flag(x) => write!(s, " {}", x.value).unwrap(),
            }
        }
        p.line(&s);
    }
}

fn auth(p: &mut Printer, a: &Auth) {
    if !a.crypto_lines.is_empty() || !a.crypto.is_empty() {
        // ntpd merges the items of every `crypto` line; the count of lines is kept with bare
        // `crypto` lines.
        let items: Vec<(String, String)> = a.crypto.iter().map(|c| (c.name.clone(), p.value(&c.name, &c.value))).collect();
        let mut s = "crypto".to_string();
        for (n, v) in items {
            write!(s, " {n} {v}").unwrap();
        }
        p.line(&s);
        for _ in 1..a.crypto_lines.len() {
            p.line("crypto");
        }
    }
    if let Some(r) = &a.revoke {
        p.line(&format!("revoke {}", r.value));
    }
    if let Some(s) = &a.keysdir {
        let v = p.arg("keysdir", &s.value);
        p.line(&format!("keysdir {v}"));
    }
    if let Some(s) = &a.keys {
        let v = p.arg("keys", &s.value);
        p.line(&format!("keys {v}"));
    }
    for l in &a.trustedkey_lines {
        let mut s = "trustedkey".to_string();
        for i in &l.items {
            match i {
                TrustedKeyItem::Key { id, .. } => write!(s, " {id}").unwrap(),
                TrustedKeyItem::Range { first, last, .. } => write!(s, " ( {first} ... {last} )").unwrap(),
            }
        }
        p.line(&s);
    }
    if let Some(k) = &a.controlkey {
        p.line(&format!("controlkey {}", k.value));
    }
    if let Some(k) = &a.requestkey {
        p.line(&format!("requestkey {}", k.value));
    }
    if let Some(s) = &a.ntpsigndsocket {
        let v = p.arg("ntpsigndsocket", &s.value);
        p.line(&format!("ntpsigndsocket {v}"));
    }
}

fn system(p: &mut Printer, cfg: &Config) {
    p.list("enable", cfg.enable.iter().map(|s| s.value.as_str()));
    p.list("disable", cfg.disable.iter().map(|s| s.value.as_str()));
    let tos: Vec<(String, String)> = cfg
        .tos
        .iter()
        .map(|t| {
            let v = match &t.value {
                // `tos basedate` takes a string; always quoted.
                Value::Str(s) => format!("\"{s}\""),
                v => p.value(&t.name, v),
            };
            (t.name.clone(), v)
        })
        .collect();
    p.pairs("tos", tos);
    p.pairs("rlimit", cfg.rlimit.iter().map(|r| (r.name.clone(), r.value.to_string())));
    p.pairs("tinker", cfg.tinker.iter().map(|r| (r.name.clone(), num(r.value, false))));
    if cfg.broadcastclient.is_some() {
        p.line("broadcastclient");
    }
}

fn associations(p: &mut Printer, cfg: &Config) {
    for a in &cfg.associations {
        let mut s = format!("{} {}", a.kind.keyword(), p.address(&a.address, Mode::Str));
        if let Some(u) = &a.unit {
            write!(s, " unit {}", u.value).unwrap();
        }
        for o in &a.options {
            match o {
                AssocOption::Flag { name, .. } => write!(s, " {name}").unwrap(),
                AssocOption::Int { name, value, .. } => write!(s, " {name} {value}").unwrap(),
                AssocOption::Number { name, value, .. } => write!(s, " {name} {}", num(*value, false)).unwrap(),
                AssocOption::Bool { name, value, .. } => write!(s, " {name} {}", *value as u8).unwrap(),
                AssocOption::Str { name, value, .. } => write!(s, " {name} {}", p.arg(name, value)).unwrap(),
            }
        }
        p.line(&s);
    }
    for f in &cfg.fudges {
        let mut s = format!("fudge {}", p.address(&f.address, Mode::Str));
        if f.options.is_empty() {
            s.push_str(" stratum 17");
        }
        for o in &f.options {
            write!(s, " {} {}", o.name, p.value(&o.name, &o.value)).unwrap();
        }
        p.line(&s);
    }
    for dv in &cfg.devices {
        let mut s = format!("device {}", p.address(&dv.address, Mode::Str));
        for o in &dv.options {
            write!(s, " {} {}", o.name, p.value(&o.name, &o.value)).unwrap();
        }
        p.line(&s);
    }
}

fn misc_bottom(p: &mut Printer, cfg: &Config) {
    for (kw, list) in [("manycastserver", &cfg.manycastserver), ("multicastclient", &cfg.multicastclient)] {
        let v: Vec<String> = list.iter().map(|a| p.address(a, Mode::Eoc)).collect();
        p.list(kw, v.iter().map(String::as_str));
    }
    for u in &cfg.unpeers {
        let a = p.address(&u.address, Mode::Str);
        p.line(&format!("unpeer {a}"));
    }
    if let Some(m) = &cfg.mdnstries {
        p.line(&format!("mdnstries {}", m.value));
    }
    p.pairs("mru", cfg.mru.iter().map(|r| (r.name.clone(), r.value.to_string())));
    p.pairs("discard", cfg.discard.iter().map(|r| (r.name.clone(), r.value.to_string())));
    p.pairs("limit", cfg.limit.iter().map(|r| (r.name.clone(), num(r.value, false))));
    if !cfg.pollskewlist.is_empty() {
        let mut s = "pollskewlist".to_string();
        for ps in &cfg.pollskewlist {
            match ps.poll {
                Some(v) => write!(s, " {v}").unwrap(),
                None => s.push_str(" default"),
            }
            write!(s, " {}|{}", ps.early, ps.late).unwrap();
        }
        p.line(&s);
    }
}

fn restrict(p: &mut Printer, r: &RestrictEntry) {
    let kw = match r.action {
        RestrictAction::Restrict => "restrict",
        RestrictAction::Delrestrict => "delrestrict",
        RestrictAction::Unrestrict => "unrestrict",
    };
    let mut s = kw.to_string();
    match &r.target {
        RestrictTarget::Default { family } => s.push_str(match family {
            None => " default",
            Some(Family::Ipv4) => " -4 default",
            Some(Family::Ipv6) => " -6 default",
        }),
        RestrictTarget::Source { address } => {
            s.push_str(" source");
            if let Some(a) = address {
                write!(s, " {}", p.address(a, Mode::Tok)).unwrap();
            }
        }
        RestrictTarget::Address { address, mask } => {
            write!(s, " {}", p.address(address, Mode::Tok)).unwrap();
            if let Some(m) = mask {
                write!(s, " mask {}", p.q(&m.text, Mode::Tok)).unwrap();
            }
        }
    }
    if let Some(l) = &r.ippeerlimit {
        write!(s, " ippeerlimit {}", l.value).unwrap();
    }
    for f in &r.flags {
        write!(s, " {}", f.value).unwrap();
    }
    p.line(&s);
}

fn tail(p: &mut Printer, cfg: &Config) {
    for n in &cfg.interface_rules {
        let t = if n.is_class { n.target.clone() } else { p.q(&n.target, Mode::Tok) };
        p.line(&format!("interface {} {t}", n.action));
    }
    let phone: Vec<String> = cfg.phone.iter().map(|s| p.q(&s.value, Mode::Eoc)).collect();
    p.list("phone", phone.iter().map(String::as_str));
    for sv in &cfg.setvars {
        let mut s = format!("setvar {} = {}", p.q(&sv.name, Mode::Str), p.q(&sv.value, Mode::Str));
        if sv.default {
            s.push_str(" default");
        }
        p.line(&s);
    }
    let ttl: Vec<String> = cfg.ttl.iter().map(|t| t.value.to_string()).collect();
    p.list("ttl", ttl.iter().map(String::as_str));
    for t in &cfg.traps {
        let mut s = format!("trap {}", p.q(&t.address.text, Mode::Str));
        for k in &t.order {
            match k.as_str() {
                "port" => write!(s, " port {}", t.port.unwrap_or(0)).unwrap(),
                _ => write!(s, " interface {}", p.q(t.interface.as_deref().unwrap_or_default(), Mode::Tok)).unwrap(),
            }
        }
        p.line(&s);
    }
    p.list("reset", cfg.reset.iter().map(|s| s.value.as_str()));
    let nts: Vec<(String, String)> =
        cfg.nts.iter().map(|o| (o.name.clone(), o.value.as_ref().map(|v| p.arg(&o.name, v)).unwrap_or_default())).collect();
    if !nts.is_empty() {
        let mut s = "nts".to_string();
        for (n, v) in nts {
            write!(s, " {n}").unwrap();
            if !v.is_empty() {
                write!(s, " {v}").unwrap();
            }
        }
        p.line(&s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(num(5.0, false), "5");
        assert_eq!(num(5.0, true), "5.0");
        assert_eq!(num(0.125, false), "0.125");
        assert_eq!(num(3e9, false), "3000000000.0");
        assert_eq!(num(1e300, false), "1e300");
        assert_eq!(num(f64::INFINITY, true), "1e999");
        assert_eq!(num(-0.0, false), "-0.0");
        assert_eq!(num(-2147483648.0, false), "-2147483648");
    }

    #[test]
    fn quoting() {
        let p = Printer { d: Dialect::Classic, out: String::new() };
        assert_eq!(p.q("a b", Mode::Str), "\"a b\"");
        assert_eq!(p.q("iburst", Mode::Str), "iburst");
        assert_eq!(p.q("iburst", Mode::Tok), "\"iburst\"");
        assert_eq!(p.q("10", Mode::Tok), "\"10\"");
        assert_eq!(p.q("10.0.0.0", Mode::Tok), "10.0.0.0");
        assert_eq!(p.q("-4x", Mode::Tok), "-4x");
    }
}
