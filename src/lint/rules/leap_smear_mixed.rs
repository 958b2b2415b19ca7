//! NTP316 leap-smear-mixed.
use super::common::*;

/// Smearing and non-smearing sources together.
pub struct LeapSmearMixed;

impl LeapSmearMixed {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp316,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "Sources include leap-smearing services (`time.google.com`, `time1`–`time4.google.com`) together with other sources, or together with a `leapfile`.",
        why: "During a smear the two groups differ by up to a second and clients cannot tell which is right. RFC 8633 §3.7.1: clients MUST NOT mix smeared and non-smeared servers, and clients of smearing servers must not load a leap file.",
        flagged: "server time.google.com iburst\npool pool.ntp.org iburst\n",
        fine: "server time1.google.com iburst\nserver time2.google.com iburst\nserver time3.google.com iburst\nserver time4.google.com iburst\n",
        reference: "RFC 8633 §3.7.1; Google Public NTP documentation (do not mix with non-smearing servers).",
        url: RFC8633,
    };
}

impl Rule for LeapSmearMixed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let srcs = ctx.time_sources();
        let smear: Vec<&Source> = srcs.iter().filter(|s| smearing_host(s.name())).collect();
        let Some(first) = smear.first() else { return };
        let others: Vec<&Source> = srcs.iter().filter(|s| !smearing_host(s.name()) && s.refclock != Some(1)).collect();
        if !others.is_empty() {
            let mut d = Diagnostic::new(
                Code::Ntp316,
                first.assoc.address.span,
                "leap-smearing and non-smearing sources are mixed: around a leap second they differ by up to 1 s",
            )
            .label("smears leap seconds")
            .help("use only smearing sources or only non-smearing ones (RFC 8633 §3.7.1)");
            for o in others {
                d = d.related(o.assoc.address.span, "does not smear");
            }
            sink.push(d);
        }
        if let Some(v) = ctx.var("leapfile") {
            sink.push(
                Diagnostic::new(
                    Code::Ntp316,
                    ctx.keyword_span(v.span),
                    "a leap file together with a leap-smearing source: ntpd would step while the source smears",
                )
                .label("leap file")
                .related(first.assoc.address.span, "smears leap seconds")
                .help("remove the `leapfile` line when following smearing servers"),
            );
        }
    }
}
