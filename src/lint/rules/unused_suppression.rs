//! NTP408 unused-suppression (reported by `lint::suppress`; this entry holds its docs).
use super::common::*;

/// A `# ntpcheck: ignore` comment that silences nothing.
pub struct UnusedSuppression;

impl UnusedSuppression {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp408,
        category: Category::Style,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::Safe,
        since: "0.1.0",
        what: "A `# ntpcheck: ignore NTPxxx` comment whose code has no finding on the line it covers (its own line for a trailing comment, the next directive for a comment line), or that names something that is not a code. Suppressions of rules that did not run (an `--env` rule without `--env`) are not reported.",
        why: "A stale suppression would silently hide a future finding on that line.",
        flagged: "server 192.0.2.1 iburst # ntpcheck: ignore NTP313\n",
        fine: "server 192.0.2.1 # ntpcheck: ignore NTP313\n",
        reference: "ntpcheck's own suppression comments (ruff's `RUF100` plays the same role).",
        url: "https://docs.astral.sh/ruff/rules/unused-noqa/",
    };
}

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, _ctx: &LintContext, _sink: &mut Sink) {
        // Needs every other finding first: done in `lint::check` by `suppress::apply_with`.
    }
}
