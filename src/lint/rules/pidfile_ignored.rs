//! NTP512 pidfile-ignored.
use super::common::*;

/// `pidfile` in a classic 4.2.8p18 config.
pub struct PidfileIgnored;

impl PidfileIgnored {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp512,
        category: Category::Migration,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "`pidfile` in a config for classic 4.2.8p18.",
        why: "From source reading: 4.2.8p18's permission helper rejects the path given in the config; only the `-p` command-line option sets the pid file.",
        flagged: "pidfile /run/ntpd.pid\nserver 192.0.2.1 iburst\n",
        fine: "server 192.0.2.1 iburst\n",
        reference: "lint catalog §2 #116 (source reading of 4.2.8p18).",
        url: MISCOPT,
    };
}

impl Rule for PidfileIgnored {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        if ctx.opts.target.is_some_and(|t| t.dialect == Dialect::Classic && t.classic_version < (8, 18)) {
            return;
        }
        for v in ctx.vars("pidfile") {
            sink.push(
                Diagnostic::new(
                    Code::Ntp512,
                    ctx.keyword_span(v.span),
                    "classic 4.2.8p18 ignores `pidfile` in the configuration: use `ntpd -p`",
                )
                .severity(Severity::Info)
                .label("ignored by 4.2.8p18")
                .help("pass `-p PATH` on ntpd's command line"),
            );
        }
    }
}
