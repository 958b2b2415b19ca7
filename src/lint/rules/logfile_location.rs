//! NTP334 logfile-location.
use std::os::unix::fs::MetadataExt;

use super::common::*;

/// A log file ntpd cannot write, or others can tamper with.
pub struct LogfileLocation;

impl LogfileLocation {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp334,
        category: Category::Reliability,
        needs: Needs::EnvFs,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--env`: the `logfile` directory is missing or not writable; the file or its directory is writable by other users.",
        why: "ntpd then logs nowhere, or (as root, before dropping privileges) opens a file another user can replace with a symbolic link.",
        flagged: "logfile testdata/lint/NTP334/missing-dir/ntp.log\nserver 192.0.2.1 iburst\n",
        fine: "logfile testdata/lint/NTP334/ntp.log\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org miscellaneous options (`logfile`); CVE-2015-7850.",
        url: MISCOPT,
    };
}

impl Rule for LogfileLocation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some((p, sp)) = ctx.var_str("logfile") else { return };
        if p.is_empty() || p == "syslog" || p == "stderr" {
            return;
        }
        let path = ctx.env_path(p);
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        let mut push = |msg: String| {
            sink.push(
                Diagnostic::new(Code::Ntp334, sp, msg)
                    .label("log file")
                    .help("log to a root-owned directory such as /var/log/ntp/ that only root can write"),
            )
        };
        match std::fs::metadata(dir) {
            Err(_) => return push(format!("the log file's directory `{}` does not exist: ntpd logs nowhere", dir.display())),
            Ok(m) if m.mode() & 0o002 != 0 && m.mode() & 0o1000 == 0 => {
                push(format!("the log file's directory `{}` is writable by everyone", dir.display()))
            }
            _ => {}
        }
        if let Ok(m) = std::fs::symlink_metadata(&path)
            && m.mode() & 0o022 != 0
        {
            push(format!("the log file is writable by {}", if m.mode() & 0o002 != 0 { "everyone" } else { "its group" }));
        }
    }
}
