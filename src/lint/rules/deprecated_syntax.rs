//! NTP407 deprecated-syntax.
use super::common::*;

/// Forms classic ntpd logs as deprecated.
pub struct DeprecatedSyntax;

impl DeprecatedSyntax {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp407,
        category: Category::Style,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "`driftfile PATH WANDER` (use `nonvolatile WANDER`) and `crypto revoke N` (use `revoke N`).",
        why: "Classic ntpd logs both as deprecated at every start.",
        flagged: "driftfile /var/lib/ntp/ntp.drift 1e-7\nserver 192.0.2.1 iburst\n",
        fine: "driftfile /var/lib/ntp/ntp.drift\nnonvolatile 1e-7\nserver 192.0.2.1 iburst\n",
        reference: "classic `ntp_config.c` (\"'driftfile FILENAME WanderValue' is deprecated\").",
        url: MISCOPT,
    };
}

impl Rule for DeprecatedSyntax {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for v in ctx.vars("driftfile") {
            let (Some(w), Value::Str(path)) = (v.wander, &v.value) else { continue };
            let text = ctx.text(v.span);
            let wtext = text.split_whitespace().nth(2).map(str::to_string).unwrap_or_else(|| w.to_string());
            let quoted = text.split_whitespace().nth(1).unwrap_or(path).to_string();
            sink.push(
                Diagnostic::new(Code::Ntp407, v.span, "`driftfile PATH WANDER` is deprecated: ntpd logs this at every start")
                    .severity(Severity::Info)
                    .label("wander threshold on the driftfile line")
                    .help(format!("write `driftfile {quoted}` and `nonvolatile {wtext}`"))
                    .fix(fix("split into `driftfile` and `nonvolatile`", Safety::Safe, vec![Edit { span: v.span, replacement: format!("driftfile {quoted}\nnonvolatile {wtext}") }]))
                    .ntpd(crate::diagnostic::Phase::Config, "'driftfile FILENAME WanderValue' is deprecated, please use separate 'driftfile FILENAME' and 'nonvolatile WanderValue' lines instead."),
            );
        }
        for sp in &ctx.config().auth.crypto_lines {
            let text = ctx.text(*sp);
            if let Some(i) = text.find("revoke") {
                let rest = &text[i..];
                let item_end = rest.split_whitespace().take(2).map(|w| rest.find(w).unwrap_or(0) + w.len()).last().unwrap_or(rest.len());
                let item = Span::new(sp.file, sp.start + i, sp.start + i + item_end);
                sink.push(
                    Diagnostic::new(Code::Ntp407, item, "`crypto revoke N` is deprecated: use `revoke N`")
                        .severity(Severity::Info)
                        .label("deprecated form")
                        .help("write `revoke N` on its own line"),
                );
            }
        }
    }
}
