//! NTP307 fudge-without-refclock.
use super::common::*;

/// A `fudge` for a clock that is not configured.
pub struct FudgeWithoutRefclock;

impl FudgeWithoutRefclock {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp307,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "`fudge 127.127.T.U …` (or classic `device 127.127.T.U …`) with no `server 127.127.T.U` and (NTPsec) no `refclock` of the same type and unit.",
        why: "ntpd returns silently when no association exists for the clock (classic `refclock_control()`): the fudge does nothing. A common leftover is `fudge 127.127.1.0 stratum 10` after the LOCAL server line was commented out.",
        flagged: "server 192.0.2.1 iburst\nfudge 127.127.1.0 stratum 10\n",
        fine: "server 127.127.28.0\nfudge 127.127.28.0 refid GPS\nserver 192.0.2.1 iburst\n",
        reference: "classic `ntpd/ntp_refclock.c` refclock_control(); the order of lines does not matter.",
        url: "https://www.ntp.org/documentation/4.2.8-series/refclock/",
    };
}

impl Rule for FudgeWithoutRefclock {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let clocks: Vec<(u8, u8)> = ctx
            .time_sources()
            .iter()
            .filter_map(|s| match s.kind() {
                AssociationKind::Refclock => s.refclock.map(|t| (t, s.assoc.unit.as_ref().map(|u| u.value as u8).unwrap_or(0))),
                _ => crate::config::lower::refclock_address(s.name()),
            })
            .collect();
        let c = ctx.config();
        let items = c.fudges.iter().map(|f| (&f.address, f.span, "fudge")).chain(c.devices.iter().map(|d| (&d.address, d.span, "device")));
        for (addr, span, what) in items {
            let Some(tu) = crate::config::lower::refclock_address(&addr.text) else { continue };
            if clocks.contains(&tu) {
                continue;
            }
            let local = tu.0 == 1;
            sink.push(
                Diagnostic::new(
                    Code::Ntp307,
                    addr.span,
                    format!("`{what} {}` has no matching reference clock: ntpd ignores it", addr.text),
                )
                .label(format!("no `server {}`", addr.text))
                .help(if local {
                    "delete the fudge; do not add the LOCAL clock back (NTP306): use `tos orphan 10` instead".to_string()
                } else {
                    format!("delete it, or add `server {}`", addr.text)
                })
                .fix(fix(format!("delete the `{what}` line"), Safety::Unsafe, vec![delete_line(ctx, span)])),
            );
        }
    }
}
