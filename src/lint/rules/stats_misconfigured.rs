//! NTP326 stats-misconfigured.
use super::common::*;

/// Statistics without a directory, a directory without statistics, statistics disabled.
pub struct StatsMisconfigured;

impl StatsMisconfigured {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp326,
        category: Category::Reliability,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "(a) `statistics`/`filegen` without `statsdir` (classic; warning: the files go to the compiled-in `/var/NTP/`); (b) `statsdir` without any `statistics`/`filegen` (info: no-op); (c) with `--target classic@4.2.6p2` or older, `filegen X` without `enable` (info); (d) `disable stats` with statistics configured (info).",
        why: "Statistics that go nowhere, or a directory that nothing uses, mislead whoever reads the file.",
        flagged: "statistics loopstats peerstats\nfilegen loopstats file loopstats type day enable\nserver 192.0.2.1 iburst\n",
        fine: "statsdir /var/log/ntpstats/\nstatistics loopstats peerstats\nfilegen loopstats file loopstats type day enable\nserver 192.0.2.1 iburst\n",
        reference: "classic `ntpd/ntp_util.c` (NTP_VAR), `ntp_config.c` config_monitor(); classic ChangeLog (Bug 1635).",
        url: MONOPT,
    };
}

impl Rule for StatsMisconfigured {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let c = ctx.config();
        let first_stat = c.statistics.first().map(|s| s.span).or_else(|| c.filegens.first().map(|f| ctx.keyword_span(f.span)));
        match (&c.statsdir, first_stat) {
            (None, Some(sp)) if ctx.classic() => sink.push(
                Diagnostic::new(
                    Code::Ntp326,
                    sp,
                    "statistics without `statsdir`: classic ntpd writes them to /var/NTP/, which usually does not exist",
                )
                .label("no directory")
                .help("add `statsdir /var/log/ntpstats/`"),
            ),
            (Some(dir), None) => sink.push(
                Diagnostic::new(
                    Code::Ntp326,
                    ctx.keyword_span(ctx.line_span(dir.span)),
                    "`statsdir` without `statistics` or `filegen`: nothing is written there",
                )
                .severity(Severity::Info)
                .label("unused")
                .help("delete it, or add `statistics loopstats peerstats`")
                .fix(fix("delete the unused `statsdir`", Safety::Safe, vec![delete_line(ctx, dir.span)])),
            ),
            _ => {}
        }
        if let Some(t) = ctx.opts.target.filter(|t| t.dialect == Dialect::Classic && t.classic_version < (6, 3)) {
            let _ = t;
            for f in &c.filegens {
                let enabled = f.options.iter().any(|o| matches!(o, crate::config::model::FilegenOption::Flag(x) if x.value == "enable"));
                if !enabled {
                    sink.push(
                        Diagnostic::new(
                            Code::Ntp326,
                            ctx.keyword_span(f.span),
                            format!("before 4.2.6p3 `filegen {}` does not enable the statistics by itself", f.name.value),
                        )
                        .severity(Severity::Info)
                        .label("no `enable`")
                        .help("append `enable`")
                        .fix(fix("add `enable`", Safety::Safe, vec![append_after(f.span, "enable")])),
                    );
                }
            }
        }
        if let (Some(sp), Some(_)) = (ctx.disabled_flag("stats"), first_stat) {
            sink.push(
                Diagnostic::new(Code::Ntp326, sp, "`disable stats` turns off the statistics this file configures")
                    .severity(Severity::Info)
                    .label("statistics off")
                    .help("remove `stats` from `disable`, or the statistics lines"),
            );
        }
    }
}
