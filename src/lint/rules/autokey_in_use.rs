//! NTP211 autokey-in-use.
use super::common::*;

/// Autokey directives or options.
pub struct AutokeyInUse;

impl AutokeyInUse {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp211,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Classic,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "`crypto`, `keysdir`, `revoke`, `automax`, `ident`, `statistics cryptostats`, the `autokey` option, or an association `key` above 65535 (classic treats it as Autokey).",
        why: "RFC 8633 §4.2: Autokey SHOULD NOT be used (protocol weaknesses); long CVE history (CVE-2009-1252, CVE-2015-7691/7692/7702, CVE-2016-4955); removed from NTPsec.",
        flagged: "crypto\nserver 192.0.2.1 autokey iburst\n",
        fine: "keys /etc/ntp.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\n",
        reference: "RFC 8633 §4.2; ntp.org security notices for Bugs 1151, 2899, 3043.",
        url: AUTHOPT,
    };
}

impl Rule for AutokeyInUse {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let c = ctx.config();
        let mut spans: Vec<(Span, String)> = Vec::new();
        for s in &c.auth.crypto_lines {
            spans.push((ctx.keyword_span(*s), "`crypto`".into()));
        }
        if let Some(k) = &c.auth.keysdir {
            spans.push((ctx.keyword_span(ctx.line_span(k.span)), "`keysdir`".into()));
        }
        if let Some(r) = &c.auth.revoke {
            spans.push((r.span, "`revoke`".into()));
        }
        for v in &c.vars {
            if v.name == "automax" || v.name == "ident" {
                spans.push((ctx.keyword_span(v.span), format!("`{}`", v.name)));
            }
        }
        for st in &c.statistics {
            if st.value == "cryptostats" {
                spans.push((st.span, "`cryptostats`".into()));
            }
        }
        for s in ctx.all_sources() {
            if let Some(o) = s.opt("autokey") {
                spans.push((o.span(), "the `autokey` option".into()));
            }
            if let Some(k) = s.int("key")
                && k > 65535
            {
                spans
                    .push((s.opt("key").map(|o| o.span()).unwrap_or(s.assoc.span), format!("key {k} (above 65535, classic uses Autokey)")));
            }
        }
        for (sp, what) in spans {
            sink.push(
                Diagnostic::new(Code::Ntp211, sp, format!("{what} uses Autokey, which RFC 8633 says should not be used"))
                    .label("Autokey")
                    .help("use symmetric keys (AES128CMAC, classic ≥ 4.2.8p11) or NTS (NTPsec)"),
            );
        }
    }
}
