//! NTP406 requestkey-unused.
use super::common::*;

/// `requestkey` that does nothing.
pub struct RequestkeyUnused;

impl RequestkeyUnused {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp406,
        category: Category::Style,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "`requestkey` without `enable mode7` (classic), or in any NTPsec config (a no-op there).",
        why: "The request key authenticates mode 7 (ntpdc) requests, which are off unless `enable mode7`; NTPsec has no mode 7.",
        flagged: "keys /etc/ntp.keys\ntrustedkey 1\nrequestkey 1\nserver 192.0.2.1 key 1 iburst\n",
        fine: "keys /etc/ntp.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\n",
        reference: "ntp.org authentication options (`requestkey`); NTPsec incompatible changes.",
        url: AUTHOPT,
    };
}

impl Rule for RequestkeyUnused {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(rk) = &ctx.config().auth.requestkey else { return };
        if ctx.classic() && ctx.enabled_flag("mode7").is_some() {
            return;
        }
        let line = ctx.line_span(rk.span);
        let only = ctx.text(line).split('#').next().unwrap_or("").split_whitespace().count() == 2;
        let mut d = Diagnostic::new(Code::Ntp406, ctx.keyword_span(line), "`requestkey` does nothing here: mode 7 is off")
            .severity(Severity::Info)
            .label(if ctx.classic() { "no `enable mode7`" } else { "NTPsec has no mode 7" })
            .help("delete the line");
        if only {
            d = d.fix(fix("delete `requestkey`", Safety::Safe, vec![delete_line(ctx, rk.span)]));
        }
        sink.push(d);
    }
}
