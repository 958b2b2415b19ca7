//! NTP315 localhost-query-blocked.
use super::common::*;

/// ntpq from loopback is refused.
pub struct LocalhostQueryBlocked;

impl LocalhostQueryBlocked {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp315,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "The entry matching 127.0.0.1 (IPv4) or ::1 (IPv6) has `noquery` or `ignore` — usually because the default has `noquery` and there is no `restrict 127.0.0.1` / `restrict ::1`. IPv6 is skipped when disabled. Anchored on the line that blocks.",
        why: "`ntpq -p`, `ntpstat`, check_ntp_peer and exporters use mode 6 over loopback; `localhost` often resolves to ::1 first, so a missing IPv6 line makes local monitoring time out. NTPsec's built-in default has `noquery`, so it needs the lines too.",
        flagged: "restrict default kod nomodify notrap nopeer noquery\nrestrict 127.0.0.1\nserver 192.0.2.1 iburst\n",
        fine: "restrict default kod nomodify notrap nopeer noquery\nrestrict 127.0.0.1\nrestrict ::1\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org access control options; pool.ntp.org join/configuration page.",
        url: ACCOPT,
    };
}

impl Rule for LocalhostQueryBlocked {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        for (ip, v6, line) in [("127.0.0.1", false, "restrict 127.0.0.1"), ("::1", true, "restrict ::1")] {
            if v6 && ctx.ipv6_disabled() {
                continue;
            }
            // (An entry the server adds itself — `restrict source` for `server 127.0.0.1` — is
            // not a line to anchor on: skipped.)
            let Some(e) = ctx.restrict_lookup(ip.parse().expect("literal"), false) else { continue };
            let Some(flag) = [RestrictFlags::IGNORE, RestrictFlags::NOQUERY].into_iter().find(|f| e.flags().contains(*f)) else { continue };
            let word = flag.keywords().next().expect("one flag");
            // Prefer the family's own line (`restrict -6 default … noquery` for ::1) as anchor.
            let own = e.lines.iter().rev().find_map(|l| {
                let r = &ctx.config().restricts[*l];
                let fam_line = matches!(
                    (&r.target, v6),
                    (RestrictTarget::Default { family: Some(crate::config::model::Family::Ipv6) }, true)
                        | (RestrictTarget::Default { family: Some(crate::config::model::Family::Ipv4) }, false)
                );
                if fam_line { r.flags.iter().find(|f| f.value == word).map(|f| f.span) } else { None }
            });
            let site = ctx.restrict_site(&e, flag);
            let (anchor, fixable) = match own.or(site) {
                Some(s) => (s, e.is_default),
                None => match ctx.config().restricts.first() {
                    Some(r) => (ctx.keyword_span(r.span), true),
                    None => (ctx.line_span(Span::new(crate::source::FileId(0), 0, 0)), true),
                },
            };
            let builtin = site.is_none();
            let mut d = Diagnostic::new(Code::Ntp315, anchor, format!("ntpq and monitoring over {ip} are refused: {ip} matches `{word}`"))
                .label(if builtin {
                    format!("NTPsec's built-in default has `{word}` and no entry exempts {ip}")
                } else {
                    format!("{ip} falls under this `{word}`")
                })
                .help(format!("add `{line}` (a host entry without `noquery`)"));
            if fixable && e.is_default {
                let edit = match e.lines.last() {
                    Some(&l) => insert_line_after(ctx, ctx.config().restricts[l].span, line),
                    None => restrict_source_edit(ctx, line),
                };
                d = d.fix(fix(format!("add `{line}`"), Safety::Unsafe, vec![edit]));
            }
            sink.push(d);
        }
    }
}
