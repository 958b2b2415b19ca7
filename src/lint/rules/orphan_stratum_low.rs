//! NTP320 orphan-stratum-low.
use super::common::*;

/// `tos orphan` at or below 5 with real sources.
pub struct OrphanStratumLow;

impl OrphanStratumLow {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp320,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "`tos orphan N` with N ≤ 5 while network or refclock sources exist.",
        why: "The orphan stratum must exceed any stratum the real sources can give, or an orphan parent can win over UTC-synchronized servers.",
        flagged: "tos orphan 3\nserver 192.0.2.1 iburst\n",
        fine: "tos orphan 10\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org orphan mode; NTPsec orphan mode.",
        url: ORPHAN,
    };
}

impl Rule for OrphanStratumLow {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some((n, sp)) = ctx.tos("orphan") else { return };
        if n <= 5.0 && !ctx.time_sources().is_empty() {
            sink.push(
                Diagnostic::new(Code::Ntp320, sp, format!("orphan stratum {n} is low enough to compete with real sources"))
                    .label("orphan stratum ≤ 5")
                    .help("use a stratum above anything your sources can have, e.g. `tos orphan 10`"),
            );
        }
    }
}
