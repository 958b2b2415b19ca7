//! NTP304 no-selectable-source.
use super::common::*;

/// Sources exist but none can be selected.
pub struct NoSelectableSource;

impl NoSelectableSource {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp304,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "Sources exist but none can be selected: every source has `noselect`, or `tos minsane N` exceeds the number of countable sources (counted as NTP305 does).",
        why: "The selection algorithm needs at least `minsane` survivors; with fewer, ntpd stays unsynchronized and clients get stratum 16.",
        flagged: "tos minsane 3\nserver 192.0.2.1 iburst\nserver 192.0.2.2 iburst\n",
        fine: "tos minsane 2\nserver 192.0.2.1 iburst\nserver 192.0.2.2 iburst\nserver 192.0.2.3 iburst\n",
        reference: "ntp.org association options (`noselect`); ntp.org miscellaneous options (`minsane`); RFC 5905 §11.2.1.",
        url: PREFER,
    };
}

impl Rule for NoSelectableSource {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let srcs = ctx.time_sources();
        if srcs.is_empty() {
            return;
        }
        if srcs.iter().all(|s| s.has("noselect")) {
            let mut d = Diagnostic::new(
                Code::Ntp304,
                srcs[0].opt("noselect").map(|o| o.span()).unwrap_or(srcs[0].assoc.span),
                "every source has `noselect`: ntpd never synchronizes",
            )
            .label("not selectable");
            for s in &srcs[1..] {
                d = d.related(s.opt("noselect").map(|o| o.span()).unwrap_or(s.assoc.span), "not selectable");
            }
            sink.push(d.help("remove `noselect` from the sources you want to follow"));
            return;
        }
        let Some(n) = countable_sources(ctx) else { return };
        if let Some((m, sp)) = ctx.tos("minsane")
            && m > n as f64
            && n > 0
        {
            sink.push(
                Diagnostic::new(
                    Code::Ntp304,
                    sp,
                    format!("`minsane {m}` needs more agreeing sources than the {n} configured: ntpd never synchronizes"),
                )
                .label(format!("only {n} countable"))
                .help(format!("add sources, or lower `minsane` to at most {n}")),
            );
        }
    }
}
