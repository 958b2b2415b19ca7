//! NTP507 ntpsec-only-syntax.
use super::common::*;
use super::removed_in_ntpsec::target_only_errors;

/// NTPsec syntax that classic ntpd rejects (migration to classic).
pub struct NtpsecOnlySyntax;

impl NtpsecOnlySyntax {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp507,
        category: Category::Migration,
        needs: Needs::Static,
        dialects: Dialects::Ntpsec,
        enabled: Enabled::Migrate(Some(Dialect::Classic)),
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "With `--dialect ntpsec --profile migrate --target classic`: every line NTPsec accepts that classic ntpd rejects — `refclock`, `nts …`, server options `nts`, `noval`, `ca`, `aead`, `bias`, `baud`, `subtype`, refclock options on server lines, `unrestrict`, restrict CIDR, `tos maxdisp`, `extra port`, `mru minage`, NTPsec-only statistics. Found by reading each file with classic's grammar and comparing. `limit` is NTP504's.",
        why: "Classic ntpd drops such a line with a syntax error (or applies a prefix of it); CIDR restrict lines install nothing.",
        flagged: "refclock shm unit 0 refid GPS\nserver 192.0.2.1 iburst\n",
        fine: "server 127.127.28.0\nfudge 127.127.28.0 refid GPS\nserver 192.0.2.1 iburst\n",
        reference: "NTPsec \"Incompatible changes\"; ntpconf reference §3–4.",
        url: NTPSEC_INCOMPAT,
    };
}

impl Rule for NtpsecOnlySyntax {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        if ctx.classic() {
            return;
        }
        let limit: Vec<Span> = ctx.config().limit.iter().map(|d| ctx.line_span(d.span)).collect();
        for (sp, msg) in target_only_errors(ctx, Dialect::Classic) {
            if limit.contains(&ctx.line_span(sp)) {
                continue;
            }
            sink.push(
                Diagnostic::new(Code::Ntp507, sp, format!("classic ntpd rejects this: {msg}"))
                    .label("NTPsec only")
                    .help(
                        "write the classic form (refclocks as `server 127.127.T.U` + `fudge`, restrict networks with `mask`) or remove it",
                    )
                    .fix(fix("delete the line", Safety::Unsafe, vec![delete_line(ctx, sp)])),
            );
        }
    }
}
