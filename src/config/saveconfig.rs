//! The model written the way classic ntpd's `saveconfig` dumps what it understood
//! (`dump_config_tree` in classic's `ntpd/ntp_config.c`): categories in ntpd's fixed order,
//! file names quoted, an all-ones mask omitted, clamped poll values, fudge lines only under an
//! association with the identical address text. This is how ntpcheck's reading of a file is
//! compared with a real classic ntpd's, line by line.

use std::fmt::Write;

use super::lower::numeric_address;
use super::model::*;

/// C's `%g`.
pub fn fmt_g(d: f64) -> String {
    if d.is_nan() {
        return "nan".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let p = 6i32;
    // Exponent after rounding to p significant digits.
    let e = format!("{:.*e}", (p - 1) as usize, d);
    let (mant, exp) = e.split_once('e').unwrap();
    let x: i32 = exp.parse().unwrap();
    if x < -4 || x >= p {
        let mant = strip_zeros(mant);
        format!("{mant}e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs())
    } else {
        let decimals = (p - 1 - x).max(0) as usize;
        strip_zeros(&format!("{:.*}", decimals, d)).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { s }
}

/// ntpd's `normal_dtoa`: `%g` with a lowercase `e` and no leading zeros in a negative exponent.
pub fn normal_dtoa(d: f64) -> String {
    let s = fmt_g(d);
    if let Some((m, e)) = s.split_once('e') {
        let (sign, digits) = match e.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", e),
        };
        let digits = if sign == "-" { digits.trim_start_matches('0') } else { digits };
        format!("{m}e{sign}{digits}")
    } else {
        s
    }
}

fn value(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Number(n) => normal_dtoa(*n),
        Value::Str(s) => s.clone(),
    }
}

fn quote_if_needed(s: &str) -> String {
    if !s.starts_with('"') && (s.contains(|c| "{}(),;|=".contains(c)) || s.contains(' ')) { format!("\"{s}\"") } else { s.to_string() }
}

/// Days since 1900-01-01 for `tos basedate` (ntpd's `basedate_eval_string`): `YYYY-MM-DD` or a
/// plain day number. `None` when invalid (ntpd then substitutes its build date).
pub fn basedate_days(s: &str) -> Option<i64> {
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let mut it = s.splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) - days_from_civil(1900, 1, 1))
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

struct PeerDump {
    minpoll: u8,
    maxpoll: u8,
    ttl: u32,
    version: u8,
    key: u32,
    group: Option<String>,
    flags: Vec<String>,
}

fn peer_dump(a: &Association) -> PeerDump {
    let mut p = PeerDump { minpoll: 0, maxpoll: 0, ttl: 0, version: 4, key: 0, group: None, flags: Vec::new() };
    for o in &a.options {
        match o {
            AssocOption::Flag { name, .. } => p.flags.push(name.clone()),
            AssocOption::Int { name, value, .. } => {
                let i = *value as u32 as i32;
                let u = *value as u32;
                match name.as_str() {
                    "minpoll" => p.minpoll = if !(3..=255).contains(&i) { 3 } else { u as u8 },
                    "maxpoll" => p.maxpoll = if !(0..=17).contains(&i) { 17 } else { u as u8 },
                    "ttl" => p.ttl = u & 0xff,
                    "mode" => p.ttl = u,
                    "version" => p.version = u as u8,
                    "key" => p.key = u,
                    _ => {}
                }
            }
            AssocOption::Str { name, value, .. } if name == "ident" => p.group = Some(value.clone()),
            _ => {}
        }
    }
    p
}

/// The dump, line by line, without the two `#NTF:` header lines.
pub fn saveconfig(cfg: &Config) -> String {
    let mut o = String::new();
    for v in &cfg.vars {
        match &v.value {
            Value::Number(n) => writeln!(o, "{} {}", v.name, normal_dtoa(*n)).unwrap(),
            Value::Int(i) => writeln!(o, "{} {}", v.name, *i as i32).unwrap(),
            Value::Str(s) => {
                write!(o, "{} \"{}\"", v.name, s).unwrap();
                if let Some(w) = v.wander {
                    writeln!(o, " {}", normal_dtoa(w)).unwrap();
                } else if v.name == "leapfile" {
                    o.push_str(if v.checkhash.unwrap_or(true) { " checkhash\n" } else { " ignorehash\n" });
                } else {
                    o.push('\n');
                }
            }
        }
    }
    if !cfg.logconfig.is_empty() {
        o.push_str("logconfig");
        for l in &cfg.logconfig {
            write!(o, " {}{}", l.op, l.item).unwrap();
        }
        o.push('\n');
    }
    if let Some(s) = &cfg.statsdir {
        writeln!(o, "statsdir \"{}\"", s.value).unwrap();
    }
    list(&mut o, "statistics", cfg.statistics.iter().map(|s| s.value.clone()));
    for f in &cfg.filegens {
        if f.options.is_empty() {
            continue;
        }
        write!(o, "filegen {}", f.name.value).unwrap();
        for opt in &f.options {
            match opt {
                FilegenOption::File(s) => write!(o, " file {}", s.value).unwrap(),
                FilegenOption::Type(s) => write!(o, " type {}", s.value).unwrap(),
                FilegenOption::Flag(s) => write!(o, " {}", s.value).unwrap(),
            }
        }
        o.push('\n');
    }
    if !cfg.auth.crypto.is_empty() {
        o.push_str("crypto");
        for c in &cfg.auth.crypto {
            write!(o, " {} {}", c.name, value(&c.value)).unwrap();
        }
        o.push('\n');
    }
    if let Some(r) = &cfg.auth.revoke {
        if r.value != 0 {
            writeln!(o, "revoke {}", r.value).unwrap();
        }
    }
    if let Some(s) = &cfg.auth.keysdir {
        writeln!(o, "keysdir \"{}\"", s.value).unwrap();
    }
    if let Some(s) = &cfg.auth.keys {
        writeln!(o, "keys \"{}\"", s.value).unwrap();
    }
    if let Some(line) = cfg.auth.trustedkey_lines.last() {
        o.push_str("trustedkey");
        for i in &line.items {
            match i {
                TrustedKeyItem::Key { id, .. } => write!(o, " {id}").unwrap(),
                TrustedKeyItem::Range { first, last, .. } => write!(o, " ({first} ... {last})").unwrap(),
            }
        }
        o.push('\n');
    }
    if let Some(k) = &cfg.auth.controlkey {
        if k.value != 0 {
            writeln!(o, "controlkey {}", k.value).unwrap();
        }
    }
    if let Some(k) = &cfg.auth.requestkey {
        if k.value != 0 {
            writeln!(o, "requestkey {}", k.value).unwrap();
        }
    }
    list(&mut o, "enable", cfg.enable.iter().map(|s| s.value.clone()));
    list(&mut o, "disable", cfg.disable.iter().map(|s| s.value.clone()));
    if !cfg.tos.is_empty() {
        o.push_str("tos");
        for t in &cfg.tos {
            match &t.value {
                Value::Str(s) => {
                    // basedate: printed back as a date.
                    let days = basedate_days(s).unwrap_or(0);
                    let (y, m, d) = civil_from_days(days + days_from_civil(1900, 1, 1));
                    write!(o, " basedate \"{y:04}-{m:02}-{d:02}\"").unwrap();
                }
                v => write!(o, " {} {}", t.name, value(v)).unwrap(),
            }
        }
        o.push('\n');
    }
    pairs(&mut o, "rlimit", cfg.rlimit.iter().map(|r| (r.name.clone(), r.value.to_string())));
    pairs(&mut o, "tinker", cfg.tinker.iter().map(|r| (r.name.clone(), normal_dtoa(r.value))));
    if cfg.broadcastclient.is_some() {
        o.push_str("broadcastclient\n");
    }
    for a in &cfg.associations {
        let p = peer_dump(a);
        o.push_str(a.kind.keyword());
        match a.address.family {
            Some(Family::Ipv4) => o.push_str(" -4"),
            Some(Family::Ipv6) => o.push_str(" -6"),
            None => {}
        }
        write!(o, " {}", a.address.text).unwrap();
        if p.minpoll != 0 {
            write!(o, " minpoll {}", p.minpoll).unwrap();
        }
        if p.maxpoll != 0 {
            write!(o, " maxpoll {}", p.maxpoll).unwrap();
        }
        if p.ttl != 0 {
            if a.address.text.len() > 8 && a.address.text.starts_with("127.127.") {
                write!(o, " mode {}", p.ttl).unwrap();
            } else {
                write!(o, " ttl {}", p.ttl).unwrap();
            }
        }
        if p.version != 4 {
            write!(o, " version {}", p.version).unwrap();
        }
        if p.key != 0 {
            write!(o, " key {}", p.key).unwrap();
        }
        if let Some(g) = &p.group {
            write!(o, " ident \"{g}\"").unwrap();
        }
        for f in &p.flags {
            write!(o, " {f}").unwrap();
        }
        o.push('\n');
        for f in cfg.fudges.iter().filter(|f| f.address.text == a.address.text) {
            write!(o, "fudge {}", a.address.text).unwrap();
            for opt in &f.options {
                write!(o, " {} {}", opt.name, value(&opt.value)).unwrap();
            }
            o.push('\n');
        }
        for dv in cfg.devices.iter().filter(|f| f.address.text == a.address.text) {
            write!(o, "device {}", a.address.text).unwrap();
            for opt in &dv.options {
                write!(o, " {} {}", opt.name, value(&opt.value)).unwrap();
            }
            o.push('\n');
        }
    }
    list(&mut o, "manycastserver", cfg.manycastserver.iter().map(|a| a.text.clone()));
    list(&mut o, "multicastclient", cfg.multicastclient.iter().map(|a| a.text.clone()));
    for u in &cfg.unpeers {
        writeln!(o, "unpeer {}", u.address.text).unwrap();
    }
    pairs(&mut o, "mru", cfg.mru.iter().map(|r| (r.name.clone(), r.value.to_string())));
    pairs(&mut o, "discard", cfg.discard.iter().map(|r| (r.name.clone(), r.value.to_string())));
    if !cfg.pollskewlist.is_empty() {
        o.push_str("pollskewlist");
        for p in &cfg.pollskewlist {
            match p.poll {
                Some(v) => write!(o, " {v}").unwrap(),
                None => o.push_str(" default"),
            }
            write!(o, " {}|{}", p.early, p.late).unwrap();
        }
        o.push('\n');
    }
    for r in &cfg.restricts {
        restrict_line(&mut o, r);
    }
    for n in &cfg.interface_rules {
        writeln!(o, "interface {} {}", n.action, n.target).unwrap();
    }
    if !cfg.phone.is_empty() {
        o.push_str("phone");
        for p in &cfg.phone {
            write!(o, " \"{}\"", p.value).unwrap();
        }
        o.push('\n');
    }
    for s in &cfg.setvars {
        write!(o, "setvar {} = {}", quote_if_needed(&s.name), quote_if_needed(&s.value)).unwrap();
        if s.default {
            o.push_str(" default");
        }
        o.push('\n');
    }
    list(&mut o, "ttl", cfg.ttl.iter().map(|t| t.value.to_string()));
    for t in &cfg.traps {
        write!(o, "trap {}", t.address.text).unwrap();
        for k in &t.order {
            match k.as_str() {
                "port" => write!(o, " port {}", t.port.unwrap_or(0)).unwrap(),
                _ => write!(o, " interface {}", t.interface.clone().unwrap_or_default()).unwrap(),
            }
        }
        o.push('\n');
    }
    list(&mut o, "reset", cfg.reset.iter().map(|s| s.value.clone()));
    o
}

fn restrict_line(o: &mut String, r: &RestrictEntry) {
    let kw = if r.action == RestrictAction::Delrestrict { "delrestrict" } else { "restrict" };
    let (s, mask): (String, Option<&Address>) = match &r.target {
        RestrictTarget::Default { family: None } => ("default".into(), None),
        RestrictTarget::Default { family: Some(Family::Ipv4) } => ("-4 default".into(), None),
        RestrictTarget::Default { family: Some(Family::Ipv6) } => ("-6 default".into(), None),
        RestrictTarget::Source { address: None } => ("source".into(), None),
        RestrictTarget::Source { address: Some(a) } => (format!("source {}", a.text), None),
        RestrictTarget::Address { address, mask } => {
            let mp = mask.as_ref().map(|m| m.text.as_str()).unwrap_or("");
            if address.family == Some(Family::Ipv4) && mp == "0.0.0.0" && address.text == mp {
                ("-4 default".into(), None)
            } else {
                (address.text.clone(), mask.as_ref())
            }
        }
    };
    write!(o, "{kw} {s}").unwrap();
    if let Some(m) = mask {
        let omit = match numeric_address(&m.text) {
            Some(std::net::IpAddr::V4(v)) => v == std::net::Ipv4Addr::BROADCAST,
            Some(std::net::IpAddr::V6(v)) => v.segments().iter().all(|s| *s == 0xffff),
            None => false,
        };
        if !omit {
            write!(o, " mask {}", m.text).unwrap();
        }
    }
    if let Some(l) = &r.ippeerlimit {
        if l.value != -1 {
            write!(o, " ippeerlimit {}", l.value).unwrap();
        }
    }
    for f in &r.flags {
        write!(o, " {}", f.value).unwrap();
    }
    o.push('\n');
}

fn list(o: &mut String, kw: &str, items: impl Iterator<Item = String>) {
    let v: Vec<String> = items.collect();
    if !v.is_empty() {
        writeln!(o, "{kw} {}", v.join(" ")).unwrap();
    }
}

fn pairs(o: &mut String, kw: &str, items: impl Iterator<Item = (String, String)>) {
    let v: Vec<(String, String)> = items.collect();
    if !v.is_empty() {
        o.push_str(kw);
        for (n, x) in v {
            write!(o, " {n} {x}").unwrap();
        }
        o.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn g_format() {
        assert_eq!(fmt_g(0.128), "0.128");
        assert_eq!(fmt_g(1000000.0), "1e+06");
        assert_eq!(normal_dtoa(1e-5), "1e-5");
        assert_eq!(fmt_g(15.0), "15");
        assert_eq!(fmt_g(100000.0), "100000");
        assert_eq!(fmt_g(1e-7), "1e-07");
    }
    #[test]
    fn basedate() {
        let d = basedate_days("2020-01-01").unwrap();
        let (y, m, dd) = civil_from_days(d + days_from_civil(1900, 1, 1));
        assert_eq!((y, m, dd), (2020, 1, 1));
    }
}
