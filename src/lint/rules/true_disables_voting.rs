//! NTP311 true-disables-voting.
use super::common::*;

/// `true` on a source.
pub struct TrueDisablesVoting;

impl TrueDisablesVoting {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp311,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "`true` on a network source (warning) or a reference clock (info).",
        why: "The source always survives selection and clustering, so a falseticker can set the clock (the ntp.org docs say so in a CAUTION).",
        flagged: "server 192.0.2.1 iburst true\nserver 192.0.2.2 iburst\nserver 192.0.2.3 iburst\n",
        fine: "server 192.0.2.1 iburst\nserver 192.0.2.2 iburst\nserver 192.0.2.3 iburst\n",
        reference: "ntp.org association options (`true`).",
        url: CONFOPT,
    };
}

impl Rule for TrueDisablesVoting {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for s in ctx.time_sources() {
            if s.kind() == AssociationKind::Pool {
                continue; // NTP309.
            }
            if let Some(o) = s.opt("true") {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp311,
                        o.span(),
                        "`true` exempts this source from the falseticker vote: if it is wrong, it still sets the clock",
                    )
                    .severity(if s.is_network() { Severity::Warning } else { Severity::Info })
                    .label("always survives selection")
                    .help("remove `true`")
                    .fix(fix("remove `true`", Safety::Unsafe, vec![remove_word(ctx, o.span())])),
                );
            }
        }
    }
}
