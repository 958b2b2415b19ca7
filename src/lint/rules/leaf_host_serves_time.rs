//! NTP226 leaf-host-serves-time.
use super::common::*;

/// A pure client that still answers everyone (security profile).
pub struct LeafHostServesTime;

impl LeafHostServesTime {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp226,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Profiles(&[Profile::Security]),
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "No restrict entry other than loopback and the defaults grants time service to a network (the host looks like a pure client), yet the defaults lack `noserve`/`ignore`.",
        why: "RFC 8633 §5.1: leaf hosts should drop all incoming NTP except the replies from their sources.",
        flagged: "restrict default kod limited nomodify notrap nopeer noquery\nrestrict source nomodify notrap noquery\nserver 192.0.2.1 iburst\n",
        fine: "restrict default kod limited nomodify notrap nopeer noquery noserve\nrestrict source nomodify notrap noquery\nserver 192.0.2.1 iburst\n",
        reference: "RFC 8633 §5.1.",
        url: RFC8633,
    };
}

impl Rule for LeafHostServesTime {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let a = ctx.access();
        let serves_net = ctx.restrict_entries().iter().any(|e| {
            !e.is_default && !e.is_host() && !e.is_loopback() && !any_of(e.flags(), RestrictFlags::NOSERVE.union(RestrictFlags::IGNORE))
        });
        if serves_net || ctx.network_sources().is_empty() {
            return;
        }
        // One finding per configuration, anchored on the first default line that serves; the
        // fix adds `noserve` to every such line.
        let mut lines: Vec<usize> = Vec::new();
        for v6 in [false, true] {
            let e = a.default_entry(v6);
            if any_of(e.flags, RestrictFlags::NOSERVE.union(RestrictFlags::IGNORE)) || (v6 && ctx.ipv6_disabled()) {
                continue;
            }
            for l in a.default_lines(v6).iter().map(|&l| l as usize) {
                if ctx.config().restricts[l].action == RestrictAction::Restrict && !lines.contains(&l) {
                    lines.push(l);
                }
            }
        }
        let Some(&first) = lines.first() else { return };
        let r = &ctx.config().restricts[first];
        let mut edits: Vec<Edit> = lines.iter().map(|l| append_after(ctx.config().restricts[*l].span, "noserve")).collect();
        if a.source_template().is_none() {
            edits.push(restrict_source_edit(ctx, "restrict source nomodify notrap noquery"));
        }
        let mut d = Diagnostic::new(
            Code::Ntp226,
            ctx.keyword_span(r.span).to(r.span),
            "this host looks like a pure client but answers time requests from anyone",
        )
        .label("no `noserve` on the default")
        .help("add `noserve` to the defaults and `restrict source nomodify notrap noquery` (ntpd ≥ 4.2.8, NTPsec), or NTP301 fires");
        for l in &lines[1..] {
            let s = ctx.config().restricts[*l].span;
            d = d.related(ctx.keyword_span(s).to(s), "no `noserve` either");
        }
        sink.push(d.fix(fix("add `noserve` (and `restrict source`)", Safety::Unsafe, edits)));
    }
}
