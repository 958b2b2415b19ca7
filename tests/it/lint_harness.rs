//! Running one lint case the way the fixture and docs tests need: options from the rule's
//! metadata, overridden by `# ntpcheck-test:` directives in the text.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use ntpcheck::config::Dialect;
use ntpcheck::config::load::{LoadOptions, Loaded, load_bytes, load_path};
use ntpcheck::diagnostic::Diagnostic;
use ntpcheck::lint::env::StubResolver;
use ntpcheck::lint::{Dialects, Enabled, LintOptions, Needs, Profile, RuleMeta, Target};

/// A case's options.
pub struct Case {
    /// Dialect to read it as.
    pub dialect: Dialect,
    /// Lint options.
    pub opts: LintOptions,
    /// Load as standard input (no directory: no ntp.d).
    pub stdin: bool,
    /// chmod MODE PATH (PATH may be `SELF`).
    pub chmods: Vec<(u32, String)>,
    /// Files to create beside a temporary copy: (relative path, content).
    pub files: Vec<(String, String)>,
}

/// The options a rule's cases run with by default: its dialect, the profile or target that
/// turns it on, `--env` for environment rules, an empty stub resolver for DNS rules.
pub fn default_case(m: &RuleMeta) -> Case {
    let mut dialect = if m.dialects == Dialects::Ntpsec { Dialect::Ntpsec } else { Dialect::Classic };
    let mut opts = LintOptions::default();
    match m.enabled {
        Enabled::Default => {}
        Enabled::Profiles(p) => opts.profiles.push(p[0]),
        Enabled::Migrate(t) => {
            opts.profiles.push(Profile::Migrate);
            let target = t.unwrap_or(Dialect::Ntpsec);
            if target == Dialect::Classic && m.dialects != Dialects::Classic {
                dialect = Dialect::Ntpsec;
            }
            opts.target = Some(Target { dialect: target, classic_version: (8, 18) });
        }
    }
    match m.needs {
        Needs::Static => {}
        Needs::EnvDns => opts.resolver = Some(Box::new(StubResolver::default())),
        _ => opts.env = true,
    }
    Case { dialect, opts, stdin: false, chmods: vec![], files: vec![] }
}

/// Apply the `# ntpcheck-test: …` directives of a text.
pub fn apply_directives(c: &mut Case, text: &str) {
    for line in text.lines() {
        let Some(d) = line.trim().strip_prefix("# ntpcheck-test:") else { continue };
        let d = d.trim();
        let (word, rest) = d.split_once(' ').unwrap_or((d, ""));
        let rest = rest.trim();
        match word {
            "dialect" => c.dialect = if rest == "ntpsec" { Dialect::Ntpsec } else { Dialect::Classic },
            "profile" => {
                c.opts.profiles =
                    rest.split(',').map(|p| <Profile as clap::ValueEnum>::from_str(p.trim(), true).expect("profile")).collect()
            }
            "target" => {
                c.opts.target = Some(rest.parse().expect("target"));
                if !c.opts.profiles.contains(&Profile::Migrate) {
                    c.opts.profiles.push(Profile::Migrate);
                }
            }
            "env" => c.opts.env = true,
            "env-root" => {
                c.opts.env = true;
                c.opts.env_root = Some(PathBuf::from(rest));
            }
            "dns" => c.opts.resolver = Some(Box::new(StubResolver::parse(rest))),
            "local-addresses" => c.opts.local_addresses = Some(rest.split(',').map(|a| a.trim().parse().expect("address")).collect()),
            "stdin" => c.stdin = true,
            "chmod" => {
                let (m, p) = rest.split_once(' ').expect("chmod MODE PATH");
                c.chmods.push((u32::from_str_radix(m, 8).expect("octal mode"), p.trim().to_string()));
            }
            "file" => {
                let (p, content) = rest.split_once('=').expect("file PATH=CONTENT");
                c.files.push((p.trim().to_string(), format!("{}\n", content.trim())));
            }
            other => panic!("unknown test directive `{other}`"),
        }
    }
}

/// Lint a text (a fixture at `path`, or a docs example written to a temporary directory).
pub fn run(m: &RuleMeta, text: &str, path: Option<&Path>) -> (Loaded, Vec<Diagnostic>) {
    let mut c = default_case(m);
    apply_directives(&mut c, text);
    let tmp = tempfile::tempdir().expect("tempdir");
    let path: PathBuf = match path {
        Some(p) => p.to_path_buf(),
        None => {
            let p = tmp.path().join("example.conf");
            std::fs::write(&p, text).expect("write example");
            for (rel, content) in &c.files {
                let f = tmp.path().join(rel);
                std::fs::create_dir_all(f.parent().expect("parent")).expect("mkdir");
                std::fs::write(f, content).expect("write");
            }
            p
        }
    };
    // Cases that change file modes must not interleave with each other.
    static CHMOD: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = if c.chmods.is_empty() { None } else { Some(CHMOD.lock().unwrap_or_else(|e| e.into_inner())) };
    let mut restore = Vec::new();
    for (mode, p) in &c.chmods {
        let target = if p == "SELF" { path.clone() } else { PathBuf::from(p) };
        let old = std::fs::metadata(&target).expect("chmod target").permissions().mode();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(*mode)).expect("chmod");
        restore.push((target, old));
    }
    let lo = LoadOptions { dialect: c.dialect, ..Default::default() };
    let loaded = if c.stdin { load_bytes("<stdin>", text.as_bytes(), &lo) } else { load_path(&path, &lo).expect("load") };
    let diags = ntpcheck::lint::check(&loaded, &c.opts);
    for (p, mode) in restore {
        let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode));
    }
    (loaded, diags)
}
