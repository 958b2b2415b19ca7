//! NTP218 mssntp-blocking.
use super::common::*;

/// `mssntp` on a restrict entry.
pub struct MssntpBlocking;

impl MssntpBlocking {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp218,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "`mssntp` on a restrict line.",
        why: "MS-SNTP signing goes through a blocking call to Samba's signd, which degrades service for all clients; use it only on a dedicated MS-SNTP server. ntpd warns about this at start-up.",
        flagged: "restrict 192.168.0.0 mask 255.255.0.0 mssntp\nserver 192.0.2.1 iburst\n",
        fine: "restrict 192.168.0.0 mask 255.255.0.0 nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org access control options (`mssntp`).",
        url: ACCOPT,
    };
}

impl Rule for MssntpBlocking {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for r in &ctx.config().restricts {
            for f in r.flags.iter().filter(|f| f.value == "mssntp") {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp218,
                        f.span,
                        "MS-SNTP signing blocks ntpd while signd answers, degrading service to all clients",
                    )
                    .label("blocking signd call per request")
                    .help("use `mssntp` only on a server dedicated to Windows domain members"),
                );
            }
        }
    }
}
