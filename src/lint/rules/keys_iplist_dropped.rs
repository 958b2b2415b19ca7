//! NTP510 keys-iplist-dropped.
use super::common::*;

/// Key address lists NTPsec ignores.
pub struct KeysIplistDropped;

impl KeysIplistDropped {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp510,
        category: Category::Migration,
        needs: Needs::EnvFs,
        dialects: Dialects::Classic,
        enabled: Enabled::Migrate(Some(Dialect::Ntpsec)),
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--env --profile migrate --target ntpsec`: keys-file lines with a fourth field (classic ≥ 4.2.8p6's address list).",
        why: "NTPsec ignores it: the key becomes valid from any address, undoing the CVE-2015-7974 mitigation.",
        flagged: "keys testdata/lint/NTP510/iplist.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\n",
        fine: "keys testdata/lint/NTP510/plain.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\n",
        reference: "ntpconf reference §12; ntp.org security notices for Bugs 2936, 3012.",
        url: AUTHOPT,
    };
}

impl Rule for KeysIplistDropped {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(k) = &ctx.config().auth.keys else { return };
        let Some(Ok((file, kf))) = ctx.keys_file(Dialect::Classic) else { return };
        for key in kf.keys {
            if let (Some(first), Some(last)) = (key.acl.first(), key.acl.last()) {
                let list = &file.text[first.span.start..last.span.end];
                let line = file.line_col(key.span.start).0;
                sink.push(
                    Diagnostic::new(
                        Code::Ntp510,
                        k.span,
                        format!(
                            "{}:{}: NTPsec ignores the address list `{list}` of key {}: the key works from any address",
                            k.value, line, key.id
                        ),
                    )
                    .label("address binding lost in NTPsec")
                    .help("use a separate key per server so a leaked key cannot impersonate the others"),
                );
            }
        }
    }
}
