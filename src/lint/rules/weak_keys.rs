//! NTP225 weak-keys.
use super::common::*;
use crate::config::keys::KeyType;

/// MD5 keys or short secrets.
pub struct WeakKeys;

impl WeakKeys {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp225,
        category: Category::Security,
        needs: Needs::EnvFs,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--env`: keys of type MD5 (or a type starting with `M`, which falls back to MD5), and secrets under 80 bits (ASCII keys shorter than 10 characters).",
        why: "RFC 8633 §4.1: MD5 is too weak; use AES-128-CMAC (RFC 8573) where available. chrony refuses keys shorter than 80 bits as insecure.",
        flagged: "keys testdata/lint/NTP225/weak.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\n",
        fine: "keys testdata/lint/NTP225/strong.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\n",
        reference: "RFC 8633 §4.1; RFC 8573; chrony `keys.c`.",
        url: AUTHOPT,
    };
}

impl Rule for WeakKeys {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(k) = &ctx.config().auth.keys else { return };
        let Some(Ok((file, kf))) = ctx.keys_file(ctx.dialect()) else { return };
        for key in &kf.keys {
            // Unknown names starting with `M` are MD5 to ntpd; the parser already maps them.
            let md5 = key.key_type == KeyType::Md5;
            // The secret as ntpd stores it: an ASCII key's bytes, or the hex digits decoded.
            let bits = key.secret.len() * 8;
            let mut why = Vec::new();
            if md5 {
                why.push("MD5".to_string());
            }
            if bits < 80 {
                why.push(format!("a {bits}-bit secret"));
            }
            if !why.is_empty() {
                sink.push(
                    Diagnostic::new(
                        Code::Ntp225,
                        k.span,
                        format!("{}:{}: key {} uses {}", k.value, file.line_col(key.span.start).0, key.id, why.join(" and ")),
                    )
                    .label("weak key")
                    .help("use AES128CMAC (classic ≥ 4.2.8p11, NTPsec) or SHA1 with a random 40-hex-digit secret"),
                );
            }
        }
    }
}
