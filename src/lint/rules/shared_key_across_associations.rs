//! NTP215 shared-key-across-associations.
use super::common::*;

/// The same key id on several associations.
pub struct SharedKeyAcrossAssociations;

impl SharedKeyAcrossAssociations {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp215,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "The same `key N` on more than one association line.",
        why: "RFC 8633 §4.1 recommends a unique key per association: any holder of a shared key can impersonate the others (CVE-2015-7974). Classic ≥ 4.2.8p6 can bind a key to source addresses (the keys file's fourth column).",
        flagged: "keys /etc/ntp.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\nserver 192.0.2.2 key 1 iburst\n",
        fine: "keys /etc/ntp.keys\ntrustedkey 1 2\nserver 192.0.2.1 key 1 iburst\nserver 192.0.2.2 key 2 iburst\n",
        reference: "RFC 8633 §4.1, App. A.7; ntp.org security notice for Bug 2936.",
        url: AUTHOPT,
    };
}

impl Rule for SharedKeyAcrossAssociations {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let srcs = ctx.all_sources();
        for (i, s) in srcs.iter().enumerate() {
            let Some(k) = s.int("key") else { continue };
            if let Some(first) = srcs[..i].iter().find(|o| o.int("key") == Some(k)) {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp215,
                        s.opt("key").map(|o| o.span()).unwrap_or(s.assoc.span),
                        format!("key {k} is shared with another association: each holder can impersonate the other"),
                    )
                    .label("same key")
                    .related(first.opt("key").map(|o| o.span()).unwrap_or(first.assoc.span), "first used here")
                    .help("give each association its own key (classic ≥ 4.2.8p6 can also bind a key to addresses in the keys file)"),
                );
            }
        }
    }
}
