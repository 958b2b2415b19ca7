//! NTP302 pool-blocked-by-nopeer.
use super::common::*;
use crate::proto::access::RestrictFlags;

/// `pool` with `nopeer`/`notrust` on a default and no exempting `restrict source`.
pub struct PoolBlockedByNopeer;

impl PoolBlockedByNopeer {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp302,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "A `pool` line, a default entry with `nopeer` or `notrust`, and no `restrict source` line lacking both flags.",
        why: "A pool reply comes from an address that has no association yet; classic ntpd requires it to be authenticated when `nopeer`/`notrust` matches, so pool associations are never created. `restrict source` helps because classic installs a template entry for every address the pool solicits. NTPsec ignores `nopeer`.",
        flagged: "restrict default kod nomodify notrap nopeer noquery\npool pool.ntp.org iburst\n",
        fine: "restrict default kod nomodify notrap nopeer noquery\nrestrict source nomodify notrap noquery\npool pool.ntp.org iburst\n",
        reference: "ntp.org access control options (`nopeer` warns about pool); classic `ntpd/ntp_proto.c` receive() AM_MANYCAST branch and pool_xmit() → restrict_source().",
        url: ACCOPT,
    };
}

impl Rule for PoolBlockedByNopeer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let pools: Vec<Source> = ctx.network_sources().into_iter().filter(|s| s.kind() == AssociationKind::Pool).collect();
        if pools.is_empty() {
            return;
        }
        // The server's own table: classic keeps only the last `restrict source` line.
        let a = ctx.access();
        let template = a.source_template().map(|(_, f, _)| f);
        if template.is_some_and(|f| !f.contains(RestrictFlags::NOPEER) && !f.contains(RestrictFlags::NOTRUST)) {
            return;
        }
        let mut seen = Vec::new();
        for v6 in [false, true] {
            if v6 && ctx.ipv6_disabled() {
                continue;
            }
            let e = a.default_entry(v6);
            for f in [RestrictFlags::NOPEER, RestrictFlags::NOTRUST] {
                if !e.flags.contains(f) {
                    continue;
                }
                let word = f.keywords().next().expect("a single flag has a keyword");
                let Some(site) = ctx.default_flag_site(v6, word) else { continue };
                if seen.contains(&site) {
                    continue;
                }
                seen.push(site);
                let mut d = Diagnostic::new(Code::Ntp302, site, format!("`{word}` on the default entry keeps `pool` from creating any association"))
                    .label("pool replies come from addresses without an association")
                    .help("add `restrict source nomodify notrap noquery` (ntpd ≥ 4.2.8): each pool server then gets a host entry without `nopeer`");
                for p in &pools {
                    d = d.related(p.assoc.address.span, "gets no servers");
                }
                if template.is_none() {
                    d = d.fix(fix(
                        "add `restrict source nomodify notrap noquery`",
                        Safety::Safe,
                        vec![restrict_source_edit(ctx, "restrict source nomodify notrap noquery")],
                    ));
                }
                sink.push(d);
                break;
            }
        }
    }
}
