//! Lint rules: what is valid ntp.conf but unwise (NTP2xx security, NTP3xx reliability, NTP4xx
//! redundancy/style, NTP5xx migration), plus the checks that need the environment (keys file,
//! drift file, DNS, interfaces) in any range. The parser and `config::lower` own the static
//! NTP0xx/NTP1xx findings; this module never re-reports them.
//!
//! # Adding a rule
//! 1. Take the next free code of the right range in `lint-catalog.md` and add it at the end of
//!    the `codes!` table in `diagnostic/code.rs` (name, default severity, summary).
//! 2. Create `rules/<kebab_name>.rs` with a unit struct, its `META` (docs: what it flags, why it
//!    matters, flagged example, fine example, ntpd reference) and `check`; the message wording
//!    lives in that file.
//! 3. Add one line to [`registry::ALL_RULES`] (sorted by code).
//! 4. Add `testdata/lint/NTPxxx/fail-*.conf` and `pass-*.conf`, each starting with a comment
//!    saying what it shows.
//! 5. `cargo test`: the registry tests check all of the above, including that the docs'
//!    examples behave.

pub mod context;
pub mod env;
pub mod fix;
pub mod registry;
pub mod rules;
pub mod suppress;

use serde::Serialize;

pub use context::LintContext;

use crate::config::Dialect;
use crate::config::load::Loaded;
use crate::diagnostic::{Code, Diagnostic, Severity};

/// What a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// NTP1xx checks that need the environment.
    Validity,
    /// NTP2xx.
    Security,
    /// NTP3xx.
    Reliability,
    /// NTP4xx.
    Style,
    /// NTP5xx.
    Migration,
}

/// What a rule needs besides the configuration text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Needs {
    /// The text and its includes.
    Static,
    /// Other files (keys, drift, leap, permissions): `--env`.
    EnvFs,
    /// How ntpd is started (service files): `--env`.
    EnvSys,
    /// Local interface addresses: `--env`.
    EnvNet,
    /// Name resolution: `--dns`.
    EnvDns,
}

/// Whether a rule can offer a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    /// Never.
    None,
    /// A meaning-preserving edit (applied by `--fix`).
    Safe,
    /// A behaviour-changing edit (applied only with `--unsafe-fixes`).
    Unsafe,
}

/// Rule sets beyond the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Hardening advice (RFC 8633).
    Security,
    /// The CIS benchmark's ntp items.
    Cis,
    /// The DISA STIG's ntp items.
    Stig,
    /// Everything, including style nits.
    Pedantic,
    /// Migration between dialects (`--target`).
    Migrate,
}

/// The daemon a configuration is being moved to (`--profile migrate --target …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Target {
    /// Dialect.
    pub dialect: Dialect,
    /// Classic patch level as (minor, patch), e.g. 4.2.6p5 = (6, 5), 4.2.8p18 = (8, 18).
    pub classic_version: (u8, u8),
}

impl std::str::FromStr for Target {
    type Err = String;
    /// `classic`, `ntpsec`, or `classic@4.2.6p5` / `classic@4.2.8p15`.
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, ver) = s.split_once('@').map(|(a, b)| (a, Some(b))).unwrap_or((s, None));
        let dialect = match name {
            "classic" => Dialect::Classic,
            "ntpsec" => Dialect::Ntpsec,
            _ => return Err(format!("unknown target `{name}` (expected classic, classic@4.2.Xp Y, or ntpsec)")),
        };
        let mut classic_version = (8, 18);
        if let Some(v) = ver {
            if dialect != Dialect::Classic {
                return Err("a version is only meaningful for the classic target".into());
            }
            let rest = v.strip_prefix("4.2.").ok_or_else(|| format!("unknown classic version `{v}` (expected 4.2.Np M)"))?;
            let (minor, patch) = rest.split_once('p').unwrap_or((rest, "0"));
            let minor: u8 = minor.parse().map_err(|_| format!("unknown classic version `{v}`"))?;
            let patch: u8 = patch.parse().map_err(|_| format!("unknown classic version `{v}`"))?;
            classic_version = (minor, patch);
        }
        Ok(Target { dialect, classic_version })
    }
}

/// When a rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Enabled {
    /// In the default set (and so in every profile).
    Default,
    /// Only in these profiles (`pedantic` includes every profile's rules but `migrate`).
    Profiles(&'static [Profile]),
    /// Only with `--profile migrate` and a target of this dialect (`None`: either).
    Migrate(Option<Dialect>),
}

/// Which dialects a rule applies to (what the loaded configuration was read as).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Dialects {
    /// Classic ntpd only.
    #[serde(rename = "C")]
    Classic,
    /// NTPsec only.
    #[serde(rename = "S")]
    Ntpsec,
    /// Both.
    #[serde(rename = "C,S")]
    Both,
}

impl Dialects {
    /// Does it apply to this dialect?
    pub fn includes(self, d: Dialect) -> bool {
        matches!((self, d), (Dialects::Both, _) | (Dialects::Classic, Dialect::Classic) | (Dialects::Ntpsec, Dialect::Ntpsec))
    }
}

/// Everything about a rule except its check: the registry, `ntpcheck rules`, SARIF and the
/// docs are built from this.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleMeta {
    /// Permanent code (its kebab name, default severity and summary live in the code table).
    pub code: Code,
    /// Category.
    pub category: Category,
    /// What it needs.
    pub needs: Needs,
    /// Dialects it applies to.
    pub dialects: Dialects,
    /// When it runs.
    pub enabled: Enabled,
    /// Fix availability.
    pub fix: FixAvailability,
    /// ntpcheck version that introduced it.
    pub since: &'static str,
    /// Docs: what it flags.
    pub what: &'static str,
    /// Docs: why it matters.
    pub why: &'static str,
    /// Docs: a configuration it flags.
    pub flagged: &'static str,
    /// Docs: a configuration it accepts.
    pub fine: &'static str,
    /// Docs: ntpd / RFC references.
    pub reference: &'static str,
    /// The ntpd documentation page closest to the rule (SARIF `helpUri`).
    pub url: &'static str,
}

impl RuleMeta {
    /// Kebab-case name.
    pub fn name(&self) -> &'static str {
        self.code.name()
    }
    /// Default severity.
    pub fn severity(&self) -> Severity {
        self.code.default_severity()
    }
    /// One-line summary.
    pub fn summary(&self) -> &'static str {
        self.code.summary()
    }
    /// The docs as Markdown (`ntpcheck rule NTPxxx`).
    pub fn docs_markdown(&self) -> String {
        format!(
            "# {} {}\n\n{}\n\nSeverity: {} · category: {} · needs: {} · dialects: {} · fix: {} · enabled: {}\n\n## What it flags\n\n{}\n\n## Why it matters\n\n{}\n\n## Flagged example\n\n```\n{}```\n\n## Fine example\n\n```\n{}```\n\n## ntpd reference\n\n{}\n",
            self.code,
            self.name(),
            self.summary(),
            sev_word(self.severity()),
            ser_word(&self.category),
            ser_word(&self.needs),
            ser_word(&self.dialects),
            ser_word(&self.fix),
            self.enabled_word(),
            self.what,
            self.why,
            self.flagged,
            self.fine,
            self.reference,
        )
    }
    /// `default`, `profile security, cis` or `profile migrate (target ntpsec)`.
    pub fn enabled_word(&self) -> String {
        let base = match self.enabled {
            Enabled::Default => "default".to_string(),
            Enabled::Profiles(p) => format!("profile {}", p.iter().map(ser_word).collect::<Vec<_>>().join(", ")),
            Enabled::Migrate(None) => "profile migrate".to_string(),
            Enabled::Migrate(Some(d)) => format!("profile migrate --target {}", ser_word(&d)),
        };
        match self.needs {
            Needs::Static => base,
            Needs::EnvDns => format!("{base}, with --dns"),
            _ => format!("{base}, with --env"),
        }
    }
}

/// `"lowercase"` serde name of a unit variant.
pub(crate) fn ser_word<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

pub(crate) fn sev_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// A lint rule: a unit struct with a `META` and a check.
pub trait Rule: Sync {
    /// Its metadata.
    fn meta(&self) -> &'static RuleMeta;
    /// Report findings into `sink`.
    fn check(&self, ctx: &LintContext, sink: &mut Sink);
}

/// Where rules put findings.
#[derive(Debug, Default)]
pub struct Sink {
    /// Findings so far.
    pub diagnostics: Vec<Diagnostic>,
}

impl Sink {
    /// Add a finding.
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }
}

/// Options of one lint run.
#[derive(Default)]
pub struct LintOptions {
    /// Profiles selected (`default` is always on).
    pub profiles: Vec<Profile>,
    /// Migration target (with `Profile::Migrate`).
    pub target: Option<Target>,
    /// Run `env:fs`, `env:sys` and `env:net` rules.
    pub env: bool,
    /// Run `env:dns` rules through this resolver.
    pub resolver: Option<Box<dyn env::Resolver>>,
    /// Where the environment is read from (`/` normally; tests point it at a fixture tree).
    pub env_root: Option<std::path::PathBuf>,
    /// Local interface addresses for `env:net` (None: read from the system).
    pub local_addresses: Option<Vec<std::net::IpAddr>>,
    /// Codes named in `--select`: their rules run even outside their profile.
    pub forced: Vec<Code>,
    /// The main file was read from standard input: its name (`--stdin-filename`) is a label,
    /// not a file whose permissions could be checked.
    pub main_from_stdin: bool,
}

impl std::fmt::Debug for LintOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LintOptions")
            .field("profiles", &self.profiles)
            .field("target", &self.target)
            .field("env", &self.env)
            .field("dns", &self.resolver.is_some())
            .finish()
    }
}

impl LintOptions {
    /// Is the profile on? `pedantic` turns on every non-migrate profile.
    pub fn has(&self, p: Profile) -> bool {
        self.profiles.contains(&p) || (p != Profile::Migrate && self.profiles.contains(&Profile::Pedantic))
    }

    /// Does the rule run with these options on a configuration read as `dialect`?
    pub fn runs(&self, m: &RuleMeta, dialect: Dialect) -> bool {
        let on = match m.enabled {
            Enabled::Default => true,
            Enabled::Profiles(ps) => ps.iter().any(|p| self.has(*p)) || self.forced.contains(&m.code),
            Enabled::Migrate(d) => self.has(Profile::Migrate) && self.target.is_some_and(|t| d.is_none_or(|d| d == t.dialect)),
        };
        let needs = match m.needs {
            Needs::Static => true,
            Needs::EnvDns => self.resolver.is_some(),
            _ => self.env,
        };
        // Migration rules look at the source dialect's model and ask about the target.
        // A migration rule for the target dialect also runs on a config being migrated to it.
        // (Only migration rules: other rules of the target dialect would read the source
        // dialect's restrict table, e.g. NTPsec's built-in `limited`, as if it were the target's.)
        let migrating_to = m.category == Category::Migration
            && self.has(Profile::Migrate).then_some(self.target).flatten().is_some_and(|t| m.dialects.includes(t.dialect));
        let dialect_ok = matches!(m.enabled, Enabled::Migrate(_)) || m.dialects.includes(dialect) || migrating_to;
        on && needs && dialect_ok
    }
}

/// Run every rule enabled by `opts` over a loaded configuration; returns the lint findings
/// (suppressions applied, unused suppressions reported), sorted by position.
pub fn run(loaded: &Loaded, opts: &LintOptions) -> Vec<Diagnostic> {
    let ctx = LintContext::new(loaded, opts);
    let mut sink = Sink::default();
    for rule in registry::ALL_RULES {
        let m = rule.meta();
        if opts.runs(m, loaded.config.dialect) {
            let before = sink.diagnostics.len();
            rule.check(&ctx, &mut sink);
            for d in &mut sink.diagnostics[before..] {
                debug_assert_eq!(d.code, m.code, "a rule reports only its own code");
                d.code = m.code;
            }
        }
    }
    let mut out = sink.diagnostics;
    out.sort_by_key(|a| (a.span.file, a.span.start, a.code));
    out.dedup();
    out
}

/// Parser findings + lint findings, with inline suppressions applied to both and unused
/// suppressions reported: what `ntpcheck check` shows.
pub fn check(loaded: &Loaded, opts: &LintOptions) -> Vec<Diagnostic> {
    let mut all = loaded.diagnostics.clone();
    all.extend(run(loaded, opts));
    let dialect = loaded.config.dialect;
    let ran = |c: Code| match registry::ALL_RULES.iter().find(|r| r.meta().code == c) {
        Some(r) => opts.runs(r.meta(), dialect),
        None => true,
    };
    let mut out = suppress::apply_with(&loaded.sources, all, &ran);
    out.sort_by_key(|a| (a.span.file, a.span.start, a.code));
    out
}
