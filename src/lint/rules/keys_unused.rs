//! NTP405 keys-unused.
use super::common::*;

/// A keys file nothing uses.
pub struct KeysUnused;

impl KeysUnused {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp405,
        category: Category::Style,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "`keys` present but no `trustedkey`, no association `key`, no `controlkey`/`requestkey`.",
        why: "The keys are loaded but none is trusted, so none can authenticate anything; usually a distribution default left in place.",
        flagged: "keys /etc/ntp/keys\nserver 192.0.2.1 iburst\n",
        fine: "keys /etc/ntp/keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\n",
        reference: "ntp.org authentication options.",
        url: AUTHOPT,
    };
}

impl Rule for KeysUnused {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(k) = &ctx.config().auth.keys else { return };
        if ctx.any_key_use() {
            return;
        }
        sink.push(
            Diagnostic::new(Code::Ntp405, ctx.keyword_span(ctx.line_span(k.span)), "keys are loaded but nothing trusts or uses them")
                .severity(Severity::Info)
                .label("no `trustedkey`, `key`, `controlkey` or `requestkey`")
                .help("delete the `keys` line, or configure authentication (`trustedkey N` and `key N` on servers)"),
        );
    }
}
