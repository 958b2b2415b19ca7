//! NTP323 long-maxpoll.
use super::common::*;

/// `maxpoll 17`, or (stig) no explicit `maxpoll` ≤ 10.
pub struct LongMaxpoll;

impl LongMaxpoll {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp323,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "`maxpoll 17` (a poll every 36.4 h; info). In the `stig` profile: any `server`/`pool` line without an explicit `maxpoll` ≤ 10 (warning).",
        why: "RFC 8633 §3.7: servers announce a leap second only on the last day of the month, so clients should poll at least once a day (2^16 s is the largest safe exponent). STIG RHEL-07-040500 and GEN000241 require `maxpoll 10`.",
        flagged: "server 192.0.2.1 iburst maxpoll 17\n",
        fine: "server 192.0.2.1 iburst maxpoll 10\n",
        reference: "RFC 8633 §3.7; STIG RHEL-07-040500 (V-72269), GEN000241.",
        url: RFC8633,
    };
}

impl Rule for LongMaxpoll {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let stig = ctx.profile(Profile::Stig);
        for s in ctx.network_sources() {
            let mp = s.int("maxpoll");
            if let (Some(v), Some(o)) = (mp, s.opt("maxpoll"))
                && v >= 17
            {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp323,
                        o.span(),
                        "`maxpoll 17` polls only every 36 hours: a leap second announcement can be missed",
                    )
                    .severity(if stig { Severity::Warning } else { Severity::Info })
                    .label("poll interval 2^17 s")
                    .help(if stig { "use `maxpoll 10` (STIG)" } else { "use at most `maxpoll 16`" })
                    .fix(fix(
                        "use `maxpoll 10`",
                        Safety::Unsafe,
                        vec![Edit { span: o.span(), replacement: "maxpoll 10".into() }],
                    )),
                );
                continue;
            }
            if stig && matches!(s.kind(), AssociationKind::Server | AssociationKind::Pool) && mp.is_none_or(|v| v > 10) {
                let d = Diagnostic::new(
                    Code::Ntp323,
                    s.assoc.address.span,
                    "no `maxpoll 10` on this source: the STIG requires polling at least every 1024 s",
                )
                .severity(Severity::Warning)
                .label("STIG RHEL-07-040500");
                let d = match s.opt("maxpoll") {
                    Some(o) => d.help("use `maxpoll 10`").fix(fix(
                        "use `maxpoll 10`",
                        Safety::Safe,
                        vec![Edit { span: o.span(), replacement: "maxpoll 10".into() }],
                    )),
                    None => d.help("append `maxpoll 10`").fix(fix(
                        "add `maxpoll 10`",
                        Safety::Safe,
                        vec![append_after(s.assoc.address.span, "maxpoll 10")],
                    )),
                };
                sink.push(d);
            }
        }
    }
}
