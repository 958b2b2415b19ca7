//! NTP401 duplicate-directive.
use super::common::*;

/// A single-valued directive given more than once.
pub struct DuplicateDirective;

impl DuplicateDirective {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp401,
        category: Category::Style,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "A single-valued directive given more than once: `driftfile`, `statsdir`, `logfile`, `pidfile`, `keys`, `leapfile`, `controlkey`, `requestkey`, `saveconfigdir`, `leapsmearinterval`, `dscp`, `nonvolatile`, `tick`, `broadcastdelay`; or the same `tos`/`tinker` option twice.",
        why: "Which one wins differs: classic 4.2.8p18 keeps the first `driftfile`/`statsdir`, earlier classic and NTPsec the last; for the others the last wins. The finding says which one is ignored.",
        flagged: "driftfile /var/lib/ntp/drift\ndriftfile /var/lib/ntp/ntp.drift\nserver 192.0.2.1 iburst\n",
        fine: "driftfile /var/lib/ntp/ntp.drift\nserver 192.0.2.1 iburst\n",
        reference: "ntpconf reference §13–14 (first-wins `driftfile` in 4.2.8p18).",
        url: MISCOPT,
    };
}

impl Rule for DuplicateDirective {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let c = ctx.config();
        let mut groups: Vec<(String, Vec<Span>)> = Vec::new();
        let mut add = |name: String, sp: Span| match groups.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(sp),
            None => groups.push((name, vec![sp])),
        };
        for v in &c.vars {
            add(v.name.clone(), v.span);
        }
        // The model keeps only the last `keys`, `statsdir`, `controlkey`, `requestkey`: find
        // their lines in the text (lines ntpd rejects are left out).
        let rejected: Vec<(crate::source::FileId, usize)> = ctx
            .loaded
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| (d.span.file, ctx.sources_map().get(d.span.file).line_col(d.span.start).0))
            .collect();
        for (fi, f) in ctx.sources_map().files().iter().enumerate() {
            let file = crate::source::FileId(fi as u32);
            let mut off = 0;
            for (li, line) in f.text.split('\n').enumerate() {
                let code = line.split('#').next().unwrap_or("");
                let word = code.split_whitespace().next().unwrap_or("");
                if matches!(word, "keys" | "statsdir" | "controlkey" | "requestkey")
                    && code.split_whitespace().count() == 2
                    && !rejected.contains(&(file, li + 1))
                {
                    let start = off + code.find(word).unwrap_or(0);
                    add(word.to_string(), Span::new(file, start, off + code.trim_end().len()));
                }
                off += line.len() + 1;
            }
        }
        for t in &c.tos {
            add(format!("tos {}", t.name), t.span);
        }
        for t in &c.tinker {
            add(format!("tinker {}", t.name), t.span);
        }
        for (name, spans) in groups {
            if spans.len() < 2 {
                continue;
            }
            let first_wins = ctx.classic() && (name == "driftfile" || name == "statsdir");
            let (kept, ignored): (Span, Vec<Span>) = if first_wins {
                (spans[0], spans[1..].to_vec())
            } else {
                (*spans.last().expect("≥2"), spans[..spans.len() - 1].to_vec())
            };
            for sp in ignored {
                let anchor = if name.contains(' ') { sp } else { ctx.keyword_span(sp) };
                let mut d = Diagnostic::new(Code::Ntp401, anchor, format!("`{name}` is given more than once: ntpd ignores this one"))
                    .label("ignored")
                    .related(
                        if name.contains(' ') { kept } else { ctx.keyword_span(kept) },
                        if first_wins { "classic 4.2.8p18 keeps the first" } else { "the last one wins" },
                    )
                    .help(format!("keep one `{name}`"));
                // A single-valued directive owns its line: deleting the ignored line is exact.
                // (`tos`/`tinker` items share lines with other items: no fix.)
                if !name.contains(' ') {
                    d = d.fix(fix("delete the ignored line", Safety::Safe, vec![delete_line(ctx, sp)]));
                }
                sink.push(d);
            }
        }
    }
}
