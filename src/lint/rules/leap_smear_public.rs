//! NTP317 leap-smear-public.
use super::common::*;

/// `leapsmearinterval` on a server that serves everyone.
pub struct LeapSmearPublic;

impl LeapSmearPublic {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp317,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "`leapsmearinterval` while the default entry allows time service (no `ignore`/`noserve`). Info when the value is outside 7200–86400 s.",
        why: "RFC 8633 §3.7.1: leap smearing MUST NOT be used on public-facing servers; the ntp.org option text warns against it in capitals.",
        flagged: "leapsmearinterval 86400\nserver 192.0.2.1 iburst\n",
        fine: "leapsmearinterval 86400\nrestrict default noserve nomodify notrap nopeer noquery\nrestrict source nomodify notrap noquery\nrestrict 10.0.0.0 mask 255.0.0.0 nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        reference: "RFC 8633 §3.7.1, App. A.5; ntp.org miscellaneous options (`leapsmearinterval`).",
        url: MISCOPT,
    };
}

impl Rule for LeapSmearPublic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(v) = ctx.var("leapsmearinterval") else { return };
        let val = match &v.value {
            Value::Int(i) => *i as f64,
            Value::Number(n) => *n,
            Value::Str(_) => return,
        };
        let a = ctx.access();
        let public =
            [false, true].iter().any(|&v6| !any_of(a.default_entry(v6).flags, RestrictFlags::IGNORE.union(RestrictFlags::NOSERVE)));
        if public {
            sink.push(
                Diagnostic::new(
                    Code::Ntp317,
                    ctx.keyword_span(v.span),
                    "leap smearing on a server that answers everyone: RFC 8633 forbids it on public-facing servers",
                )
                .label("smeared time served to any client")
                .help("smear only for clients that all follow this server; add `noserve` to the defaults and allow only your own networks"),
            );
        } else if !(7200.0..=86400.0).contains(&val) {
            sink.push(
                Diagnostic::new(
                    Code::Ntp317,
                    ctx.keyword_span(v.span),
                    format!("a smear interval of {val} s is outside the usual 7200–86400 s"),
                )
                .severity(Severity::Info)
                .label("unusual interval"),
            );
        }
    }
}
