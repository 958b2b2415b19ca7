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
        what: "`tos orphan N` with N ≤ 5 while network or refclock sources exist (warning). Info: `tos orphan` on a host with no `peer` line and no `server` on a private or numeric address — no sign of the other core servers orphan mode relies on.",
        why: "The orphan stratum must exceed any stratum the real sources can give, or an orphan parent can win over UTC-synchronized servers.",
        flagged: "tos orphan 3\nserver 192.0.2.1 iburst\n",
        fine: "tos orphan 10\nserver 10.0.0.2 iburst\nserver 10.0.0.3 iburst\nserver 192.0.2.1 iburst\n",
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
            return;
        }
        // Orphan mode elects a leader among core servers that poll each other.
        let peers = ctx
            .network_sources()
            .iter()
            .any(|s| s.kind() == AssociationKind::Peer || (s.kind() == AssociationKind::Server && s.ip.is_some_and(private_ip)));
        if n < 16.0 && !peers && ctx.config().broadcastclient.is_none() && ctx.config().manycastserver.is_empty() {
            sink.push(
                Diagnostic::new(Code::Ntp320, sp, "`tos orphan` without other core servers: orphan mode has no one to back up")
                    .severity(Severity::Info)
                    .label("no peer or local server lines")
                    .help("configure the other core servers (`peer` or `server` lines in both directions) with the same `tos orphan`"),
            );
        }
    }
}
