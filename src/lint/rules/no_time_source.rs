//! NTP303 no-time-source.
use super::common::*;

/// Nothing to synchronize to.
pub struct NoTimeSource;

impl NoTimeSource {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp303,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "No `server`, `pool`, `peer`, refclock, `broadcastclient`, `multicastclient` or `manycastclient`, and no `tos orphan N` with N < 16.",
        why: "ntpd never synchronizes and answers clients with stratum 16. CIS and STIG require at least one `server`/`pool`.",
        flagged: "driftfile /var/lib/ntp/ntp.drift\n",
        fine: "driftfile /var/lib/ntp/ntp.drift\npool pool.ntp.org iburst\n",
        reference: "CIS (server presence); STIG OL6-00-000248; ntpd-rs `Config::check` (\"No sources configured\").",
        url: CONFOPT,
    };
}

impl Rule for NoTimeSource {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let c = ctx.config();
        if !c.associations.is_empty()
            || c.broadcastclient.is_some()
            || !c.multicastclient.is_empty()
            || ctx.enabled_flag("bclient").is_some()
        {
            return;
        }
        if ctx.tos("orphan").is_some_and(|(v, _)| v < 16.0) {
            return;
        }
        // A file that stopped early or is an include fragment is still the whole config here.
        let main = crate::source::FileId(0);
        let first = ctx.line_span(Span::new(main, 0, 0));
        sink.push(
            Diagnostic::new(Code::Ntp303, first, "no time source is configured: ntpd never synchronizes and serves stratum 16")
                .label("no server, pool, peer or reference clock in this configuration")
                .help("add `pool pool.ntp.org iburst` (or your own servers), or `tos orphan 10` for an isolated network"),
        );
    }
}
