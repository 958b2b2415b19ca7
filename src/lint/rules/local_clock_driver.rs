//! NTP306 local-clock-driver.
use super::common::*;

/// The undisciplined local clock as a source.
pub struct LocalClockDriver;

impl LocalClockDriver {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp306,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "`server 127.127.1.u` or NTPsec `refclock local`; an error with `prefer`.",
        why: "The Undisciplined Local Clock presents the free-running system clock as a valid source at the fudged stratum. When the real sources disappear the host and its clients keep \"synchronized\" time that drifts unnoticed; with `prefer` it wins even while real sources work. The driver page points to orphan mode instead, and the pool forbids it on member servers.",
        flagged: "server 127.127.1.0\nfudge 127.127.1.0 stratum 10\nserver 192.0.2.1 iburst\n",
        fine: "tos orphan 10\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org driver 1 page; ntp.org orphan mode; ntp.org mitigation rules (prefer).",
        url: DRIVER1,
    };
}

impl Rule for LocalClockDriver {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for s in ctx.time_sources() {
            if s.refclock != Some(1) {
                continue;
            }
            let prefer = s.has("prefer");
            let unit = s
                .assoc
                .unit
                .as_ref()
                .map(|u| u.value as u8)
                .or_else(|| crate::config::lower::refclock_address(s.name()).map(|(_, u)| u))
                .unwrap_or(0);
            let mut edits = vec![delete_line(ctx, s.assoc.span)];
            for f in &ctx.config().fudges {
                if crate::config::lower::refclock_address(&f.address.text) == Some((1, unit)) {
                    edits.push(delete_line(ctx, f.span));
                }
            }
            if ctx.tos("orphan").is_none() {
                edits.push(insert_line_after(ctx, s.assoc.span, "tos orphan 10"));
                // Inserting after a deleted line: put it in place of the deleted line instead.
                let del = edits[0].clone();
                edits[0] = Edit { span: del.span, replacement: "tos orphan 10\n".into() };
                edits.pop();
            }
            sink.push(
                Diagnostic::new(Code::Ntp306, s.assoc.address.span, "the undisciplined local clock makes drifting time look synchronized")
                    .severity(if prefer { Severity::Error } else { Severity::Warning })
                    .label(if prefer { "LOCAL clock with `prefer`: it wins even over working sources" } else { "LOCAL clock driver" })
                    .help("remove the LOCAL clock (and its fudge) and use `tos orphan 10` on your core servers")
                    .fix(fix("replace the LOCAL clock with `tos orphan 10`", Safety::Unsafe, edits)),
            );
        }
    }
}
