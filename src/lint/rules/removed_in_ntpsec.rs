//! NTP501 removed-in-ntpsec, and NTP507 ntpsec-only-syntax's shared machinery: read each file
//! again as the target daemon does and report what it rejects that the source daemon accepts.
use super::common::*;
use crate::config::load::{LoadOptions, load_bytes};
use crate::source::FileId;

/// Anything NTPsec rejects (migration to NTPsec).
pub struct RemovedInNtpsec;

impl RemovedInNtpsec {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp501,
        category: Category::Migration,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Migrate(Some(Dialect::Ntpsec)),
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "With `--profile migrate --target ntpsec`: every line classic ntpd accepts that NTPsec rejects or drops — broadcast/manycast/multicast modes, Autokey (`crypto`, `keysdir`, `revoke`, `automax`, `ident`, the `autokey` option), `trap`, `ttl`, `saveconfigdir`, `delrestrict`, `pollskewlist`, `device`, `xleave`, `preempt`, `xmtnonce`, restrict `lowpriotrap`/`noepeer`/`epeer`/`ippeerlimit`/`serverresponse fuzz`, `enable`/`disable` `auth`/`bclient`/`mode7`, several `tos` items, `cryptostats`/`timingstats`, `leapfile … checkhash`, `fudge … minjitter|abbrev`. Found by reading each file with NTPsec's grammar and comparing. `discard` is NTP504's.",
        why: "NTPsec drops such a line with a syntax error, or applies only the words before the first unknown one.",
        flagged: "server 192.0.2.1 iburst xleave\nbroadcastclient\n",
        fine: "server 192.0.2.1 iburst\n",
        reference: "NTPsec \"Incompatible changes\"; ntpconf reference §3–4.",
        url: NTPSEC_INCOMPAT,
    };
}

/// Findings the `target` dialect's reading has and the loaded dialect's has not: (span,
/// message, what the target does).
pub fn target_only_errors(ctx: &LintContext, target: Dialect) -> Vec<(Span, String)> {
    let mut out = Vec::new();
    for (i, f) in ctx.sources_map().files().iter().enumerate() {
        let file = FileId(i as u32);
        let opts = LoadOptions { dialect: target, no_conf_dir: true, classic_cwd: Some(std::path::PathBuf::from("/nonexistent-ntpcheck")) };
        let other = load_bytes(&f.name, f.text.as_bytes(), &opts);
        let ours: Vec<usize> = ctx
            .loaded
            .diagnostics
            .iter()
            .filter(|d| d.span.file == file && d.severity == Severity::Error)
            .map(|d| f.line_col(d.span.start).0)
            .collect();
        let mut lines_done: Vec<usize> = Vec::new();
        for d in other.diagnostics.iter().filter(|d| d.span.file == FileId(0) && d.severity == Severity::Error) {
            if d.code == Code::Ntp328 {
                continue; // include resolution differs by design (NTP506)
            }
            let line = f.line_col(d.span.start).0;
            if ours.contains(&line) || lines_done.contains(&line) {
                continue;
            }
            lines_done.push(line);
            out.push((Span::new(file, d.span.start, d.span.end), d.message.clone()));
        }
    }
    out
}

impl Rule for RemovedInNtpsec {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        if !ctx.classic() {
            return;
        }
        let discard: Vec<Span> = ctx.config().discard.iter().map(|d| ctx.line_span(d.span)).collect();
        for (sp, msg) in target_only_errors(ctx, Dialect::Ntpsec) {
            let line = ctx.line_span(sp);
            if discard.contains(&line) {
                continue;
            }
            sink.push(
                Diagnostic::new(Code::Ntp501, sp, format!("NTPsec rejects this: {msg}"))
                    .label("not in NTPsec")
                    .help("remove it or replace it with NTPsec's equivalent before switching daemons")
                    .fix(fix("delete the line", Safety::Unsafe, vec![delete_line(ctx, sp)])),
            );
        }
    }
}
