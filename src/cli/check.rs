//! `ntpcheck check` (alias `lint`): parse + semantic checks + lint rules, filtered by
//! `--select`/`--ignore`, rendered in one of five formats, optionally fixed in place.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;

use crate::config::Dialect;
use crate::config::load::Loaded;
use crate::diagnostic::render::{self, SarifRule};
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::lint::env::{StubResolver, SystemResolver};
use crate::lint::fix::{Applicability, apply_edits, select_edits, unified_diff};
use crate::lint::registry::ALL_RULES;
use crate::lint::{LintOptions, Profile, Target, ser_word};
use crate::source::FileId;

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// miette's graphical report (default).
    Human,
    /// One JSON object with a `diagnostics` array.
    Json,
    /// `file:line:col: CODE [severity] message`
    Short,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
}

/// Severity levels for `--severity-threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Threshold {
    /// Any finding fails.
    Info,
    /// Warnings and errors fail.
    Warning,
    /// Only errors fail (default).
    Error,
    /// Nothing fails (report only).
    Never,
}

/// `--deny` levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Fail on warnings too.
    Warnings,
    /// Fail on any finding.
    Info,
}

/// What kind of file `check` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum FileKind {
    /// Decide by content: a file whose every line is `ID TYPE …` is a keys file.
    #[default]
    Auto,
    /// An ntp.conf.
    Conf,
    /// A symmetric keys file (`ntp.keys`), read as `authreadkeys` reads it.
    Keys,
}

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Configuration or keys files (`-` for standard input).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The name standard input (`-`) is reported as, and the path of the configured host it
    /// stands for (relative includes, NTPsec's `ntp.d/` under `--root`).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Read the configuration's absolute paths (includes, and with `--env` the keys, drift, leap
    /// and log files and the service definitions) under DIR: check another host's tree.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// What the files are (default: decided by content).
    #[arg(long, value_enum, default_value_t = FileKind::Auto)]
    pub kind: FileKind,
    /// Which daemon's reading (default: classic; ntpsec with `--target classic`).
    #[arg(long, value_enum)]
    pub dialect: Option<Dialect>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Directory classic ntpd resolves relative includes against (its working directory).
    #[arg(long)]
    pub include_cwd: Option<PathBuf>,
    /// Only these codes, code prefixes (`NTP3`) or rule names; a full code also turns on a rule
    /// that belongs to a profile.
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Leave out these codes, prefixes or names.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Extra rule sets: security, cis, stig, pedantic, migrate (repeatable).
    #[arg(long, value_enum)]
    pub profile: Vec<Profile>,
    /// Migration target for `--profile migrate`: classic, classic@4.2.6p5, ntpsec.
    #[arg(long)]
    pub target: Option<Target>,
    /// Exit 1 on warnings (or on any finding) too.
    #[arg(long, value_enum)]
    pub deny: Option<Deny>,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum)]
    pub severity_threshold: Option<Threshold>,
    /// Apply safe fixes in place (atomically; comments and layout kept).
    #[arg(long)]
    pub fix: bool,
    /// Print the fixes as a unified diff instead of writing them.
    #[arg(long)]
    pub diff: bool,
    /// Also apply (or show) fixes that change behaviour.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Run the rules that read the environment: keys/drift/leap/log files, permissions,
    /// service definitions, interface addresses.
    #[arg(long)]
    pub env: bool,
    /// Run the rules that resolve host names (queries your resolver).
    #[arg(long)]
    pub dns: bool,
    /// Tests: read the environment under this directory instead of `/`.
    #[arg(long, hide = true)]
    pub env_root: Option<PathBuf>,
    /// Tests: resolve names from this table (`name=addr,addr;name=addr`) instead of DNS.
    #[arg(long, hide = true)]
    pub stub_dns: Option<String>,
    /// Tests: use these as the local interface addresses.
    #[arg(long, hide = true, value_delimiter = ',')]
    pub local_addresses: Option<Vec<std::net::IpAddr>>,
}

impl CheckArgs {
    fn dialect(&self) -> Dialect {
        self.dialect.unwrap_or(match self.target {
            Some(t) if t.dialect == Dialect::Classic && self.profile.contains(&Profile::Migrate) => Dialect::Ntpsec,
            _ => Dialect::Classic,
        })
    }
    fn threshold(&self) -> Threshold {
        match (self.severity_threshold, self.deny) {
            (Some(t), _) => t,
            (None, Some(Deny::Warnings)) => Threshold::Warning,
            (None, Some(Deny::Info)) => Threshold::Info,
            (None, None) => Threshold::Error,
        }
    }
    /// The lint options these arguments ask for.
    pub fn lint_options(&self) -> LintOptions {
        let resolver: Option<Box<dyn crate::lint::env::Resolver>> = match (&self.stub_dns, self.dns) {
            (Some(s), _) => Some(Box::new(StubResolver::parse(s))),
            (None, true) => Some(Box::new(SystemResolver)),
            _ => None,
        };
        let forced = self.select.iter().filter_map(|s| s.parse::<Code>().ok()).collect();
        LintOptions {
            profiles: self.profile.clone(),
            target: self.target,
            env: self.env,
            resolver,
            env_root: self.root.clone().or_else(|| self.env_root.clone()),
            local_addresses: self.local_addresses.clone(),
            forced,
            main_from_stdin: false,
        }
    }
}

/// Does a `--select`/`--ignore` pattern match a code?
fn matches(pat: &str, c: Code) -> bool {
    let p = pat.trim();
    if p.eq_ignore_ascii_case("all") {
        return true;
    }
    c.as_str().to_ascii_lowercase().starts_with(&p.to_ascii_lowercase()) || c.name() == p
}

fn check_patterns(pats: &[String]) -> Result<(), String> {
    for p in pats {
        if !Code::ALL.iter().any(|c| matches(p, *c)) {
            return Err(format!("`{p}` matches no code or rule name (`ntpcheck rules` lists them)"));
        }
    }
    Ok(())
}

/// Every finding the arguments select for one load.
pub fn findings(l: &Loaded, a: &CheckArgs, opts: &LintOptions) -> Vec<Diagnostic> {
    crate::lint::check(l, opts)
        .into_iter()
        .filter(|d| a.select.is_empty() || a.select.iter().any(|p| matches(p, d.code)))
        .filter(|d| !a.ignore.iter().any(|p| matches(p, d.code)))
        .collect()
}

/// SARIF rule metadata for every code.
pub fn sarif_rules() -> Vec<SarifRule> {
    Code::ALL
        .iter()
        .map(|c| match ALL_RULES.iter().find(|r| r.meta().code == *c) {
            Some(r) => {
                let m = r.meta();
                SarifRule {
                    code: *c,
                    full: format!("{} {}", m.what, m.why),
                    help_markdown: m.docs_markdown(),
                    help_uri: Some(m.url.to_string()),
                    category: ser_word(&m.category),
                }
            }
            None => SarifRule {
                code: *c,
                full: format!("{} (reported by the parser: what ntpd itself rejects or changes while reading the file)", c.summary()),
                help_markdown: format!("# {} {}\n\n{}\n", c.as_str(), c.name(), c.summary()),
                help_uri: None,
                category: "syntax".into(),
            },
        })
        .collect()
}

/// Write `text` to `path` atomically: a temporary file in the same directory with the
/// original's permissions, then rename over it.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let perms = std::fs::metadata(path)?.permissions();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.ntpcheck-{}.tmp", std::process::id()));
    let res = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::set_permissions(&tmp, perms)?;
        std::fs::rename(&tmp, path)
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// Files a fix may write: the main file, and includes named by an absolute path (a path of the
/// configured host: under `root` when one is given).
fn writable_files(l: &Loaded, main: &Path, root: Option<&Path>) -> Vec<(FileId, PathBuf)> {
    let mut v = vec![(FileId(0), main.to_path_buf())];
    for (i, f) in l.sources.files().iter().enumerate().skip(1) {
        let p = Path::new(&f.name);
        if p.is_absolute() {
            let on_disk = match root {
                Some(r) => r.join(p.strip_prefix("/").unwrap_or(p)),
                None => p.to_path_buf(),
            };
            v.push((FileId(i as u32), on_disk));
        }
    }
    v
}

/// Read `f` as a keys file when `kind` says so or, with `auto`, when its content looks like one.
/// The result has the shape of a loaded configuration (an empty model) so that every output
/// format renders it the same way. `Ok(None)`: it is an ntp.conf.
fn keys_file(f: &Path, stdin: Option<(&str, &[u8])>, kind: FileKind, dialect: Dialect) -> Result<Option<Loaded>, String> {
    if kind == FileKind::Conf {
        return Ok(None);
    }
    let bytes = if f.as_os_str() == "-" {
        stdin.ok_or("standard input was already read")?.1.to_vec()
    } else {
        std::fs::read(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?
    };
    if kind == FileKind::Auto && !crate::config::keys::looks_like_keys_file(&String::from_utf8_lossy(&bytes)) {
        return Ok(None);
    }
    let mut sources = crate::source::SourceMap::default();
    let k = if let (true, Some((name, _))) = (f.as_os_str() == "-", stdin) {
        let id = sources.add(crate::source::SourceFile::new(name.to_string(), &bytes));
        crate::config::keys::parse(id, &bytes, dialect)
    } else {
        crate::config::keys::load_path(f, dialect, &mut sources).map_err(|e| format!("cannot read {}: {e}", f.display()))?.1
    };
    let fatal = k.diagnostics.iter().any(|d| d.severity == Severity::Error);
    Ok(Some(Loaded { sources, config: Default::default(), diagnostics: k.diagnostics, fatal, stopped: false }))
}

pub(super) fn run(a: CheckArgs) -> ExitCode {
    if let Err(e) = check_patterns(&a.select).and_then(|_| check_patterns(&a.ignore)) {
        eprintln!("ntpcheck: {e}");
        return ExitCode::from(2);
    }
    if a.profile.contains(&Profile::Migrate) && a.target.is_none() {
        eprintln!("ntpcheck: `--profile migrate` needs `--target classic|ntpsec`");
        return ExitCode::from(2);
    }
    let stdin_count = a.files.iter().filter(|f| f.as_os_str() == "-").count();
    if a.fix && stdin_count > 0 {
        eprintln!("ntpcheck: `--fix` cannot write standard input; use `--diff`");
        return ExitCode::from(2);
    }
    if stdin_count > 1 {
        eprintln!("ntpcheck: `-` (standard input) can be given once");
        return ExitCode::from(2);
    }
    if a.stdin_filename.is_some() && stdin_count == 0 {
        eprintln!("ntpcheck: `--stdin-filename` names standard input: give `-` as the file");
        return ExitCode::from(2);
    }
    if let Some(r) = &a.root
        && !r.is_dir()
    {
        eprintln!("ntpcheck: --root {}: not a directory", r.display());
        return ExitCode::from(2);
    }
    // Standard input is read once, up front: the keys-file sniffing and the loader share it.
    let stdin_bytes = if stdin_count > 0 {
        match super::read_stdin() {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("ntpcheck: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        None
    };
    let stdin_name = a.stdin_filename.clone().unwrap_or_else(|| "<stdin>".to_string());
    let stdin = stdin_bytes.as_deref().map(|b| (stdin_name.as_str(), b));
    let root = a.root.as_deref();
    let dialect = a.dialect();
    let mut opts = a.lint_options();
    let how = if a.unsafe_fixes { Applicability::All } else { Applicability::Safe };
    let mut loads: Vec<(Loaded, Vec<Diagnostic>)> = Vec::new();
    let mut fixed_total = 0;
    let mut diff_out = String::new();
    for f in &a.files {
        opts.main_from_stdin = f.as_os_str() == "-";
        match keys_file(f, stdin, a.kind, dialect) {
            Ok(Some(k)) => {
                let diags = k.diagnostics.clone();
                loads.push((k, diags));
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                eprintln!("ntpcheck: {e}");
                return ExitCode::from(2);
            }
        }
        let mut l = match super::load_input(f, stdin, dialect, &a.include_cwd, root) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("ntpcheck: {e}");
                return ExitCode::from(2);
            }
        };
        let mut diags = findings(&l, &a, &opts);
        if a.fix || a.diff {
            let files = if f.as_os_str() == "-" { vec![(FileId(0), f.clone())] } else { writable_files(&l, f, root) };
            let mut originals: Vec<(PathBuf, String)> = Vec::new();
            // Fixes can enable further fixes (ruff-style loop), bounded.
            for _round in 0..5 {
                let mut changed = false;
                let mut texts: Vec<(FileId, PathBuf, String)> = Vec::new();
                for (id, path) in &files {
                    let (edits, n) = select_edits(&diags, *id, how);
                    if n == 0 {
                        continue;
                    }
                    let old = l.sources.get(*id).text.clone();
                    let new = apply_edits(&old, &edits);
                    if new != old {
                        if !originals.iter().any(|(p, _)| p == path) {
                            originals.push((path.clone(), old.clone()));
                        }
                        fixed_total += n;
                        changed = true;
                        texts.push((*id, path.clone(), new));
                    }
                }
                if !changed {
                    break;
                }
                // Re-load from the fixed text (in memory for --diff, from disk after --fix).
                for (_, path, new) in &texts {
                    if a.fix
                        && let Err(e) = write_atomic(path, new)
                    {
                        eprintln!("ntpcheck: cannot write {}: {e}", path.display());
                        return ExitCode::from(2);
                    }
                }
                if a.fix {
                    l = match super::load_input(f, stdin, dialect, &a.include_cwd, root) {
                        Ok(l) => l,
                        Err(e) => {
                            eprintln!("ntpcheck: {e}");
                            return ExitCode::from(2);
                        }
                    };
                } else {
                    // --diff: only the main file is re-read from memory.
                    let main_new = texts.iter().find(|(id, _, _)| *id == FileId(0)).map(|t| t.2.clone());
                    match main_new {
                        Some(t) => {
                            let lo = crate::config::load::LoadOptions { dialect, classic_cwd: a.include_cwd.clone(), no_conf_dir: false };
                            let name = l.sources.get(FileId(0)).name.clone();
                            l = if f.as_os_str() == "-" {
                                crate::config::load::load_bytes_under(&name, t.as_bytes(), &lo, root)
                            } else {
                                crate::config::load::load_bytes_at(&name, f, t.as_bytes(), &lo, root, false)
                            };
                        }
                        None => break,
                    }
                }
                diags = findings(&l, &a, &opts);
            }
            if a.diff {
                for (path, old) in &originals {
                    let new = if path.as_path() == f.as_path() { l.sources.get(FileId(0)).text.clone() } else { continue };
                    diff_out.push_str(&unified_diff(&path.display().to_string(), old, &new));
                }
            }
        }
        loads.push((l, diags));
    }
    if a.diff {
        let _ = write!(std::io::stdout().lock(), "{diff_out}");
        eprintln!("ntpcheck: {} fix(es) would be applied", fixed_total);
        return if diff_out.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) };
    }
    let all: Vec<&Diagnostic> = loads.iter().flat_map(|(_, d)| d.iter()).collect();
    let count = |s: Severity| all.iter().filter(|d| d.severity == s).count();
    let (errors, warnings, infos) = (count(Severity::Error), count(Severity::Warning), count(Severity::Info));
    let mut out = std::io::stdout().lock();
    match a.format {
        CheckFormat::Json => {
            let diags: Vec<_> = loads.iter().flat_map(|(l, ds)| ds.iter().map(|d| render::to_json(d, &l.sources))).collect();
            let v = serde_json::json!({
                "dialect": dialect,
                "diagnostics": diags,
                "summary": { "errors": errors, "warnings": warnings, "infos": infos, "files": a.files.len(), "fixed": fixed_total },
            });
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        CheckFormat::Short => {
            for (l, ds) in &loads {
                for d in ds {
                    let _ = writeln!(out, "{}", render::short(d, &l.sources));
                }
            }
        }
        CheckFormat::Github => {
            for (l, ds) in &loads {
                for d in ds {
                    let _ = writeln!(out, "{}", render::github(d, &l.sources));
                }
            }
        }
        CheckFormat::Sarif => {
            let refs: Vec<(&crate::source::SourceMap, &[Diagnostic])> = loads.iter().map(|(l, d)| (&l.sources, d.as_slice())).collect();
            let v = render::sarif(&refs, &sarif_rules(), env!("CARGO_PKG_VERSION"));
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        CheckFormat::Human => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            for (l, ds) in &loads {
                for d in ds {
                    let _ = write!(out, "{}", render::human(d, &l.sources, color, 100));
                }
            }
            let _ = writeln!(out, "{errors} error(s), {warnings} warning(s), {infos} info in {} file(s)", a.files.len());
        }
    }
    if a.fix && fixed_total > 0 {
        eprintln!("ntpcheck: applied {fixed_total} fix(es)");
    }
    let fail = match a.threshold() {
        Threshold::Never => false,
        Threshold::Error => errors > 0,
        Threshold::Warning => errors + warnings > 0,
        Threshold::Info => !all.is_empty(),
    };
    if fail { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
