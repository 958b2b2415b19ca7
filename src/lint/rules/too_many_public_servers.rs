//! NTP319 too-many-public-servers.
use super::common::*;

/// More than four pool.ntp.org lines.
pub struct TooManyPublicServers;

impl TooManyPublicServers {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp319,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "More than four association lines naming pool.ntp.org zones (a `pool` line counts as one).",
        why: "The pool asks users not to use more than four of its servers.",
        flagged: "server 0.pool.ntp.org iburst\nserver 1.pool.ntp.org iburst\nserver 2.pool.ntp.org iburst\nserver 3.pool.ntp.org iburst\nserver 0.europe.pool.ntp.org iburst\n",
        fine: "pool pool.ntp.org iburst\n",
        reference: "pool.ntp.org usage page.",
        url: POOL_USE,
    };
}

impl Rule for TooManyPublicServers {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let lines: Vec<Source> = ctx.network_sources().into_iter().filter(|s| s.ip.is_none() && pool_zone(s.name()).is_some()).collect();
        if lines.len() <= 4 {
            return;
        }
        let mut d = Diagnostic::new(
            Code::Ntp319,
            lines[4].assoc.address.span,
            format!("{} lines use pool.ntp.org: the pool asks for at most four", lines.len()),
        )
        .label("fifth pool.ntp.org line")
        .help("use one `pool` line instead");
        let mut edits = Vec::new();
        for s in &lines[5..] {
            d = d.related(s.assoc.address.span, "more");
        }
        for s in &lines[4..] {
            edits.push(delete_line(ctx, s.assoc.span));
        }
        sink.push(d.fix(fix("keep the first four", Safety::Unsafe, edits)));
    }
}
