//! NTP216 trap-service.
use super::common::*;

/// `trap` directive.
pub struct TrapService;

impl TrapService {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp216,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "A `trap` directive.",
        why: "The trap service had crash and abuse issues (CVE-2016-9311, CVE-2016-9310) and was removed from NTPsec.",
        flagged: "trap 192.0.2.50\nserver 192.0.2.1 iburst\n",
        fine: "server 192.0.2.1 iburst\n",
        reference: "ntp.org security notices for Bugs 3118, 3119.",
        url: MISCOPT,
    };
}

impl Rule for TrapService {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for t in &ctx.config().traps {
            sink.push(
                Diagnostic::new(Code::Ntp216, ctx.keyword_span(t.span), "the trap service has a history of crash and abuse bugs")
                    .label("trap receiver")
                    .help("poll with ntpq or an exporter instead; NTPsec has no traps"),
            );
        }
    }
}
