//! NTP227 panic-threshold-disabled.
use super::common::*;

/// `tinker panic 0`.
pub struct PanicThresholdDisabled;

impl PanicThresholdDisabled {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp227,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "`tinker panic 0` (info; a warning in the `security` profile).",
        why: "ntpd then accepts any offset. That helps VMs that get suspended, but with automatic restarts it removes the protection RFC 5905 §11.3 intends: an attacker who can push a large offset wins (RFC 8633 §5.2).",
        flagged: "tinker panic 0\nserver 192.0.2.1 iburst\n",
        fine: "server 192.0.2.1 iburst\n",
        reference: "ntp.org miscellaneous options (`tinker panic`); RFC 8633 §5.2; Bug 2956.",
        url: MISCOPT,
    };
}

impl Rule for PanicThresholdDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        if let Some((v, sp)) = ctx.tinker("panic")
            && v == 0.0
        {
            sink.push(
                Diagnostic::new(Code::Ntp227, sp, "`tinker panic 0` makes ntpd accept any time offset, however large")
                    .severity(if ctx.profile(Profile::Security) { Severity::Warning } else { Severity::Info })
                    .label("panic threshold off")
                    .help("prefer `ntpd -g` for the cold start only, and monitor panic exits"),
            );
        }
    }
}
