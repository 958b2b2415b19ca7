//! NTP503 peer-becomes-server.
use super::common::*;

/// `peer` in a config moving to NTPsec.
pub struct PeerBecomesServer;

impl PeerBecomesServer {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp503,
        category: Category::Migration,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Migrate(Some(Dialect::Ntpsec)),
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "With `--profile migrate --target ntpsec`: `peer` lines.",
        why: "NTPsec treats them as `server` (and logs \"peer deprecated, treated as server\"); mutual backup between core servers needs `server` lines on both sides.",
        flagged: "peer 192.0.2.7 key 1\nserver 192.0.2.1 iburst\n",
        fine: "server 192.0.2.7 key 1\nserver 192.0.2.1 iburst\n",
        reference: "NTPsec \"Incompatible changes\".",
        url: NTPSEC_INCOMPAT,
    };
}

impl Rule for PeerBecomesServer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for s in ctx.all_sources().iter().filter(|s| s.kind() == AssociationKind::Peer) {
            let kw = ctx.keyword_span(s.assoc.span);
            sink.push(
                Diagnostic::new(Code::Ntp503, kw, "NTPsec treats `peer` as `server`: there is no symmetric mode")
                    .label("becomes a client association")
                    .help("write `server`, and configure the other side with a `server` line pointing back")
                    .fix(fix("write `server`", Safety::Safe, vec![Edit { span: kw, replacement: "server".into() }])),
            );
        }
    }
}
