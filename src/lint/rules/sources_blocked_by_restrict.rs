//! NTP301 sources-blocked-by-restrict, and the source-reply lookup NTP204 shares.
use std::net::IpAddr;

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
    pub flag: Flags,
    /// Where it was set (None: NTPsec's built-in default).
    pub site: Option<Span>,
    /// Describes the entry ("the IPv4 default entry", "`restrict source`").
    pub entry: String,
}

fn entry_word(e: &Entry) -> String {
    if e.is_default {
        format!("the {} default entry", if e.fam == Fam::V4 { "IPv4" } else { "IPv6" })
    } else {
        format!("the entry for {}{}", e.addr_text(), e.prefix_len().map(|p| format!("/{p}")).unwrap_or_default())
    }
}

/// Flags that apply to a source's replies: (flags, where each came from, entry word).
pub type ReplyEntry = (Flags, Vec<(Flags, Span)>, String);

/// The flags that apply to a source's replies, one per address family or resolved address the
/// source may use.
pub fn reply_entries(ctx: &LintContext, s: &Source) -> Vec<ReplyEntry> {
    let t = ctx.table();
    let template_ok = ctx.classic() || ctx.dialect() == Dialect::Ntpsec;
    let tmpl = t.source.as_ref().filter(|_| template_ok);
    let mut out = Vec::new();
    let mut ips: Vec<IpAddr> = s.ip.into_iter().collect();
    if s.ip.is_none()
        && let Some(Ok(v)) = ctx.resolve(s.name())
    {
        ips = v;
    }
    let sites = |e: &Entry| e.sites.iter().map(|x| (x.flag, x.span)).collect::<Vec<_>>();
    let tmpl_sites = |t: &crate::lint::restrict::SourceTemplate| t.sites.iter().map(|x| (x.flag, x.span)).collect::<Vec<_>>();
    if ips.is_empty() {
        let fam_q = s.assoc.address.family;
        for fam in [Fam::V4, Fam::V6] {
            match (fam_q, fam) {
                (Some(crate::config::model::Family::Ipv4), Fam::V6) | (Some(crate::config::model::Family::Ipv6), Fam::V4) => continue,
                _ => {}
            }
            if fam == Fam::V6 && ctx.ipv6_disabled() {
                continue;
            }
            let e = t.default(fam);
            match tmpl {
                Some(tp) if ctx.classic() || pokes_hole(e.flags, s) => {
                    out.push((tp.flags, tmpl_sites(tp), "`restrict source`".to_string()))
                }
                _ => out.push((e.flags, sites(e), entry_word(e))),
            }
        }
    } else {
        for ip in ips {
            let e = t.lookup(ip, true);
            match tmpl {
                // Classic installs the template as a host entry, OR-ed into an existing one.
                Some(tp) if ctx.classic() => {
                    let host = if e.is_host() { e.flags } else { Flags::NONE };
                    let mut si = tmpl_sites(tp);
                    if e.is_host() {
                        si.extend(sites(e));
                    }
                    out.push((host.or(tp.flags), si, "`restrict source`".to_string()));
                }
                // NTPsec pokes a hole only for `ignore`/`notrust`, and never over a host entry.
                Some(tp) if !e.is_host() && pokes_hole(e.flags, s) => out.push((tp.flags, tmpl_sites(tp), "`restrict source`".to_string())),
                _ => out.push((e.flags, sites(e), entry_word(e))),
            }
        }
    }
    out
}

fn pokes_hole(f: Flags, s: &Source) -> bool {
    f.has(Flags::IGNORE) || (f.has(Flags::NOTRUST) && !s.authenticated())
}

/// Is the source's traffic dropped? Returns the first blocking flag.
pub fn blocking(ctx: &LintContext, s: &Source) -> Option<Verdict> {
    for (flags, sites, entry) in reply_entries(ctx, s) {
        for f in [Flags::IGNORE, Flags::NOSERVE, Flags::NOTRUST] {
            if flags.has(f) && (f != Flags::NOTRUST || !s.authenticated()) {
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
            let word = v.flag.words()[0];
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
            let from_template = v.entry == "`restrict source`";
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
