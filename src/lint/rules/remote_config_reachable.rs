//! NTP212 remote-config-reachable.
use super::common::*;

/// `controlkey` with entries that allow modification.
pub struct RemoteConfigReachable;

impl RemoteConfigReachable {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp212,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "`controlkey` is set and a non-loopback entry (a default or a network) lacks `nomodify` (and `ignore`).",
        why: "Any host matching that entry and holding the key can reconfigure ntpd at run time (`ntpq :config`). Remote configuration was the vector of CVE-2015-7703, CVE-2015-7850, CVE-2016-2517 and CVE-2017-6463/6464; ntpq traffic can be replayed (CVE-2015-8140).",
        flagged: "keys /etc/ntp.keys\ntrustedkey 1\ncontrolkey 1\nrestrict default kod notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        fine: "keys /etc/ntp.keys\ntrustedkey 1\ncontrolkey 1\nrestrict default kod nomodify notrap nopeer noquery\nrestrict 127.0.0.1\nserver 192.0.2.1 iburst\n",
        reference: "RFC 8633 §3.4; ntp.org security notices for Bugs 2902, 2917, 3010, 3387, 3389, 2947.",
        url: ACCOPT,
    };
}

impl Rule for RemoteConfigReachable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(ck) = &ctx.config().auth.controlkey else { return };
        let mut seen = Vec::new();
        for e in ctx.restrict_entries() {
            if e.is_host() || e.is_loopback() || any_of(e.flags(), RestrictFlags::NOMODIFY.union(RestrictFlags::IGNORE)) {
                continue;
            }
            if e.v6() && e.is_default && ctx.ipv6_disabled() {
                continue;
            }
            let who = if e.is_default {
                format!("any {} host", if e.v6() { "IPv6" } else { "IPv4" })
            } else {
                format!("hosts in {}/{}", e.ip(), e.prefix_len().unwrap_or(0))
            };
            let anchor = e.lines.last().map(|l| ctx.config().restricts[*l].span);
            let anchor_span = anchor.map(|s| ctx.keyword_span(s).to(s)).unwrap_or(ck.span);
            if seen.contains(&anchor_span) {
                continue;
            }
            seen.push(anchor_span);
            let mut d = Diagnostic::new(
                Code::Ntp212,
                anchor_span,
                format!("{who} holding control key {} can reconfigure ntpd at run time", ck.value),
            )
            .label("no `nomodify` on this entry")
            .related(ck.span, "runtime configuration enabled by this key")
            .help("add `nomodify` to the default and wide entries; allow modification only from loopback or admin hosts");
            if let Some(a) = anchor {
                d = d.fix(fix("add `nomodify`", Safety::Unsafe, vec![append_after(a, "nomodify")]));
            }
            sink.push(d);
        }
    }
}
