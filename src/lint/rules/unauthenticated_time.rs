//! NTP219 unauthenticated-time.
use super::common::*;

/// No source is authenticated (security profile).
pub struct UnauthenticatedTime;

impl UnauthenticatedTime {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp219,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Profiles(&[Profile::Security]),
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "Network sources exist and none uses `key`, `autokey` or (NTPsec) `nts`.",
        why: "RFC 8633 §4: plain NTP can be modified on path; NTS (RFC 8915) or symmetric keys protect integrity.",
        flagged: "server 192.0.2.1 iburst\n",
        fine: "keys /etc/ntp.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\n",
        reference: "RFC 8633 §4; RFC 8915 (NTS).",
        url: AUTHOPT,
    };
}

impl Rule for UnauthenticatedTime {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let srcs = ctx.network_sources();
        if srcs.is_empty() || srcs.iter().any(|s| s.authenticated()) {
            return;
        }
        let mut d = Diagnostic::new(
            Code::Ntp219,
            srcs[0].assoc.address.span,
            "no network source is authenticated: an on-path attacker can change the time you get",
        )
        .label("unauthenticated")
        .help(if ctx.classic() {
            "use symmetric keys (`key N` with AES128CMAC) with servers you control"
        } else {
            "add `nts` to servers that support NTS (RFC 8915)"
        });
        for s in &srcs[1..] {
            d = d.related(s.assoc.address.span, "unauthenticated");
        }
        sink.push(d);
    }
}
