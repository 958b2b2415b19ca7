//! NTP202 ipv6-default-open.
use super::common::*;

/// The IPv4 default is restricted, the IPv6 default is not.
pub struct Ipv6DefaultOpen;

impl Ipv6DefaultOpen {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp202,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "A `restrict -4 default …` (or `restrict 0.0.0.0 mask 0.0.0.0 …`) line with neither `restrict default …` nor `restrict -6 default …`, while IPv6 is not disabled.",
        why: "The IPv6 default entry keeps no flags: IPv6 clients get full query and peer access while IPv4 is locked down.",
        flagged: "restrict -4 default kod nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        fine: "restrict -4 default kod nomodify notrap nopeer noquery\nrestrict -6 default kod nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org access control options; classic Bug 320 (`restrict default` sets both families since 4.2.6).",
        url: ACCOPT,
    };
}

impl Rule for Ipv6DefaultOpen {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        if ctx.ipv6_disabled() {
            return;
        }
        let a = ctx.access();
        let v4 = a.default_entry(false);
        if a.default_lines(false).is_empty() || !a.default_lines(true).is_empty() || v4.flags.is_empty() {
            return;
        }
        let l = &ctx.config().restricts[*a.default_lines(false).last().expect("non-empty") as usize];
        let flags = flag_words(v4.flags).join(" ");
        sink.push(
            Diagnostic::new(
                Code::Ntp202,
                ctx.keyword_span(l.span).to(l.span),
                "only the IPv4 default is restricted: IPv6 clients get full access",
            )
            .label("IPv4 only")
            .help(format!("add `restrict -6 default {flags}` (or write `restrict default {flags}`)"))
            .fix(fix(
                "add the same flags for IPv6",
                Safety::Safe,
                vec![insert_line_after(ctx, l.span, &format!("restrict -6 default {flags}"))],
            )),
        );
    }
}
