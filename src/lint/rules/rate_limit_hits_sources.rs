//! NTP204 rate-limit-hits-sources.
use super::common::*;
use super::sources_blocked_by_restrict::reply_entries;

/// `limited` applies to the replies of configured sources.
pub struct RateLimitHitsSources;

impl RateLimitHitsSources {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp204,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "The restrict entry a network source's replies match (as NTP301 computes it) has `limited`, and no `restrict source` without `limited` (nor a host entry without it, for numeric sources) exempts it.",
        why: "Classic ntpd rate-limits server replies too (it logs \"Possibly self-induced rate limiting of MODE_SERVER\"). An attacker who learns your sources can spoof packets from them to keep the limit tripped, so the real replies are dropped (CVE-2016-7426).",
        flagged: "restrict default kod limited nomodify notrap nopeer noquery\nserver ntp.example.org iburst\n",
        fine: "restrict default kod limited nomodify notrap nopeer noquery\nrestrict source nomodify notrap noquery\nserver ntp.example.org iburst\n",
        reference: "ntp.org security notice for Bug 3071 (CVE-2016-7426), whose mitigation is a `restrict source` line without `limited`; ntp.org access control options.",
        url: ACCOPT,
    };
}

impl Rule for RateLimitHitsSources {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let mut groups: Vec<(Option<Span>, String, Vec<Source>)> = Vec::new();
        for s in ctx.network_sources() {
            if super::sources_blocked_by_restrict::blocking(ctx, &s).is_some() {
                continue; // NTP301 says more.
            }
            for (flags, sites, entry) in reply_entries(ctx, &s) {
                if flags.contains(RestrictFlags::LIMITED) {
                    let site = sites.iter().find(|(f, _)| *f == RestrictFlags::LIMITED).map(|(_, s)| *s);
                    match groups.iter_mut().find(|(g, _, _)| *g == site) {
                        Some((_, _, l)) => l.push(s),
                        None => groups.push((site, entry, vec![s])),
                    }
                    break;
                }
            }
        }
        for (site, entry, srcs) in groups {
            let anchor = site.unwrap_or(srcs[0].assoc.address.span);
            let mut d = Diagnostic::new(Code::Ntp204, anchor, format!("`limited` also rate-limits the replies of {}", plural(srcs.len(), "configured source")))
                .label(format!("{entry} rate-limits sources too"))
                .help("exempt the sources with `restrict source nomodify notrap noquery` (no `limited`): spoofed packets can otherwise keep the limit tripped (CVE-2016-7426)");
            for s in &srcs {
                d = d.related(s.assoc.address.span, "its replies are rate-limited");
            }
            if entry != super::sources_blocked_by_restrict::TEMPLATE {
                d = d.fix(fix(
                    "add `restrict source nomodify notrap noquery`",
                    Safety::Safe,
                    vec![restrict_source_edit(ctx, "restrict source nomodify notrap noquery")],
                ));
            }
            sink.push(d);
        }
    }
}
