//! NTP223 config-file-permissions.
use std::os::unix::fs::MetadataExt;

use super::common::*;

/// ntp.conf writable by others, or not owned by root.
pub struct ConfigFilePermissions;

impl ConfigFilePermissions {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp223,
        category: Category::Security,
        needs: Needs::EnvFs,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--env`: the configuration file (or an included file) is not owned by root, or is writable by group or others. The `stig` profile also flags any mode more permissive than 0640, as an error.",
        why: "Whoever can write ntp.conf controls the time of this host and its clients (and, through `logfile`/`keys`, files ntpd opens as root).",
        flagged: "# ntpcheck-test: chmod 0666 SELF\nserver 192.0.2.1 iburst\n",
        fine: "# ntpcheck-test: chmod 0644 SELF\nserver 192.0.2.1 iburst\n",
        reference: "STIG GEN000250 (owned by root), GEN000252 (0640 or less); ntpd-rs \"Unrestricted config file permissions\".",
        url: MISCOPT,
    };
}

impl Rule for ConfigFilePermissions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let stig = ctx.profile(Profile::Stig);
        for (i, f) in ctx.sources_map().files().iter().enumerate() {
            if f.name.starts_with('<') || (i == 0 && ctx.opts.main_from_stdin) {
                continue;
            }
            // The main file is named as given on the command line (a path on this machine); the
            // files it includes by the configured host's paths (under `--root`).
            let path = if i == 0 { std::path::PathBuf::from(&f.name) } else { ctx.env_path(&f.name) };
            let Ok(md) = std::fs::metadata(path) else { continue };
            let mode = md.mode() & 0o7777;
            let mut why = Vec::new();
            if md.uid() != 0 {
                why.push("not owned by root".to_string());
            }
            if mode & 0o022 != 0 {
                why.push(format!("writable by {}", if mode & 0o002 != 0 { "everyone" } else { "its group" }));
            }
            let stig_bad = stig && mode & 0o137 != 0;
            if stig_bad && why.is_empty() {
                why.push("more permissive than 0640 (STIG GEN000252)".to_string());
            }
            if why.is_empty() {
                continue;
            }
            let file = crate::source::FileId(i as u32);
            let sp = ctx.line_span(Span::new(file, 0, 0));
            sink.push(
                Diagnostic::new(Code::Ntp223, sp, format!("`{}` (mode {mode:04o}) is {}", f.name, why.join(", ")))
                    .severity(if stig { Severity::Error } else { Severity::Warning })
                    .label("configuration file")
                    .help("`chown root:root` and `chmod 0640` (or 0644)"),
            );
        }
    }
}
