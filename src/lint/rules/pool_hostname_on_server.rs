//! NTP308 pool-hostname-on-server.
use super::common::*;

/// pool.ntp.org names on `server`/`peer` lines.
pub struct PoolHostnameOnServer;

impl PoolHostnameOnServer {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp308,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "A `server` (or `peer`) whose host name is in a pool.ntp.org zone (`N.pool.ntp.org`, `N.ZONE.pool.ntp.org`). One finding per zone.",
        why: "A `server` name is resolved once to one address; if that volunteer server leaves the pool or goes bad, ntpd keeps it until restart. `pool` re-resolves, drops unreachable or falseticking members and refills up to `maxclock`. `pool` exists since 4.2.6.",
        flagged: "server 0.debian.pool.ntp.org iburst\nserver 1.debian.pool.ntp.org iburst\nserver 2.debian.pool.ntp.org iburst\nserver 3.debian.pool.ntp.org iburst\n",
        fine: "pool debian.pool.ntp.org iburst\n",
        reference: "ntp.org association management (\"Server Pool Scheme\"); RFC 8633 §3.6, App. A.1; pool.ntp.org usage page.",
        url: DISCOVER,
    };
}

impl Rule for PoolHostnameOnServer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let mut zones: Vec<(String, Vec<Source>)> = Vec::new();
        for s in ctx.network_sources() {
            if !matches!(s.kind(), AssociationKind::Server | AssociationKind::Peer) || s.ip.is_some() {
                continue;
            }
            if let Some(z) = pool_zone(s.name()) {
                match zones.iter_mut().find(|(x, _)| *x == z) {
                    Some((_, l)) => l.push(s),
                    None => zones.push((z, vec![s])),
                }
            }
        }
        let has_pool_line =
            |z: &str| ctx.network_sources().iter().any(|s| s.kind() == AssociationKind::Pool && pool_zone(s.name()).as_deref() == Some(z));
        for (zone, srcs) in zones {
            let first = &srcs[0];
            let mut edits = Vec::new();
            if has_pool_line(&zone) {
                for s in &srcs {
                    edits.push(delete_line(ctx, s.assoc.span));
                }
            } else {
                edits.push(Edit { span: ctx.keyword_span(first.assoc.span), replacement: "pool".into() });
                edits.push(Edit { span: first.assoc.address.span, replacement: zone.clone() });
                if !first.has("iburst") {
                    edits.push(append_after(first.assoc.address.span, "iburst"));
                }
                for s in &srcs[1..] {
                    edits.push(delete_line(ctx, s.assoc.span));
                }
            }
            let mut d = Diagnostic::new(
                Code::Ntp308,
                first.assoc.address.span,
                format!(
                    "{} `{zone}` name{} on `{}` line{}: each is resolved once and never replaced",
                    if srcs.len() == 1 { "a" } else { "numbered" },
                    if srcs.len() == 1 { "" } else { "s" },
                    first.kind().keyword(),
                    if srcs.len() == 1 { "" } else { "s" }
                ),
            )
            .label("resolved once at start-up")
            .help(format!("replace {} with `pool {zone} iburst`", if srcs.len() == 1 { "it" } else { "these lines" }));
            for s in &srcs[1..] {
                d = d.related(s.assoc.address.span, "same zone");
            }
            sink.push(d.fix(fix(format!("use `pool {zone} iburst`"), Safety::Unsafe, edits)));
        }
    }
}
