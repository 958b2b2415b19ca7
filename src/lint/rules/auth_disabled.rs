//! NTP210 auth-disabled.
use super::common::*;

/// `disable auth`.
pub struct AuthDisabled;

impl AuthDisabled {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp210,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::Unsafe,
        since: "0.1.0",
        what: "`disable auth`. An error when the default entry of either family lacks `nopeer`.",
        why: "With authentication disabled, unconfigured (ephemeral) associations — symmetric passive, broadcast client — may be mobilized without authentication unless `nopeer`/`notrust` restricts them.",
        flagged: "restrict default nomodify notrap noquery\ndisable auth\nserver 192.0.2.1 iburst\n",
        fine: "restrict default nomodify notrap nopeer noquery\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org miscellaneous options (`auth`, enabled by default); ntp.org access control options (`notrust` and `auth`).",
        url: MISCOPT,
    };
}

impl Rule for AuthDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(s) = ctx.disabled_flag("auth") else { return };
        let a = ctx.access();
        let closed = |v6| {
            let f = a.default_entry(v6).flags;
            f.contains(RestrictFlags::NOPEER) || f.contains(RestrictFlags::IGNORE)
        };
        let open = !closed(false) || !closed(true);
        sink.push(
            Diagnostic::new(Code::Ntp210, s, "`disable auth` lets unauthenticated hosts mobilize associations")
                .severity(if open { Severity::Error } else { Severity::Warning })
                .label(if open { "and a default entry lacks `nopeer`" } else { "peering is still blocked by `nopeer` on the defaults" })
                .help("remove `disable auth`; keep `nopeer` on the default entries")
                .fix(fix("remove `auth` from `disable`", Safety::Unsafe, vec![remove_word(ctx, s)])),
        );
    }
}
