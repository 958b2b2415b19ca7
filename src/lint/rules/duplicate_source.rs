//! NTP314 duplicate-source.
use super::common::*;

/// The same source twice.
pub struct DuplicateSource;

impl DuplicateSource {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp314,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "The same normalized address or host name on two association lines (`server`, `peer`, `pool` in any combination).",
        why: "Classic silently refuses the second association (its options are lost); NTPsec logs `configpeers: Ignoring duplicate`.",
        flagged: "server 192.0.2.1 iburst\nserver 192.0.2.1 iburst prefer\n",
        fine: "server 192.0.2.1 iburst prefer\nserver 192.0.2.2 iburst\n",
        reference: "classic `ntpd/ntp_peer.c` newpeer(); ntpconf reference §5.1.",
        url: CONFOPT,
    };
}

impl Rule for DuplicateSource {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let srcs = ctx.time_sources();
        for (i, s) in srcs.iter().enumerate() {
            let id = s.identity();
            if let Some(first) = srcs[..i].iter().find(|o| o.identity() == id) {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp314,
                        s.assoc.address.span,
                        format!("`{}` is already configured: ntpd ignores this line and its options", s.name()),
                    )
                    .label("duplicate")
                    .related(first.assoc.address.span, "first configured here")
                    .help("delete this line, or move its options to the first one")
                    .fix(fix("delete the duplicate line", Safety::Safe, vec![delete_line(ctx, s.assoc.span)])),
                );
            }
        }
    }
}
