//! NTP125 keys-file-invalid.
use super::common::*;

/// Problems in the keys file.
pub struct KeysFileInvalid;

impl KeysFileInvalid {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp125,
        category: Category::Validity,
        needs: Needs::EnvFs,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--env`: the `keys` file read with the dialect's rules — key id 0 or > 65535, missing type or key, unknown type, bad hex digit, secret too long, duplicate ids — and any id used by `trustedkey`/`key`/`controlkey`/`requestkey` that the file does not define; a missing or unreadable file.",
        why: "Classic ntpd rejects the whole file if any counted error occurs (`authreadkeys: rejecting file …`): one bad line disables all authentication. NTPsec skips bad lines.",
        flagged: "keys testdata/lint/NTP125/bad.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\n",
        fine: "keys testdata/lint/NTP125/good.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\n",
        reference: "classic `libntp/authreadkeys.c`; ntpconf reference §12; RFC 8633 App. A.7.",
        url: AUTHOPT,
    };
}

impl Rule for KeysFileInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(k) = &ctx.config().auth.keys else { return };
        let (file, kf) = match ctx.keys_file(ctx.dialect()) {
            Some(Ok(read)) => read,
            Some(Err(e)) => {
                sink.push(
                    Diagnostic::new(Code::Ntp125, k.span, format!("cannot read the keys file `{}`: {e}", k.value))
                        .label("no keys are loaded")
                        .help("create the file (mode 0600 or 0640 root:ntp) or fix the path"),
                );
                return;
            }
            None => return,
        };
        // The parser's findings point into the keys file, which the lint output cannot show:
        // report them on the `keys` line, naming the keys-file line.
        let summary = kf.rejected.then(|| kf.diagnostics.len() - 1);
        for (i, d) in kf.diagnostics.iter().enumerate() {
            let mut d = d.clone();
            d.message = match summary {
                Some(s) if s == i => format!("{}: {}", k.value, d.message),
                _ => format!("{}:{}: {}", k.value, file.line_col(d.span.start).0, d.message),
            };
            d.span = k.span;
            d.related.clear();
            d.ntpd_log = d.ntpd_log.map(|l| l.replace("'…'", &format!("'{}'", k.value)));
            d.label = d.label.or_else(|| Some("keys file".into()));
            d.help = d.help.or_else(|| {
                Some("fix the line: `ID TYPE SECRET` with ID 1..65535, TYPE such as AES128CMAC or SHA1, SECRET up to 20 ASCII characters or 40+ hex digits".into())
            });
            sink.push(d);
        }
        if kf.rejected {
            return; // every use below is undefined; the rejection says it all
        }
        let defined: Vec<u32> = kf.keys.iter().map(|k| k.id).collect();
        let c = ctx.config();
        let mut uses: Vec<(i64, Span)> = Vec::new();
        for s in ctx.all_sources() {
            if let (Some(v), Some(o)) = (s.int("key"), s.opt("key")) {
                uses.push((v, o.span()));
            }
        }
        for ks in [&c.auth.controlkey, &c.auth.requestkey].into_iter().flatten() {
            uses.push((ks.value as i64, ks.span));
        }
        for l in &c.auth.trustedkey_lines {
            for i in &l.items {
                if let crate::config::model::TrustedKeyItem::Key { id, span } = i {
                    uses.push((*id as i64, *span));
                }
            }
        }
        for (id, sp) in uses {
            if (1..=65535).contains(&id) && !defined.contains(&(id as u32)) {
                sink.push(
                    Diagnostic::new(Code::Ntp125, sp, format!("key {id} is not defined in `{}`", k.value))
                        .label("undefined key")
                        .help("add the key to the keys file, or fix the id"),
                );
            }
        }
    }
}
