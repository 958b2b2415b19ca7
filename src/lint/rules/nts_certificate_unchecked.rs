//! NTP228 nts-certificate-unchecked.
use super::common::*;

/// `noval` on an NTS server.
pub struct NtsCertificateUnchecked;

impl NtsCertificateUnchecked {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp228,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Ntpsec,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "`noval` on a `server … nts` line.",
        why: "The NTS-KE server certificate is not validated, so an on-path attacker can impersonate the server: the authentication NTS exists for (RFC 8915) is lost.",
        flagged: "server time.example.org nts noval iburst\n",
        fine: "server time.example.org nts iburst\n",
        reference: "NTPsec server options (`noval`); RFC 8915.",
        url: "https://docs.ntpsec.org/latest/confopt.html",
    };
}

impl Rule for NtsCertificateUnchecked {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for s in ctx.network_sources() {
            if let (Some(o), true) = (s.opt("noval"), s.has("nts")) {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp228,
                        o.span(),
                        "`noval` skips the NTS-KE certificate check: anyone on path can impersonate this server",
                    )
                    .label("certificate not validated")
                    .help("remove `noval`; for a private CA use `ca FILE`")
                    .fix(fix("remove `noval`", Safety::Unsafe, vec![remove_word(ctx, o.span())])),
                );
            }
        }
    }
}
