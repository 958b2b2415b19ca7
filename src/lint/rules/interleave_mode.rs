//! NTP214 interleave-mode.
use super::common::*;

/// `xleave`.
pub struct InterleaveMode;

impl InterleaveMode {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp214,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "`xleave` on any association.",
        why: "Classic's interleaved mode was behind CVE-2016-1548 (interleave pivot), CVE-2018-7184 and CVE-2018-7185; NTPsec removed it as buggy.",
        flagged: "server 192.0.2.1 iburst xleave\n",
        fine: "server 192.0.2.1 iburst\n",
        reference: "ntp.org security notices for Bugs 2978, 3453, 3454; NTPsec incompatible changes.",
        url: CONFOPT,
    };
}

impl Rule for InterleaveMode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for s in ctx.all_sources() {
            if let Some(o) = s.opt("xleave") {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp214,
                        o.span(),
                        "interleaved mode has a history of security bugs (CVE-2016-1548, CVE-2018-7184/7185)",
                    )
                    .label("interleaved mode")
                    .help("remove `xleave`; NTPsec rejects it")
                    .fix(fix("remove `xleave`", Safety::Unsafe, vec![remove_word(ctx, o.span())])),
                );
            }
        }
    }
}
