//! NTP312 pps-without-prefer.
use super::common::*;

/// A PPS clock that can never be used.
pub struct PpsWithoutPrefer;

impl PpsWithoutPrefer {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp312,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "A PPS source (`127.127.22.u`, `refclock pps`) with no `prefer` on any non-LOCAL source, and the PPS itself not `prefer`.",
        why: "The PPS driver becomes the system peer only when a prefer peer survives or the PPS is marked prefer; otherwise the PPS signal is never used.",
        flagged: "server 127.127.22.0\nserver 127.127.20.0\nserver 192.0.2.1 iburst\n",
        fine: "server 127.127.22.0\nserver 127.127.20.0 prefer\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org mitigation rules (step 3); NTPsec quick start (gpsd example marks the PPS source `prefer`).",
        url: PREFER,
    };
}

impl Rule for PpsWithoutPrefer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let srcs = ctx.time_sources();
        let any_prefer = srcs.iter().any(|s| s.has("prefer") && s.refclock != Some(1));
        if any_prefer {
            return;
        }
        for s in srcs.iter().filter(|s| s.refclock == Some(22)) {
            sink.push(
                Diagnostic::new(Code::Ntp312, s.assoc.address.span, "the PPS clock is never used: no source is `prefer`")
                    .label("PPS needs a prefer peer")
                    .help("mark the clock that numbers the seconds (GPS/NMEA) `prefer`, or the PPS itself")
                    .fix(fix("mark the PPS `prefer`", Safety::Unsafe, vec![append_after(s.assoc.address.span, "prefer")])),
            );
        }
    }
}
