//! NTP502 ignored-in-ntpsec.
use super::common::*;

/// Words NTPsec accepts and ignores.
pub struct IgnoredInNtpsec;

impl IgnoredInNtpsec {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp502,
        category: Category::Migration,
        needs: Needs::Static,
        dialects: Dialects::Ntpsec,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "In a config read as NTPsec, or with `--profile migrate --target ntpsec`: restrict `nopeer` and `notrap` (each logged as ignored at every start), `requestkey` (a no-op), `rlimit memlock` (ignored).",
        why: "NTPsec accepts them for compatibility and does nothing; the log lines at every start hide real problems.",
        flagged: "restrict default kod limited nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        fine: "restrict default kod limited nomodify noquery\nserver 192.0.2.1 iburst\n",
        reference: "NTPsec access control (`nopeer`, `notrap` ignored); ntpconf reference §7.2, §11, §15.",
        url: NTPSEC_ACCOPT,
    };
}

impl Rule for IgnoredInNtpsec {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let migrating = ctx.classic() && ctx.profile(Profile::Migrate) && ctx.opts.target.is_some_and(|t| t.dialect == Dialect::Ntpsec);
        if ctx.classic() && !migrating {
            return;
        }
        // One finding per restrict line, naming every ignored flag on it.
        for r in &ctx.config().restricts {
            let flags: Vec<&crate::source::Spanned<String>> =
                r.flags.iter().filter(|f| f.value == "nopeer" || f.value == "notrap").collect();
            let Some(first) = flags.first() else { continue };
            let words: Vec<String> = flags.iter().map(|f| format!("`{}`", f.value)).collect();
            // On a classic config being migrated, removing the flags would change classic's behaviour.
            let safety = if migrating { Safety::Unsafe } else { Safety::Safe };
            let log = flags.iter().map(|f| format!("CONFIG: restrict {} ignored", f.value)).collect::<Vec<_>>().join("\n");
            let mut d =
                Diagnostic::new(Code::Ntp502, first.span, format!("NTPsec ignores {} and logs so at every start", words.join(" and ")))
                    .severity(Severity::Info)
                    .label("no effect in NTPsec")
                    .help(format!("remove {}", words.join(" and ")))
                    .fix(fix(format!("remove {}", words.join(" and ")), safety, flags.iter().map(|f| remove_word(ctx, f.span)).collect()))
                    .ntpd(crate::diagnostic::Phase::Config, log);
            for f in &flags[1..] {
                d = d.related(f.span, "ignored too");
            }
            sink.push(d);
        }
        if migrating && let Some(rk) = &ctx.config().auth.requestkey {
            sink.push(
                Diagnostic::new(
                    Code::Ntp502,
                    ctx.keyword_span(ctx.line_span(rk.span)),
                    "NTPsec has no mode 7: `requestkey` does nothing there",
                )
                .severity(Severity::Info)
                .label("no-op in NTPsec"),
            );
        }
        for r in ctx.config().rlimit.iter().filter(|r| r.name == "memlock") {
            sink.push(
                Diagnostic::new(Code::Ntp502, r.span, "NTPsec ignores `rlimit memlock`")
                    .severity(Severity::Info)
                    .label("no effect in NTPsec"),
            );
        }
    }
}
