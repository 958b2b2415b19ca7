//! NTP213 file-path-collision.
use super::common::*;

/// Two files ntpd reads or writes are the same path.
pub struct FilePathCollision;

impl FilePathCollision {
    /// Metadata and docs.
    pub const META: RuleMeta = RuleMeta {
        code: Code::Ntp213,
        category: Category::Security,
        needs: Needs::Static,
        dialects: Dialects::Both,
        enabled: Enabled::Default,
        fix: FixAvailability::None,
        since: "0.1.0",
        what: "Two of `logfile`, `keys`, `driftfile` (and its temporary file: `PATH.TEMP` classic, `PATH-tmp` NTPsec), `pidfile`, `leapfile`, `includefile` targets and statistics files (`statsdir` + name) are the same path.",
        why: "Worst case `logfile` = `keys` (CVE-2015-7850: a log/key-file loop, crash or huge file); the drift writer would replace the keys file; two writers corrupt each other.",
        flagged: "keys /etc/ntp.keys\nlogfile /etc/ntp.keys\nserver 192.0.2.1 iburst\n",
        fine: "keys /etc/ntp.keys\nlogfile /var/log/ntp.log\nserver 192.0.2.1 iburst\n",
        reference: "ntp.org security notice for Bug 2917 (CVE-2015-7850).",
        url: MISCOPT,
    };
}

fn norm(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            x => out.push(x),
        }
    }
    format!("{}{}", if p.starts_with('/') { "/" } else { "" }, out.join("/"))
}

impl Rule for FilePathCollision {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &LintContext, sink: &mut Sink) {
        let c = ctx.config();
        let mut files: Vec<(String, String, Span)> = Vec::new();
        for name in ["logfile", "pidfile", "leapfile", "driftfile"] {
            if let Some((p, sp)) = ctx.var_str(name) {
                if p.is_empty() {
                    continue;
                }
                files.push((norm(p), format!("`{name}`"), sp));
                if name == "driftfile" {
                    let tmp = if ctx.classic() { format!("{p}.TEMP") } else { format!("{p}-tmp") };
                    files.push((norm(&tmp), "the drift file's temporary file".into(), sp));
                }
            }
        }
        if let Some(k) = &c.auth.keys {
            files.push((norm(&k.value), "`keys`".into(), k.span));
        }
        for i in &c.includes {
            files.push((norm(&i.path.value), "`includefile`".into(), i.path.span));
        }
        if let Some(dir) = &c.statsdir {
            // One file per statistics generator: `statistics X` and `filegen X …` name the same
            // generator; its file is `filegen X file F` (the last one), else X.
            let mut gens: Vec<(String, String, Span)> = Vec::new();
            for s in &c.statistics {
                if !gens.iter().any(|g| g.0 == s.value) {
                    gens.push((s.value.clone(), s.value.clone(), s.span));
                }
            }
            for f in &c.filegens {
                let file = f.options.iter().rev().find_map(|o| match o {
                    crate::config::model::FilegenOption::File(x) => Some(x.value.clone()),
                    _ => None,
                });
                match gens.iter_mut().find(|g| g.0 == f.name.value) {
                    Some(g) => {
                        if let Some(file) = file {
                            g.1 = file;
                            g.2 = f.span;
                        }
                    }
                    None => gens.push((f.name.value.clone(), file.unwrap_or_else(|| f.name.value.clone()), f.span)),
                }
            }
            for (gen_name, file, sp) in gens {
                files.push((norm(&format!("{}{}", dir.value, file)), format!("the `{gen_name}` statistics file"), sp));
            }
        }
        let mut reported: Vec<(usize, usize)> = Vec::new();
        for i in 0..files.len() {
            for j in (i + 1)..files.len() {
                if files[i].0 == files[j].0 && files[i].2 != files[j].2 && !reported.iter().any(|(a, _)| *a == j) {
                    reported.push((j, i));
                    sink.push(
                        Diagnostic::new(Code::Ntp213, files[j].2, format!("{} and {} are the same file `{}`", files[j].1, files[i].1, files[i].0))
                            .label("same path")
                            .related(files[i].2, format!("{} here", files[i].1))
                            .help("give each file its own path: two writers corrupt each other, and a log written into the keys file is CVE-2015-7850"),
                    );
                }
            }
        }
    }
}
