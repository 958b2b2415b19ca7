//! NTP509 trustedkey-lines-differ.
use super::common::*;

/// Several `trustedkey` lines.
pub struct TrustedkeyLinesDiffer;

impl TrustedkeyLinesDiffer {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp509,
        category: Category::Migration,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "More than one `trustedkey` line (included files count).",
        why: "Classic keeps only the last line (its parser discards the earlier list, Bug 948); NTPsec unions all lines. A key listed only on an earlier line is untrusted in classic (NTP102).",
        flagged: "keys /etc/ntp.keys\ntrustedkey 1\ntrustedkey 2\nserver 192.0.2.1 key 1 iburst\nserver 192.0.2.2 key 2 iburst\n",
        fine: "keys /etc/ntp.keys\ntrustedkey 1 2\nserver 192.0.2.1 key 1 iburst\nserver 192.0.2.2 key 2 iburst\n",
        reference: "classic `ntpd/ntp_parser.y` (trustedkey, Bug 948); NTPsec authentication options.",
        url: AUTHOPT,
    };
}

impl Rule for TrustedkeyLinesDiffer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let lines = &ctx.config().auth.trustedkey_lines;
        if lines.len() < 2 {
            return;
        }
        let last = lines.last().expect("≥2");
        let all: Vec<String> = lines
            .iter()
            .flat_map(|l| l.items.iter())
            .map(|i| {
                ctx.text(match i {
                    crate::config::model::TrustedKeyItem::Key { span, .. } | crate::config::model::TrustedKeyItem::Range { span, .. } => {
                        *span
                    }
                })
                .to_string()
            })
            .fold(Vec::new(), |mut acc, s| {
                if !acc.contains(&s) {
                    acc.push(s);
                }
                acc
            });
        let same_file = lines.iter().all(|l| l.span.file == last.span.file);
        for l in &lines[..lines.len() - 1] {
            let mut d = Diagnostic::new(
                Code::Ntp509,
                ctx.keyword_span(l.span),
                if ctx.classic() {
                    "classic ntpd ignores this `trustedkey` line: only the last one counts"
                } else {
                    "several `trustedkey` lines: NTPsec merges them, classic ntpd keeps only the last"
                },
            )
            .label(if ctx.classic() { "ignored by classic ntpd" } else { "merged by NTPsec" })
            .related(ctx.keyword_span(last.span), "the line classic ntpd keeps")
            .help(format!("write one line: `trustedkey {}`", all.join(" ")));
            if same_file {
                let safety = if ctx.classic() { Safety::Unsafe } else { Safety::Safe };
                let mut edits: Vec<Edit> = lines[..lines.len() - 1].iter().map(|x| delete_line(ctx, x.span)).collect();
                edits.push(Edit { span: last.span, replacement: format!("trustedkey {}", all.join(" ")) });
                d = d.fix(fix("merge into one `trustedkey` line", safety, edits));
            }
            sink.push(d);
        }
    }
}
