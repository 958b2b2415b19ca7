//! NTP505 default-restriction-differs.
use super::common::*;

/// NTPsec's built-in default vs classic's empty one.
pub struct DefaultRestrictionDiffers;

impl DefaultRestrictionDiffers {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp505,
        category: Category::Migration,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Migrate(None),
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "Target NTPsec: a default entry without `noquery` (the config relied on open queries; NTPsec's built-in `noquery limited` stops remote monitoring), or with `kod` but no `limited` (NTPsec's built-in `limited` makes it effective). Target classic: a config read as NTPsec whose defaults carry no `noquery`, relying on the built-in one (classic's default has no flags, so it becomes wide open).",
        why: "The same file gives different access in the two daemons: NTPsec's default entry always has `noquery limited` unless `unrestrict` removes them; classic's has nothing.",
        flagged: "restrict default kod nomodify\nserver 192.0.2.1 iburst\n",
        fine: "restrict default kod limited nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        reference: "NTPsec access control (built-in default, `unrestrict default noquery limited`).",
        url: NTPSEC_ACCOPT,
    };
}

impl Rule for DefaultRestrictionDiffers {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(target) = ctx.opts.target else { return };
        let a = ctx.access();
        let e = a.default_entry(false);
        let lines = a.default_lines(false);
        let anchor = lines.last().map(|l| ctx.config().restricts[*l as usize].span).map(|s| ctx.keyword_span(s).to(s));
        let anchor = anchor.unwrap_or_else(|| ctx.line_span(Span::new(crate::source::FileId(0), 0, 0)));
        if target.dialect == Dialect::Ntpsec && ctx.classic() {
            if !e.flags.contains(RestrictFlags::NOQUERY) {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp505,
                        anchor,
                        "NTPsec's default entry has a built-in `noquery`: remote ntpq queries that work now will be refused",
                    )
                    .severity(Severity::Info)
                    .label("no `noquery` here; NTPsec adds it")
                    .help("add host entries for monitoring hosts, or `unrestrict default noquery` in the NTPsec config"),
                );
            }
            if e.flags.contains(RestrictFlags::KOD) && !e.flags.contains(RestrictFlags::LIMITED) {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp505,
                        anchor,
                        "NTPsec's built-in `limited` makes `kod` on the default effective: rate-limited clients get KoD packets",
                    )
                    .severity(Severity::Info)
                    .label("`kod` starts working in NTPsec"),
                );
            }
        }
        if target.dialect == Dialect::Classic
            && !ctx.classic()
            && !lines.iter().any(|l| ctx.config().restricts[*l as usize].has_flag("noquery"))
        {
            sink.push(
                Diagnostic::new(
                    Code::Ntp505,
                    anchor,
                    "this config relies on NTPsec's built-in `noquery limited`: classic ntpd's default entry has no flags",
                )
                .severity(Severity::Info)
                .label("wide open on classic")
                .help("write the restrictions out: `restrict default kod limited nomodify notrap nopeer noquery`"),
            );
        }
    }
}
