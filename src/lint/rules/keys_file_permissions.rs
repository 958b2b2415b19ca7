//! NTP222 keys-file-permissions.
use std::os::unix::fs::MetadataExt;

use super::common::*;

/// The keys file is readable or writable by others.
pub struct KeysFilePermissions;

impl KeysFilePermissions {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp222,
        category: Category::Security,
        needs: Needs::EnvFs,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--env`: the `keys` file is readable or writable by others, writable by its group, readable by a group other than the daemon's (`ntp`/`ntpsec`), not owned by root or the daemon user, or in a directory others can write.",
        why: "The file holds the secrets in clear text. RFC 8633 §4.1: it MUST only be readable by the NTP process.",
        flagged: "# ntpcheck-test: chmod 0644 testdata/lint/NTP222/open.keys\nkeys testdata/lint/NTP222/open.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\n",
        fine: "# ntpcheck-test: chmod 0600 testdata/lint/NTP222/closed.keys\nkeys testdata/lint/NTP222/closed.keys\ntrustedkey 1\nserver 192.0.2.1 key 1 iburst\n",
        reference: "RFC 8633 §4.1.",
        url: AUTHOPT,
    };
}

/// Is this a daemon account name?
pub fn daemon_name(n: &str) -> bool {
    matches!(n, "ntp" | "ntpsec" | "_ntp" | "ntpd")
}

impl Rule for KeysFilePermissions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some(k) = &ctx.config().auth.keys else { return };
        let path = ctx.env_path(&k.value);
        let Ok(md) = std::fs::metadata(&path) else { return };
        let mode = md.mode() & 0o7777;
        let group = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(md.gid())).ok().flatten().map(|g| g.name).unwrap_or_default();
        let owner = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(md.uid())).ok().flatten().map(|u| u.name).unwrap_or_default();
        let mut why = Vec::new();
        if mode & 0o006 != 0 {
            why.push(format!("others can {}", if mode & 0o002 != 0 { "write it" } else { "read it" }));
        }
        if mode & 0o020 != 0 {
            why.push("its group can write it".to_string());
        }
        if mode & 0o040 != 0 && !daemon_name(&group) {
            why.push(format!("group `{group}` can read it"));
        }
        if md.uid() != 0 && !daemon_name(&owner) {
            why.push(format!("it is owned by `{owner}`"));
        }
        if let Some(dir) = path.parent()
            && let Ok(dm) = std::fs::metadata(if dir.as_os_str().is_empty() { std::path::Path::new(".") } else { dir })
            && dm.mode() & 0o002 != 0
            && dm.mode() & 0o1000 == 0
        {
            why.push("its directory is writable by everyone".to_string());
        }
        if why.is_empty() {
            return;
        }
        sink.push(
            Diagnostic::new(
                Code::Ntp222,
                k.span,
                format!("the keys file `{}` (mode {:04o}) is exposed: {}", k.value, mode, why.join(", ")),
            )
            .label("secrets in clear text")
            .help("`chown root:ntp` and `chmod 0640` (or `chmod 0600` owned by root)"),
        );
    }
}
