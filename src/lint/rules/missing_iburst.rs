//! NTP313 missing-iburst.
use super::common::*;

/// `server`/`pool` without `iburst`.
pub struct MissingIburst;

impl MissingIburst {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp313,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "A network `server` or `pool` line without `iburst`.",
        why: "Start-up synchronization takes several poll intervals (minutes) instead of a few seconds; the ntp.org docs call `iburst` recommended for `server`.",
        flagged: "server 192.0.2.1\n",
        fine: "server 192.0.2.1 iburst\n",
        reference: "ntp.org association options (`iburst`); ntp.org poll process.",
        url: CONFOPT,
    };
}

impl Rule for MissingIburst {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for s in ctx.network_sources() {
            if !matches!(s.kind(), AssociationKind::Server | AssociationKind::Pool) || s.has("iburst") {
                continue;
            }
            sink.push(
                Diagnostic::new(
                    Code::Ntp313,
                    s.assoc.address.span,
                    "no `iburst`: the first synchronization takes minutes instead of seconds",
                )
                .label("add `iburst`")
                .help("append `iburst`")
                .fix(fix("add `iburst`", Safety::Safe, vec![append_after(s.assoc.address.span, "iburst")])),
            );
        }
    }
}
