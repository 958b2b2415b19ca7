//! NTP208 symmetric-peer-unauthenticated.
use super::common::*;

/// `peer` without a key.
pub struct SymmetricPeerUnauthenticated;

impl SymmetricPeerUnauthenticated {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp208,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "A `peer` line without `key` or `autokey`.",
        why: "RFC 8633 §5.6: symmetric mode only with trusted peers, each association authenticated with its own key. Without a key, spoofed packets can disrupt or hijack the symmetric association (CVE-2015-1799, CVE-2015-7871); NTPsec treats `peer` as `server` anyway.",
        flagged: "peer 192.0.2.7\nserver 192.0.2.1 iburst\n",
        fine: "keys /etc/ntp.keys\ntrustedkey 7\npeer 192.0.2.7 key 7\nserver 192.0.2.1 iburst\n",
        reference: "RFC 8633 §5.6; ntp.org security notices for Bugs 2781, 2941, 3012, 3415.",
        url: CONFOPT,
    };
}

impl Rule for SymmetricPeerUnauthenticated {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for s in ctx.network_sources() {
            if s.kind() == AssociationKind::Peer && !s.authenticated() {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp208,
                        ctx.keyword_span(s.assoc.span),
                        "symmetric `peer` association without a key: anyone who can spoof the peer can disrupt it",
                    )
                    .label("no `key` on this peer")
                    .help("add `key N` with a key for this peer only (and `trustedkey N`), or use `server` in both directions"),
                );
            }
        }
    }
}
