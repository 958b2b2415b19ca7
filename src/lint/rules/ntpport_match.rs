//! NTP220 ntpport-match.
use super::common::*;

/// `ntpport` on a restrict entry.
pub struct NtpportMatch;

impl NtpportMatch {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp220,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "`ntpport` on a restrict line.",
        why: "The entry matches only packets whose source port is 123. RFC 9109 tells clients to use randomized source ports, so such entries miss modern clients. Precedence against a plain entry for the same address and mask also differs: classic keeps the first inserted, NTPsec prefers `ntpport`.",
        flagged: "restrict 192.0.2.0 mask 255.255.255.0 ntpport nomodify\nserver 192.0.2.1 iburst\n",
        fine: "restrict 192.0.2.0 mask 255.255.255.0 nomodify\nserver 192.0.2.1 iburst\n",
        reference: "RFC 9109; ntp.org access control options (`ntpport`).",
        url: ACCOPT,
    };
}

impl Rule for NtpportMatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for r in &ctx.config().restricts {
            for f in r.flags.iter().filter(|f| f.value == "ntpport") {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp220,
                        f.span,
                        "`ntpport` makes this entry match only packets from port 123; modern clients use random ports",
                    )
                    .label("matches source port 123 only")
                    .help("drop `ntpport` unless you really mean servers replying from port 123"),
                );
            }
        }
    }
}
