//! NTP201 default-restrict-weak.
use super::common::*;

/// The default restrict entry of a family leaves mode 6 queries, runtime changes, traps or
/// peering open.
pub struct DefaultRestrictWeak;

impl DefaultRestrictWeak {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp201,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "A family's default restrict entry (what every host without a more specific entry gets) that lacks `noquery` or `nomodify` (warning), or in classic ntpd only `notrap`/`nopeer` (info); a classic config with no default line at all. IPv6 is skipped when `interface ignore ipv6` is set. The `cis` profile raises it to an error.",
        why: "Classic ntpd's default entry has no flags: anyone may send mode 6 queries (large replies usable for amplification, leaks of refid and timestamps), set traps, and attempt runtime configuration. NTPsec has a built-in `noquery limited` default unless `unrestrict` removes it. CIS requires `kod nomodify notrap nopeer noquery` on both defaults.",
        flagged: "restrict default kod\nserver 192.0.2.1 iburst\n",
        fine: "restrict default kod limited nomodify notrap nopeer noquery\nrestrict source nomodify notrap noquery\nrestrict 127.0.0.1\nrestrict ::1\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org access control options (`noquery`, `nomodify`, `notrap`, `nopeer`); RFC 8633 §3.4, App. A.2; CVE-2015-8139, CVE-2016-9310; NTPsec accopt (built-in default).",
        url: ACCOPT,
    };
}

impl Rule for DefaultRestrictWeak {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let a = ctx.access();
        let cis = ctx.profile(Profile::Cis);
        let classic = ctx.classic();
        // With one `restrict default` line covering both families, report once.
        let mut reported_lines: Vec<(usize, Vec<&str>)> = Vec::new();
        for v6 in [false, true] {
            if v6 && ctx.ipv6_disabled() {
                continue;
            }
            let e = a.default_entry(v6);
            let fam_word = if v6 { "IPv6" } else { "IPv4" };
            let want: &[RestrictFlags] = if classic {
                &[RestrictFlags::NOQUERY, RestrictFlags::NOMODIFY, RestrictFlags::NOTRAP, RestrictFlags::NOPEER]
            } else {
                &[RestrictFlags::NOQUERY, RestrictFlags::NOMODIFY]
            };
            let blocked_all = e.flags.contains(RestrictFlags::IGNORE);
            if blocked_all {
                continue;
            }
            let missing: Vec<&str> = want.iter().filter(|f| !e.flags.contains(**f)).flat_map(|f| flag_words(*f)).collect();
            if missing.is_empty() {
                continue;
            }
            let serious = missing.iter().any(|m| *m == "noquery" || *m == "nomodify");
            let sev = if cis {
                Severity::Error
            } else if serious {
                Severity::Warning
            } else {
                Severity::Info
            };
            let line = a.default_lines(v6).last().map(|&l| l as usize);
            if line.is_none() && v6 && a.default_lines(false).is_empty() && !ctx.ipv6_disabled() {
                continue; // reported once for both families
            }
            if let Some(l) = line {
                if reported_lines.iter().any(|(x, m)| *x == l && *m == missing) {
                    continue;
                }
                reported_lines.push((l, missing.clone()));
            }
            let list = missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
            let d = match line {
                Some(l) => {
                    let r = &ctx.config().restricts[l];
                    let both = matches!(r.target, RestrictTarget::Default { family: None });
                    let who =
                        if both { "the default restrict entry".to_string() } else { format!("the {fam_word} default restrict entry") };
                    let edit = append_after(r.span, &missing.join(" "));
                    Diagnostic::new(Code::Ntp201, ctx.keyword_span(r.span).to(r.span), format!("{who} lacks {list}: unknown hosts get that access"))
                        .label(format!("{fam_word} default flags: {}", if e.flags.is_empty() { "none".into() } else { flag_words(e.flags).join(" ") }))
                        .help(format!("add {list} to this line (`restrict default kod limited nomodify notrap nopeer noquery`, then `restrict source nomodify notrap noquery`, `restrict 127.0.0.1`, `restrict ::1`)"))
                        .fix(fix(format!("add {}", missing.join(" ")), Safety::Unsafe, vec![edit]))
                }
                None => {
                    let first = Span::new(crate::source::FileId(0), 0, ctx.line_span(Span::new(crate::source::FileId(0), 0, 0)).end);
                    let extra = if classic {
                        "classic ntpd's default entry has no flags"
                    } else {
                        "NTPsec's built-in default was changed by `unrestrict`"
                    };
                    let fam_word = if !v6 && a.default_lines(true).is_empty() && !ctx.ipv6_disabled() { "IPv4 and IPv6" } else { fam_word };
                    Diagnostic::new(Code::Ntp201, first, format!("no `restrict default` line: the {fam_word} default entry lacks {list}"))
                        .label(extra)
                        .help("add `restrict default kod limited nomodify notrap nopeer noquery` and `restrict source nomodify notrap noquery`")
                        .fix(fix(
                            "add a hardened default",
                            Safety::Unsafe,
                            vec![Edit { span: Span::new(crate::source::FileId(0), 0, 0), replacement: "restrict default kod limited nomodify notrap nopeer noquery\nrestrict source nomodify notrap noquery\n".into() }],
                        ))
                }
            };
            sink.push(d.severity(sev));
        }
    }
}
