//! NTP403 redundant-ipv6-default.
use super::common::*;

/// `restrict -6 default` repeating what `restrict default` set.
pub struct RedundantIpv6Default;

impl RedundantIpv6Default {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp403,
        category: Category::Style,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "`restrict -6 default F` when a `restrict default G` line exists and F ⊆ G. Off in the `cis` profile (CIS audits look for both lines).",
        why: "`restrict default` has set both families since 4.2.6 (Bug 320); the `-6` line only mattered for 4.2.4 and older.",
        flagged: "restrict default kod nomodify notrap nopeer noquery\nrestrict -6 default kod nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        fine: "restrict default kod nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org access control options; classic Bug 320.",
        url: ACCOPT,
    };
}

impl Rule for RedundantIpv6Default {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        if ctx.profile(Profile::Cis) || ctx.opts.target.is_some_and(|t| t.dialect == Dialect::Classic && t.classic_version < (6, 0)) {
            return;
        }
        let rs = &ctx.config().restricts;
        let both: Vec<&crate::config::model::RestrictEntry> = rs
            .iter()
            .filter(|r| r.action == RestrictAction::Restrict && matches!(r.target, RestrictTarget::Default { family: None }))
            .collect();
        // Flags of a line, `ntpport` (part of the entry's key) included.
        let words = |r: &crate::config::model::RestrictEntry| {
            let f = r.flags.iter().filter_map(|f| RestrictFlags::from_keyword(&f.value)).fold(RestrictFlags::NONE, RestrictFlags::union);
            (f, r.has_flag("ntpport"))
        };
        let (g, g_ntpport) = both.iter().fold((RestrictFlags::NONE, false), |(f, p), r| {
            let (rf, rp) = words(r);
            (f | rf, p || rp)
        });
        let Some(anchor) = both.first() else { return };
        for r in rs {
            if r.action != RestrictAction::Restrict
                || !matches!(r.target, RestrictTarget::Default { family: Some(crate::config::model::Family::Ipv6) })
            {
                continue;
            }
            let (f, ntpport) = words(r);
            if f.without(g).is_empty() && (!ntpport || g_ntpport) {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp403,
                        ctx.keyword_span(r.span).to(r.span),
                        "`restrict -6 default` repeats flags `restrict default` already sets for IPv6",
                    )
                    .severity(Severity::Info)
                    .label("redundant since ntpd 4.2.6")
                    .related(ctx.keyword_span(anchor.span).to(anchor.span), "sets both families")
                    .help("delete this line (keep it only for ntpd 4.2.4 or older, or for CIS audit scripts)")
                    .fix(fix("delete the redundant line", Safety::Safe, vec![delete_line(ctx, r.span)])),
                );
            }
        }
    }
}
