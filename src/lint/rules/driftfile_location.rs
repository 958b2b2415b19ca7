//! NTP327 driftfile-location.
use std::os::unix::fs::MetadataExt;

use super::common::*;

/// A drift file ntpd cannot keep.
pub struct DriftfileLocation;

impl DriftfileLocation {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp327,
        category: Category::Reliability,
        needs: Needs::EnvFs,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "With `--env`: the drift file's directory does not exist or is not a directory; it is on tmpfs or ramfs; the path is a symbolic link; the file exists but does not start with a number, or the value exceeds ±500 PPM.",
        why: "ntpd writes a temporary file and renames it, so the directory must exist and be writable; on tmpfs the value is lost at every boot; an unparsable file is ignored (\"format error frequency file\"); values are clamped at ±500 PPM.",
        flagged: "driftfile testdata/lint/NTP327/bad.drift\nserver 192.0.2.1 iburst\n",
        fine: "driftfile testdata/lint/NTP327/good.drift\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org miscellaneous options (`driftfile`); ntpconf reference §13.",
        url: MISCOPT,
    };
}

fn fs_type(path: &std::path::Path) -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    let canon = std::fs::canonicalize(path).ok()?;
    let mut best: Option<(usize, String)> = None;
    for l in mounts.lines() {
        let mut f = l.split_whitespace();
        let (_, mp, ty) = (f.next()?, f.next()?, f.next()?);
        if canon.starts_with(mp) && best.as_ref().is_none_or(|(n, _)| mp.len() > *n) {
            best = Some((mp.len(), ty.to_string()));
        }
    }
    best.map(|b| b.1)
}

impl Rule for DriftfileLocation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let Some((p, sp)) = ctx.var_str("driftfile") else { return };
        if p.is_empty() {
            return;
        }
        let path = ctx.env_path(p);
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        let mut push = |msg: String| {
            sink.push(
                Diagnostic::new(Code::Ntp327, sp, msg)
                    .label("drift file")
                    .help("use a persistent directory the ntp user can write, such as /var/lib/ntp/"),
            )
        };
        match std::fs::metadata(dir) {
            Err(_) => {
                return push(format!("the drift file's directory `{}` does not exist: ntpd cannot save the frequency", dir.display()));
            }
            Ok(m) if !m.is_dir() => return push(format!("`{}` is not a directory", dir.display())),
            Ok(m) if m.mode() & 0o222 == 0 => push(format!("the drift file's directory `{}` is not writable", dir.display())),
            _ => {}
        }
        if let Some(t) = fs_type(dir)
            && (t == "tmpfs" || t == "ramfs")
        {
            push(format!("the drift file is on {t}: the frequency is lost at every boot"));
        }
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            push("the drift file is a symbolic link: ntpd's rename replaces the link, not its target".to_string());
        }
        if let Ok(text) = std::fs::read_to_string(&path) {
            let first = text.split_whitespace().next().unwrap_or("");
            match first.parse::<f64>() {
                Err(_) => {
                    push("the drift file does not start with a number: ntpd ignores it (\"format error frequency file\")".to_string())
                }
                Ok(v) if v.abs() > 500.0 => push(format!("the drift file says {v} PPM: ntpd clamps it to ±500 PPM")),
                _ => {}
            }
        }
    }
}
