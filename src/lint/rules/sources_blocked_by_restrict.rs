//! NTP301 sources-blocked-by-restrict, and the source-reply lookup NTP204 shares.
use std::net::{IpAddr, SocketAddr};

use crate::proto::access::{NTP_PORT, Origin};

use super::common::*;

/// A restrict entry drops the replies of configured sources.
pub struct SourcesBlockedByRestrict;

impl SourcesBlockedByRestrict {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp301,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "A network source (`server`, `peer`, `pool`, `manycastclient`) whose replies match a restrict entry with `ignore` or `noserve`, or `notrust` while the source has no `key`. Numeric sources are looked up in the effective table (most specific entry); host names and pools against each family's default entry, or the `restrict source` template when there is one. With `--dns`, host names are resolved and their addresses looked up too.",
        why: "ntpd applies these flags to the mode 4 replies of its own servers before it finds the association (classic `receive()`; NTPsec the same): the source's reach stays 0, ntpd never synchronizes, and its clients get stratum 16.",
        flagged: "restrict default nomodify notrap nopeer noquery notrust\nserver ntp.example.org iburst\n",
        fine: "restrict default nomodify notrap nopeer noquery notrust\nrestrict source nomodify notrap noquery\nserver ntp.example.org iburst\n",
        reference: "ntp.org access control options (`ignore`, `noserve`, `notrust`); classic `ntpd/ntp_proto.c` receive(); classic ChangeLog 4.2.7p22 (`restrict source`); RFC 8633 App. A.2.",
        url: ACCOPT,
    };
}

/// Why a source's replies are dropped (or rate-limited): the entry and its flag.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The offending flag.
    pub flag: RestrictFlags,
    /// Where it was set (None: NTPsec's built-in default).
    pub site: Option<Span>,
    /// Describes the entry ("the IPv4 default entry", "`restrict source`").
    pub entry: String,
}

/// The entry word of the `restrict source` template.
pub const TEMPLATE: &str = "`restrict source`";

fn entry_word(e: &RestrictView) -> String {
    if e.is_default {
        format!("the {} default entry", if e.v6() { "IPv6" } else { "IPv4" })
    } else {
        format!("the entry for {}{}", e.ip(), e.prefix_len().map(|p| format!("/{p}")).unwrap_or_default())
    }
}

fn view_sites(ctx: &LintContext, e: &RestrictView) -> Vec<(RestrictFlags, Span)> {
    RestrictFlags::ALL
        .iter()
        .filter(|(f, _)| e.flags().contains(*f))
        .filter_map(|(f, _)| ctx.restrict_site(e, *f).map(|s| (*f, s)))
        .collect()
}

/// The flag words of the line that set the template (ntpd keeps only the last such line).
fn template_sites(ctx: &LintContext) -> Vec<(RestrictFlags, Span)> {
    let Some(l) = ctx.access().source_template_line() else { return vec![] };
    ctx.config().restricts[l as usize].flags.iter().filter_map(|f| RestrictFlags::from_keyword(&f.value).map(|x| (x, f.span))).collect()
}

/// Flags that apply to a source's replies: (flags, where each came from, entry word).
pub type ReplyEntry = (RestrictFlags, Vec<(RestrictFlags, Span)>, String);

/// The flags that apply to a source's replies, one per address family or resolved address the
/// source may use — looked up in the server's own table.
pub fn reply_entries(ctx: &LintContext, s: &Source) -> Vec<ReplyEntry> {
    let a = ctx.access();
    let tmpl = a.source_template().map(|(_, f, _)| f);
    let mut ips: Vec<IpAddr> = s.ip.into_iter().collect();
    if s.ip.is_none()
        && let Some(Ok(v)) = ctx.resolve(s.name())
    {
        ips = v;
    }
    // A multicast address (`manycastclient 239.…`) is where requests go; the replies come from
    // unicast servers not known in advance (the server's "multicast source = ignore" rule is
    // about packets *from* such an address, which replies never are).
    let (multicast, ips): (Vec<IpAddr>, Vec<IpAddr>) = ips.into_iter().partition(|ip| ip.is_multicast());
    let mut out = Vec::new();
    if ips.is_empty() {
        let fam_q = s.assoc.address.family;
        for v6 in [false, true] {
            match (fam_q, v6) {
                (Some(crate::config::model::Family::Ipv4), true) | (Some(crate::config::model::Family::Ipv6), false) => continue,
                _ => {}
            }
            if !multicast.is_empty() && !multicast.iter().any(|m| m.is_ipv6() == v6) {
                continue;
            }
            if v6 && ctx.ipv6_disabled() {
                continue;
            }
            let Some(e) = ctx.restrict_entries().into_iter().find(|e| e.is_default && e.v6() == v6) else { continue };
            match tmpl {
                Some(tf) if ctx.classic() || pokes_hole(e.flags(), s) => out.push((tf, template_sites(ctx), TEMPLATE.to_string())),
                _ => out.push((e.flags(), view_sites(ctx, &e), entry_word(&e))),
            }
        }
    } else {
        for ip in ips {
            // The table with the host entry ntpd makes from `restrict source` for this address
            // (numeric `server`/`peer` lines have theirs already); proto decides whether and
            // where it goes.
            let mut p = a.clone();
            p.add_source(ip, s.authenticated());
            let e = p.lookup(SocketAddr::new(ip, NTP_PORT));
            if e.origin == Origin::Source {
                out.push((e.flags, template_sites(ctx), TEMPLATE.to_string()));
            } else if let Some(v) = ctx.restrict_view(e) {
                out.push((v.flags(), view_sites(ctx, &v), entry_word(&v)));
            }
        }
    }
    out
}

fn pokes_hole(f: RestrictFlags, s: &Source) -> bool {
    f.contains(RestrictFlags::IGNORE) || (f.contains(RestrictFlags::NOTRUST) && !s.authenticated())
}

/// Is the source's traffic dropped? Returns the first blocking flag.
pub fn blocking(ctx: &LintContext, s: &Source) -> Option<Verdict> {
    for (flags, sites, entry) in reply_entries(ctx, s) {
        for f in [RestrictFlags::IGNORE, RestrictFlags::NOSERVE, RestrictFlags::NOTRUST] {
            if flags.contains(f) && (f != RestrictFlags::NOTRUST || !s.authenticated()) {
                let site = sites.iter().find(|(x, _)| *x == f).map(|(_, sp)| *sp);
                return Some(Verdict { flag: f, site, entry });
            }
        }
    }
    None
}

impl Rule for SourcesBlockedByRestrict {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        // Group sources by the flag site that blocks them.
        let mut groups: Vec<(Verdict, Vec<Source>)> = Vec::new();
        for s in ctx.network_sources() {
            if let Some(v) = blocking(ctx, &s) {
                match groups.iter_mut().find(|(g, _)| g.site == v.site && g.flag == v.flag) {
                    Some((_, list)) => list.push(s),
                    None => groups.push((v, vec![s])),
                }
            }
        }
        for (v, srcs) in groups {
            let word = v.flag.keywords().next().expect("one flag");
            let anchor = v.site.unwrap_or(srcs[0].assoc.address.span);
            let what = match word {
                "notrust" => format!("{} now drops every packet without a MAC", v.entry),
                "ignore" => format!("{} drops every packet", v.entry),
                _ => format!("{} refuses time service, replies included", v.entry),
            };
            let mut d = Diagnostic::new(
                Code::Ntp301,
                anchor,
                format!(
                    "replies from {} are dropped by `{word}`: ntpd cannot synchronize to {}",
                    plural(srcs.len(), "configured source"),
                    if srcs.len() == 1 { "it" } else { "them" }
                ),
            )
            .label(what);
            for s in &srcs {
                let why = if word == "notrust" {
                    "no `key` on this source, so its replies carry no MAC"
                } else {
                    "replies from this source are dropped"
                };
                d = d.related(s.assoc.address.span, why);
            }
            let from_template = v.entry == TEMPLATE;
            let help = if from_template {
                format!("remove `{word}` from `restrict source`: it is copied to every source's host entry")
            } else if word == "notrust" {
                "give the sources a `key`, or exempt them with `restrict source nomodify notrap noquery` (ntpd ≥ 4.2.8, NTPsec); ntpd 4.2.6 has no `restrict source`: exempt numeric server addresses instead".to_string()
            } else {
                format!(
                    "exempt the sources with `restrict source nomodify notrap noquery` (ntpd ≥ 4.2.8, NTPsec), or with `restrict ADDR nomodify notrap noquery` for numeric servers; or drop `{word}`"
                )
            };
            d = d.help(help);
            if !from_template
                && ctx.config().restricts.iter().all(|r| !matches!(r.target, RestrictTarget::Source { .. }))
                && v.site.is_some()
            {
                d = d.fix(fix(
                    "add `restrict source nomodify notrap noquery`",
                    Safety::Unsafe,
                    vec![restrict_source_edit(ctx, "restrict source nomodify notrap noquery")],
                ));
            }
            sink.push(d);
        }
    }
}
