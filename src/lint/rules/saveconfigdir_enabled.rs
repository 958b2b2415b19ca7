//! NTP217 saveconfigdir-enabled.
use super::common::*;

/// `saveconfigdir`.
pub struct SaveconfigdirEnabled;

impl SaveconfigdirEnabled {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp217,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "A `saveconfigdir` directive.",
        why: "It enables `ntpq saveconfig` writes into that directory (CVE-2015-7851, CVE-2015-7976); NTPsec removed the feature.",
        flagged: "saveconfigdir /var/lib/ntp/saved\nserver 192.0.2.1 iburst\n",
        fine: "server 192.0.2.1 iburst\n",
        reference: "ntp.org security notices for Bugs 2918, 2938.",
        url: MISCOPT,
    };
}

impl Rule for SaveconfigdirEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for v in ctx.vars("saveconfigdir") {
            sink.push(
                Diagnostic::new(Code::Ntp217, ctx.keyword_span(v.span), "`saveconfigdir` lets ntpq clients write files on this host")
                    .label("remote file writes")
                    .help("remove it unless you use `ntpq saveconfig`; then restrict `nomodify` to admin hosts"),
            );
        }
    }
}
