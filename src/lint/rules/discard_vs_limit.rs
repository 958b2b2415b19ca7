//! NTP504 discard-vs-limit.
use super::common::*;

/// `discard` (classic) vs `limit` (NTPsec).
pub struct DiscardVsLimit;

impl DiscardVsLimit {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp504,
        category: Category::Migration,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Migrate(None),
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "`discard average|minimum|monitor` with target NTPsec, or `limit average|burst|kod` with target classic.",
        why: "Each is a syntax error in the other daemon, and the units differ (classic `average` is log2 seconds between packets, NTPsec `average` is packets per second), so a mechanical rename is wrong.",
        flagged: "discard average 3 minimum 1\nserver 192.0.2.1 iburst\n",
        fine: "server 192.0.2.1 iburst\n",
        reference: "ntpconf reference §8; ntp.org access control options (`discard`); NTPsec access control (`limit`).",
        url: NTPSEC_ACCOPT,
    };
}

impl Rule for DiscardVsLimit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(t) = ctx.opts.target else { return };
        let c = ctx.config();
        if t.dialect == Dialect::Ntpsec
            && ctx.classic()
            && let Some(first) = c.discard.first()
        {
            sink.push(
                    Diagnostic::new(Code::Ntp504, ctx.keyword_span(ctx.line_span(first.span)), "NTPsec has no `discard`: use `limit`, whose units differ")
                        .label("syntax error in NTPsec")
                        .help("classic `discard average N` means one packet per 2^N s; NTPsec's `limit average` counts packets per second — recompute the values"),
                );
        }
        if t.dialect == Dialect::Classic
            && !ctx.classic()
            && let Some(first) = c.limit.first()
        {
            sink.push(
                Diagnostic::new(
                    Code::Ntp504,
                    ctx.keyword_span(ctx.line_span(first.span)),
                    "classic ntpd has no `limit`: use `discard`, whose units differ",
                )
                .label("syntax error in classic ntpd")
                .help("classic `discard average N` means one packet per 2^N s; recompute the values"),
            );
        }
    }
}
