//! NTP324 no-driftfile.
use super::common::*;

/// No drift file.
pub struct NoDriftfile;

impl NoDriftfile {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp324,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "No `driftfile` directive (info). `driftfile` with no argument — explicitly disabled — is reported only in the `pedantic` profile.",
        why: "Without a drift file ntpd starts with a zero frequency offset at every start and takes hours to settle (unless the service passes `-f`).",
        flagged: "server 192.0.2.1 iburst\n",
        fine: "driftfile /var/lib/ntp/ntp.drift\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org miscellaneous options (`driftfile`).",
        url: MISCOPT,
    };
}

impl Rule for NoDriftfile {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        if ctx.time_sources().is_empty() {
            return;
        }
        match ctx.var("driftfile") {
            None => {
                let first = ctx.time_sources()[0].assoc.span;
                sink.push(
                    Diagnostic::new(
                        Code::Ntp324,
                        ctx.keyword_span(first),
                        "no `driftfile`: ntpd relearns the clock's frequency at every start",
                    )
                    .label("first source")
                    .help("add `driftfile /var/lib/ntp/ntp.drift` (your distribution's path), unless the service passes `-f`")
                    .fix(fix(
                        "add `driftfile /var/lib/ntp/ntp.drift`",
                        Safety::Unsafe,
                        vec![Edit {
                            span: Span::new(first.file, ctx.line_span(first).start, ctx.line_span(first).start),
                            replacement: "driftfile /var/lib/ntp/ntp.drift\n".into(),
                        }],
                    )),
                );
            }
            Some(v) if matches!(&v.value, Value::Str(s) if s.is_empty()) && ctx.opts.has(Profile::Pedantic) => {
                sink.push(
                    Diagnostic::new(Code::Ntp324, ctx.keyword_span(v.span), "`driftfile` without a path disables the drift file")
                        .label("drift file disabled")
                        .help("give it a path, e.g. `driftfile /var/lib/ntp/ntp.drift`"),
                );
            }
            _ => {}
        }
    }
}
