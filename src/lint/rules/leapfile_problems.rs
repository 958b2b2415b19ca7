//! NTP329 leapfile-problems.
use super::common::*;

/// A leap-second file that is missing, expired or damaged.
pub struct LeapfileProblems;

impl LeapfileProblems {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp329,
        category: Category::Reliability,
        needs: Needs::EnvFs,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--env`: the `leapfile` is missing or unreadable; its expiry (`#@` line, NTP seconds) is in the past (warning) or within 28 days (info); it has no `#@` line; its `#h` SHA-1 line does not match the data (an error for classic, which checks the hash by default).",
        why: "An expired file is not trusted for leap announcements; classic logs \"expired N days ago\" / \"will expire in less than N days\" and rejects a file whose hash does not match.",
        flagged: "leapfile testdata/lint/NTP329/expired.list\nserver 192.0.2.1 iburst\n",
        fine: "server 192.0.2.1 iburst\n",
        reference: "classic `ntpd/ntp_leapsec.c`, `ntpd/ntp_util.c`; ntp.org miscellaneous options (`leapfile`); RFC 8633 §3.7, App. A.4.",
        url: MISCOPT,
    };
}

/// NTP seconds at the Unix epoch.
const NTP_UNIX: i64 = 2_208_988_800;

/// The NIST leap-seconds.list hash: SHA-1 over the digits of the `#$` and `#@` values and of
/// every data line (comments excluded), written as five 32-bit hex words.
fn leap_hash(text: &str) -> Option<String> {
    use sha1::Digest;
    let mut h = sha1::Sha1::new();
    let mut given = None;
    for l in text.lines() {
        let data = if let Some(r) = l.strip_prefix("#$").or_else(|| l.strip_prefix("#@")) {
            r
        } else if let Some(r) = l.strip_prefix("#h") {
            given = Some(r.split_whitespace().map(|w| format!("{:0>8}", w.to_ascii_lowercase())).collect::<Vec<_>>().join(""));
            continue;
        } else if l.starts_with('#') {
            continue;
        } else {
            l.split('#').next().unwrap_or("")
        };
        let digits: String = data.chars().filter(|c| c.is_ascii_digit()).collect();
        h.update(digits.as_bytes());
    }
    let got = hex::encode(h.finalize());
    given.map(|g| if g == got { String::new() } else { g })
}

impl Rule for LeapfileProblems {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(v) = ctx.var("leapfile") else { return };
        let Value::Str(p) = &v.value else { return };
        let sp = ctx.keyword_span(v.span).to(v.span);
        let text = match std::fs::read_to_string(ctx.env_path(p)) {
            Ok(t) => t,
            Err(e) => {
                sink.push(
                    Diagnostic::new(Code::Ntp329, sp, format!("cannot read the leap file `{p}`: {e}"))
                        .label("no leap second table")
                        .help("install the tzdata/ntp leap-seconds.list file, or fix the path"),
                );
                return;
            }
        };
        let expiry = text.lines().find_map(|l| l.strip_prefix("#@")).and_then(|r| r.split_whitespace().next()?.parse::<i64>().ok());
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0) + NTP_UNIX;
        match expiry {
            None => sink.push(
                Diagnostic::new(Code::Ntp329, sp, "the leap file has no `#@` expiry line")
                    .label("no expiry")
                    .help("use a current leap-seconds.list"),
            ),
            Some(e) if e < now => sink.push(
                Diagnostic::new(
                    Code::Ntp329,
                    sp,
                    format!("the leap file expired {} days ago: its leap announcements are not trusted", (now - e) / 86400),
                )
                .label("expired")
                .help("update the file (it is republished every six months)"),
            ),
            Some(e) if e - now < 28 * 86400 => sink.push(
                Diagnostic::new(Code::Ntp329, sp, format!("the leap file expires in {} days", (e - now) / 86400))
                    .severity(Severity::Info)
                    .label("expires soon")
                    .help("update the file"),
            ),
            _ => {}
        }
        if let Some(bad) = leap_hash(&text).filter(|_| v.checkhash != Some(false))
            && !bad.is_empty()
        {
            sink.push(
                Diagnostic::new(Code::Ntp329, sp, "the leap file's `#h` hash does not match its contents")
                    .severity(if ctx.classic() { Severity::Error } else { Severity::Warning })
                    .label("damaged or edited")
                    .help("download a fresh copy; classic ntpd rejects the file unless `ignorehash` is given"),
            );
        }
    }
}
