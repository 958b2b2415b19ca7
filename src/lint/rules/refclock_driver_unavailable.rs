//! NTP332 refclock-driver-unavailable.
use super::common::*;

/// A reference clock type the target daemon does not have.
pub struct RefclockDriverUnavailable;

impl RefclockDriverUnavailable {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp332,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Migrate(Some(Dialect::Ntpsec)),
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--profile migrate --target ntpsec`: a `server 127.127.T.U` whose driver type NTPsec does not have (it keeps 1, 4, 5, 8, 11, 18, 20, 22, 26, 28, 29, 30, 40, 42, 46). Types that exist in neither daemon are the parser's NTP114.",
        why: "NTPsec logs `refclock_newpeer: clock type T invalid` and creates no association.",
        flagged: "server 127.127.6.0\nserver 192.0.2.1 iburst\n",
        fine: "server 127.127.28.0\nserver 192.0.2.1 iburst\n",
        reference: "ntpconf reference §6; NTPsec refclock documentation.",
        url: "https://docs.ntpsec.org/latest/refclock.html",
    };
}

const NTPSEC_TYPES: &[u8] = &[1, 4, 5, 8, 11, 18, 20, 22, 26, 28, 29, 30, 40, 42, 46];

impl Rule for RefclockDriverUnavailable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        if !ctx.classic() {
            return;
        }
        for s in ctx.time_sources() {
            if let Some(t) = s.refclock
                && !NTPSEC_TYPES.contains(&t)
                && ctx.loaded.diagnostics.iter().all(|d| d.code != Code::Ntp114 || d.span != s.assoc.address.span)
            {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp332,
                        s.assoc.address.span,
                        format!("NTPsec has no driver of type {t}: it creates no association for this clock"),
                    )
                    .label("driver removed in NTPsec")
                    .help("replace the clock with one NTPsec supports (often via gpsd: `refclock shm` or `refclock gpsd`)"),
                );
            }
        }
    }
}
