//! NTP321 prefer-on-network-server.
use super::common::*;

/// `prefer` on a network source.
pub struct PreferOnNetworkServer;

impl PreferOnNetworkServer {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp321,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "`prefer` on a network source when other sources exist.",
        why: "A surviving prefer peer replaces the combine algorithm's weighted average with its own offset; the feature is designed for a radio clock with network backups, and it does not protect against that server being a falseticker.",
        flagged: "server 192.0.2.1 iburst prefer\nserver 192.0.2.2 iburst\nserver 192.0.2.3 iburst\n",
        fine: "server 192.0.2.1 iburst\nserver 192.0.2.2 iburst\nserver 192.0.2.3 iburst\n",
        reference: "ntp.org mitigation rules and the prefer peer.",
        url: PREFER,
    };
}

impl Rule for PreferOnNetworkServer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let srcs = ctx.time_sources();
        if srcs.len() < 2 {
            return;
        }
        for s in srcs.iter().filter(|s| s.is_network()) {
            if let Some(o) = s.opt("prefer") {
                if s.kind() == AssociationKind::Pool {
                    continue; // NTP309.
                }
                sink.push(
                    Diagnostic::new(
                        Code::Ntp321,
                        o.span(),
                        "`prefer` on a network server: its offset replaces the combined average of all sources",
                    )
                    .label("prefer peer")
                    .help("`prefer` is meant for a reference clock; drop it unless this server is much better than the others"),
                );
            }
        }
    }
}
