//! NTP209 broadcast-mode-risk.
use super::common::*;

/// Broadcast/multicast/manycast modes without authentication.
pub struct BroadcastModeRisk;

impl BroadcastModeRisk {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp209,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "(a) `broadcast ADDR` without `key`/`autokey`; (b) `broadcast` to a global unicast address; (c) `broadcastclient`/`multicastclient` with `disable auth` (error) or with no `trustedkey` at all (warning: with the default `enable auth` unauthenticated broadcasts are ignored, so the client never syncs); (d) `manycastserver`/`manycastclient` without keys.",
        why: "RFC 8633 §5.5: every broadcast client holds the shared key and can forge the server; use these modes only on trusted networks. Broadcast mode had replay and DoS issues (CVE-2015-7973, CVE-2015-7979, CVE-2016-7427, CVE-2016-7428). NTPsec removed these modes.",
        flagged: "broadcastclient\n",
        fine: "keys /etc/ntp.keys\ntrustedkey 4\nbroadcastclient\n",
        reference: "RFC 8633 §5.5; ntp.org association options (broadcastclient, manycast); Bugs 2935, 2942, 3113, 3114.",
        url: CONFOPT,
    };
}

impl Rule for BroadcastModeRisk {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let c = ctx.config();
        for s in ctx.all_sources() {
            match s.kind() {
                AssociationKind::Broadcast => {
                    if !s.authenticated() {
                        sink.push(
                            Diagnostic::new(
                                Code::Ntp209,
                                ctx.keyword_span(s.assoc.span),
                                "unauthenticated broadcast: any host on the segment can forge this server",
                            )
                            .label("no `key`")
                            .help("add `key N` (clients need the key and `trustedkey N`), or serve clients in unicast mode"),
                        );
                    }
                    if let Some(ip) = s.ip
                        && !ip.is_multicast()
                        && !private_ip(ip)
                        && !is_broadcast_like(ip)
                    {
                        sink.push(
                            Diagnostic::new(Code::Ntp209, s.assoc.address.span, "broadcast to a global unicast address")
                                .label("not a multicast, private or link-local address")
                                .help("broadcast/multicast mode is meant for a trusted local segment"),
                        );
                    }
                }
                AssociationKind::Manycastclient if !s.authenticated() => {
                    sink.push(
                        Diagnostic::new(
                            Code::Ntp209,
                            ctx.keyword_span(s.assoc.span),
                            "unauthenticated manycast: any responder can become a source",
                        )
                        .label("no `key`")
                        .help("add `key N` (with `trustedkey N`) so only servers holding the key are accepted"),
                    );
                }
                _ => {}
            }
        }
        let clients: Vec<Span> =
            c.broadcastclient.into_iter().chain(c.multicastclient.iter().map(|a| a.span)).chain(ctx.enabled_flag("bclient")).collect();
        if let Some(&first) = clients.first() {
            if let Some(off) = ctx.disabled_flag("auth") {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp209,
                        first,
                        "broadcast client with `disable auth`: any host on the segment can set this clock",
                    )
                    .severity(Severity::Error)
                    .label("accepts unauthenticated broadcasts")
                    .related(off, "authentication turned off here")
                    .help("remove `disable auth` and configure a key (`keys`, `trustedkey N`) shared with the broadcast server"),
                );
            } else if c.auth.trustedkey_lines.is_empty() {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp209,
                        first,
                        "broadcast client without a trusted key: ntpd ignores unauthenticated broadcasts, so it never syncs",
                    )
                    .label("no `trustedkey` in the file")
                    .help("configure the broadcast server's key: `keys /etc/ntp.keys` and `trustedkey N`"),
                );
            }
        }
        if !c.manycastserver.is_empty() && c.auth.trustedkey_lines.is_empty() {
            sink.push(
                Diagnostic::new(Code::Ntp209, c.manycastserver[0].span, "manycast server without keys: it answers any manycast client")
                    .label("no `trustedkey` in the file")
                    .help("configure keys so only clients holding them are answered"),
            );
        }
    }
}

fn is_broadcast_like(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v) => v.is_broadcast() || v.octets()[3] == 255,
        std::net::IpAddr::V6(_) => false,
    }
}
