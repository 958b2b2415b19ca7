//! NTP205 notrust-drops-unauthenticated.
use super::common::*;

/// `notrust` on a default or network entry.
pub struct NotrustDropsUnauthenticated;

impl NotrustDropsUnauthenticated {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp205,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "`notrust` on a default entry or on any entry whose mask is not all ones.",
        why: "Since 4.2.6 (and in NTPsec) `notrust` drops every NTP packet without a MAC from matching hosts: clients without a shared key get no time, and unauthenticated replies from sources in that range are dropped too (NTP301). Up to 4.1 it meant \"do not sync to these hosts\", and old manuals still say so, so old configs changed meaning on upgrade.",
        flagged: "restrict default nomodify notrap nopeer noquery\nrestrict 192.168.0.0 mask 255.255.0.0 notrust\nserver 192.0.2.1 iburst\n",
        fine: "restrict default nomodify notrap nopeer noquery\nrestrict 192.168.0.0 mask 255.255.0.0 nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org access control options (`notrust`); classic 4.2.6p5 and 4.2.8p18 `receive()`; ntpconf reference §7.4.",
        url: ACCOPT,
    };
}

impl Rule for NotrustDropsUnauthenticated {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let mut seen: Vec<Span> = Vec::new();
        for e in ctx.restrict_entries() {
            if e.is_host() || !e.flags().contains(RestrictFlags::NOTRUST) {
                continue;
            }
            let Some(site) = ctx.restrict_site(&e, RestrictFlags::NOTRUST) else { continue };
            if seen.contains(&site) {
                continue;
            }
            seen.push(site);
            let who = if e.is_default {
                format!("every {} host", if e.v6() { "IPv6" } else { "IPv4" })
            } else {
                format!("every host in {}/{}", e.ip(), e.prefix_len().map(|p| p.to_string()).unwrap_or_else(|| "?".into()))
            };
            sink.push(
                Diagnostic::new(Code::Ntp205, site, format!("`notrust` drops every unauthenticated packet from {who}"))
                    .label("clients without a key get no time; unauthenticated source replies are dropped too")
                    .help("if the intent is \"do not sync to strangers\", remove `notrust` (ntpd only syncs to configured sources) and use `nopeer`; if it is \"serve only authenticated clients\", keep it and exempt the sources (`restrict source nomodify notrap noquery`)")
                    .fix(fix("remove `notrust`", Safety::Unsafe, vec![remove_word(ctx, site)])),
            );
        }
    }
}
