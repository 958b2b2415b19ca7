//! NTP333 restrict-exemption-stale.
use super::common::*;

/// A host exemption for an address no association uses.
pub struct RestrictExemptionStale;

impl RestrictExemptionStale {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp333,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "A non-loopback host entry with fewer flags than the default (an exemption) whose address appears on no association line (with `--dns`: is not among the sources' resolved addresses either).",
        why: "Usually a leftover from sources that were replaced by host names or a pool; it no longer exempts the real sources but still grants that address lifted privileges (NTP207).",
        flagged: "restrict default kod nomodify notrap nopeer noquery\nrestrict 192.0.2.99\nserver ntp.example.org iburst\n",
        fine: "restrict default kod nomodify notrap nopeer noquery\nrestrict 192.0.2.1\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org access control options.",
        url: ACCOPT,
    };
}

impl Rule for RestrictExemptionStale {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let a = ctx.access();
        let srcs = ctx.all_sources();
        let mut used: Vec<std::net::IpAddr> = srcs.iter().filter_map(|s| s.ip).collect();
        for s in &srcs {
            if s.ip.is_none()
                && s.is_network()
                && let Some(Ok(v)) = ctx.resolve(s.name())
            {
                used.extend(v);
            }
        }
        for e in ctx.restrict_entries() {
            if !e.is_host() || e.is_loopback() || e.lines.is_empty() {
                continue;
            }
            let def = a.default_entry(e.v6());
            if def.flags.without(e.flags()).is_empty() {
                continue;
            }
            let ip = e.ip();
            if used.contains(&ip) || ctx.config().traps.iter().any(|x| x.address.text == ip.to_string()) {
                continue;
            }
            let r = &ctx.config().restricts[e.lines[0]];
            let RestrictTarget::Address { address, .. } = &r.target else { continue };
            let mut d = Diagnostic::new(Code::Ntp333, address.span, format!("exemption for {ip}, which no association uses"))
                .label("probably a stale exemption")
                .help("delete it if that server is gone; for host-name sources use `restrict source …`");
            let edits: Vec<Edit> = e.lines.iter().map(|l| delete_line(ctx, ctx.config().restricts[*l].span)).collect();
            d = d.fix(fix("delete the exemption", Safety::Unsafe, edits));
            sink.push(d);
        }
    }
}
