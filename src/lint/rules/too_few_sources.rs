//! NTP305 too-few-sources.
use super::common::*;

/// One to three sources.
pub struct TooFewSources;

impl TooFewSources {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp305,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "Counts distinct selectable sources: `server`/`peer` lines without `noselect`, deduplicated by address or name; independent refclocks count 1 (LOCAL, modem and PPS count 0); each `pool` counts `tos maxclock` (default 10) minus the other associations. One or two: warning; three: info.",
        why: "With one source every fault passes straight to the clock. With two that disagree the intersection algorithm finds no majority and ntpd cannot tell which is right. Three tolerate no loss; four keep three after one failure. RFC 8633 §3.2: use at least four independent, diverse sources.",
        flagged: "server 192.0.2.1 iburst\nserver 192.0.2.2 iburst\n",
        fine: "server 192.0.2.1 iburst\nserver 192.0.2.2 iburst\nserver 192.0.2.3 iburst\nserver 192.0.2.4 iburst\n",
        reference: "RFC 5905 §11.2.1; RFC 8633 §3.2, App. A.1; NTPsec quick start (\"how many servers\").",
        url: RFC8633,
    };
}

impl Rule for TooFewSources {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(n) = countable_sources(ctx) else { return };
        if n == 0 || n > 3 {
            return;
        }
        let srcs: Vec<Source> = ctx.time_sources().into_iter().filter(|s| !s.has("noselect")).collect();
        let Some(first) = srcs.first() else { return };
        let msg = match n {
            1 => "only 1 time source: any fault of it goes straight to the clock".to_string(),
            2 => "only 2 time sources: when they disagree ntpd cannot tell which is right".to_string(),
            _ => "only 3 time sources: losing one leaves no majority against a falseticker".to_string(),
        };
        let mut d = Diagnostic::new(Code::Ntp305, ctx.keyword_span(first.assoc.span), msg)
            .severity(if n == 3 { Severity::Info } else { Severity::Warning })
            .label("counted")
            .help("use at least four independent sources, or one `pool` line (RFC 8633 §3.2)");
        for s in &srcs[1..] {
            d = d.related(ctx.keyword_span(s.assoc.span), "counted");
        }
        sink.push(d);
    }
}
