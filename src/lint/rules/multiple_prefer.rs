//! NTP310 multiple-prefer.
use super::common::*;

/// More than one `prefer`.
pub struct MultiplePrefer;

impl MultiplePrefer {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp310,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "More than one association with `prefer` (a PPS clock with `prefer` plus one other is the documented pairing and does not count).",
        why: "Only the first surviving `prefer` source in file order is used as the prefer peer; more than one is rarely useful and hides which one wins.",
        flagged: "server 192.0.2.1 iburst prefer\nserver 192.0.2.2 iburst prefer\nserver 192.0.2.3 iburst\n",
        fine: "server 192.0.2.1 iburst prefer\nserver 192.0.2.2 iburst\nserver 192.0.2.3 iburst\n",
        reference: "ntp.org mitigation rules and the prefer peer.",
        url: PREFER,
    };
}

impl Rule for MultiplePrefer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let prefs: Vec<Source> = ctx.time_sources().into_iter().filter(|s| s.has("prefer") && s.refclock != Some(22)).collect();
        if prefs.len() < 2 {
            return;
        }
        for s in &prefs[1..] {
            let o = s.opt("prefer").expect("filtered");
            sink.push(
                Diagnostic::new(Code::Ntp310, o.span(), "more than one `prefer`: only the first surviving one is used")
                    .label("second `prefer`")
                    .related(prefs[0].opt("prefer").expect("filtered").span(), "first `prefer`")
                    .help("keep `prefer` on one source")
                    .fix(fix("remove this `prefer`", Safety::Unsafe, vec![remove_word(ctx, o.span())])),
            );
        }
    }
}
