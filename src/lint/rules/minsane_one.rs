//! NTP322 minsane-one.
use super::common::*;

/// `minsane` left at 1 with many sources (security profile).
pub struct MinsaneOne;

impl MinsaneOne {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp322,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Profiles(&[Profile::Security]),
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "`tos minsane` unset or 1 with at least four countable sources.",
        why: "RFC 8633 §5.2 suggests raising the minimum number of agreeing servers, so one bad or hijacked server cannot set the clock alone; NTPsec logs \"suggest minsane of 2\" (four servers) or \"at least 3\" (five or more). On classic keep `minsane` < `minclock`.",
        flagged: "server 192.0.2.1 iburst\nserver 192.0.2.2 iburst\nserver 192.0.2.3 iburst\nserver 192.0.2.4 iburst\n",
        fine: "tos minsane 2\nserver 192.0.2.1 iburst\nserver 192.0.2.2 iburst\nserver 192.0.2.3 iburst\nserver 192.0.2.4 iburst\n",
        reference: "RFC 8633 §5.2; ntp.org miscellaneous options (`tos minsane`).",
        url: MISCOPT,
    };
}

impl Rule for MinsaneOne {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(n) = countable_sources(ctx) else { return };
        if n < 4 {
            return;
        }
        let want = if n >= 5 { 3 } else { 2 };
        match ctx.tos("minsane") {
            Some((m, sp)) if m <= 1.0 => sink.push(
                Diagnostic::new(Code::Ntp322, sp, format!("`minsane {m}` lets a single source set the clock although {n} are configured"))
                    .label("one agreeing source is enough")
                    .help(format!("raise it to `minsane {want}`"))
                    .fix(fix(
                        format!("use `minsane {want}`"),
                        Safety::Unsafe,
                        vec![Edit { span: sp, replacement: format!("minsane {want}") }],
                    )),
            ),
            None => {
                let first = ctx.time_sources()[0].assoc.span;
                sink.push(
                    Diagnostic::new(
                        Code::Ntp322,
                        ctx.keyword_span(first),
                        format!("`tos minsane` is 1 by default: a single source can set the clock although {n} are configured"),
                    )
                    .label("first source")
                    .help(format!("add `tos minsane {want}`"))
                    .fix(fix(
                        format!("add `tos minsane {want}`"),
                        Safety::Unsafe,
                        vec![Edit {
                            span: Span::new(first.file, ctx.line_span(first).start, ctx.line_span(first).start),
                            replacement: format!("tos minsane {want}\n"),
                        }],
                    )),
                )
            }
            _ => {}
        }
    }
}
