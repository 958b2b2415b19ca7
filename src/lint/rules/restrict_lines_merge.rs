//! NTP402 restrict-lines-merge.
use super::common::*;
use crate::proto::access::AddrMask;

/// Two restrict lines for the same entry.
pub struct RestrictLinesMerge;

impl RestrictLinesMerge {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp402,
        category: Category::Style,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "Two `restrict` lines with the same key (family, network, mask, `ntpport`) and different flags; `restrict -6 default` next to `restrict default` is NTP403's.",
        why: "The flags are OR-merged; a later line cannot remove a flag, which surprises readers who expect the last line to win. Classic keeps `ippeerlimit` from the first line only.",
        flagged: "restrict 192.168.1.0 mask 255.255.255.0 nomodify\nrestrict 192.168.1.0 mask 255.255.255.0 noquery\nserver 192.0.2.1 iburst\n",
        fine: "restrict 192.168.1.0 mask 255.255.255.0 nomodify noquery\nserver 192.0.2.1 iburst\n",
        reference: "NTPsec access control (merging note); classic `hack_restrict`.",
        url: NTPSEC_ACCOPT,
    };
}

impl Rule for RestrictLinesMerge {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let mut seen: Vec<usize> = Vec::new();
        for e in ctx.restrict_entries() {
            let rs = &ctx.config().restricts;
            let lines: Vec<usize> = e.lines.iter().copied().filter(|l| rs[*l].action == RestrictAction::Restrict).collect();
            if lines.len() < 2 {
                continue;
            }
            // `restrict default` + `restrict -6 default`: NTP403.
            if e.is_default
                && lines.iter().any(|l| matches!(rs[*l].target, RestrictTarget::Default { family: Some(_) }))
                && lines.iter().any(|l| matches!(rs[*l].target, RestrictTarget::Default { family: None }))
            {
                continue;
            }
            let first = lines[0];
            for &l in &lines[1..] {
                if seen.contains(&l) {
                    continue;
                }
                seen.push(l);
                let r = &rs[l];
                let f0 = &rs[first];
                let same_file = r.span.file == f0.span.file;
                let new_flags: Vec<String> = r.flags.iter().map(|f| f.value.clone()).filter(|w| !f0.has_flag(w)).collect();
                let mut d = Diagnostic::new(
                    Code::Ntp402,
                    ctx.keyword_span(r.span).to(r.span),
                    "this line adds flags to an entry an earlier line created: restrict lines merge, they never replace",
                )
                .label(format!("merged flags: {}", if e.flags().is_empty() { "none".to_string() } else { flag_words(e.flags()).join(" ") }))
                .related(ctx.keyword_span(f0.span).to(f0.span), "entry created here")
                .help("write the entry on one line");
                // Merging is exact only when both lines cover the same entries (`restrict default`
                // covers both families, `0.0.0.0 mask 0.0.0.0` only IPv4).
                let same_keys = target_nets(ctx, &r.target) == target_nets(ctx, &f0.target);
                if same_file && same_keys && r.ippeerlimit.is_none() {
                    let mut edits = vec![delete_line(ctx, r.span)];
                    if !new_flags.is_empty() {
                        edits.push(append_after(f0.span, &new_flags.join(" ")));
                    }
                    d = d.fix(fix("merge into the first line", Safety::Safe, edits));
                }
                sink.push(d);
            }
        }
    }
}

/// The table keys a restrict target denotes (one per family for `default`), as the server
/// computes them; `None` when it installs nothing.
fn target_nets(ctx: &LintContext, t: &RestrictTarget) -> Option<Vec<AddrMask>> {
    match t {
        RestrictTarget::Default { family } => Some(match family {
            None => vec![AddrMask::any(false), AddrMask::any(true)],
            Some(crate::config::model::Family::Ipv4) => vec![AddrMask::any(false)],
            Some(crate::config::model::Family::Ipv6) => vec![AddrMask::any(true)],
        }),
        RestrictTarget::Source { .. } => None,
        RestrictTarget::Address { address, mask } => {
            crate::runtime::restrict_net(&address.text, mask.as_ref().map(|m| m.text.as_str()), crate::runtime::flavor_of(ctx.dialect()))
                .map(|n| vec![n])
        }
    }
}
